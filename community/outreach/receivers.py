"""Receivers of the outreach package, connected from ``OutreachConfig.ready``.

- allauth ``email_confirmed``: an account whose address is now verified inherits the open
  prospect with that address (interests, commune, consents), which is marked merged;
- allauth ``user_signed_up`` with an address already verified (social sign-up): the same.
"""

from allauth.account.signals import email_confirmed, user_signed_up
from django.dispatch import receiver


@receiver(email_confirmed, dispatch_uid="outreach.merge_prospect")
def merge_prospect_on_confirmation(sender, request=None, email_address=None, **kwargs) -> None:
    if email_address is None or not email_address.verified or email_address.user_id is None:
        return
    from community.outreach.actions import merge_prospect

    merge_prospect(email_address.user, email_address.email)


@receiver(user_signed_up, dispatch_uid="outreach.merge_prospect_on_signup")
def merge_prospect_on_verified_signup(sender, request=None, user=None, **kwargs) -> None:
    """Sign-ups whose address arrives already verified (e.g. from Facebook) merge at once."""
    if user is None or not user.email:
        return
    from allauth.account.models import EmailAddress

    if EmailAddress.objects.filter(user=user, email__iexact=user.email, verified=True).exists():
        from community.outreach.actions import merge_prospect

        merge_prospect(user, user.email)
