"""Receivers of the outreach package, connected from ``OutreachConfig.ready``.

- allauth ``email_confirmed``: an account whose address is now verified inherits the open
  prospect with that address (interests, commune, consents), which is marked merged;
- allauth ``user_signed_up``: the sign-up is counted and credited to the partner of an open
  prospect with that address, then, if the address is already verified (social sign-up),
  the prospect is merged (``community.outreach.signup``: one action, in that order).
"""

from allauth.account.signals import email_confirmed, user_signed_up
from django.dispatch import receiver


@receiver(email_confirmed, dispatch_uid="outreach.merge_prospect")
def merge_prospect_on_confirmation(sender, request=None, email_address=None, **kwargs) -> None:
    if email_address is None or not email_address.verified or email_address.user_id is None:
        return
    from community.outreach.actions import merge_prospect

    merge_prospect(email_address.user, email_address.email)


@receiver(user_signed_up, dispatch_uid="outreach.account_created")
def account_created(sender, request=None, user=None, **kwargs) -> None:
    """Every sign-up (email or Facebook): credited first, then merged if already verified."""
    if user is None:
        return
    from community.outreach.signup import account_created as record

    record(user, request)
