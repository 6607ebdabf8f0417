"""What happens when an account is created, in one place and in this order.

1. The sign-up is counted (journey step ACCOUNT_CREATED) and credited to where the person
   came from: the partner site whose questionnaire they answered first, with its branch
   and interests, when an open prospect has their address; else wherever the request came
   from (community.reach's attribution: a campaign link, our search, or direct).
2. Then, if the address is already verified (a Facebook sign-up), the prospect is merged
   into the account. An address verified later (sign-up by email) is merged when it is
   confirmed (``receivers.merge_prospect_on_confirmation``).

The order matters: merging first closes the prospect, and the sign-up was then credited
to "direct" instead of the partner.
"""

from __future__ import annotations

from allauth.account.models import EmailAddress

from community.journey import Step, send_journey_step
from community.outreach.actions import merge_prospect
from community.outreach.models import Prospect


def account_created(user, request=None) -> None:
    """Count and credit the new account, then carry a verified prospect over to it."""
    prospect = None
    if user.email:
        prospect = (
            Prospect.objects.filter(
                email__iexact=user.email, merged_into__isnull=True, merged_at__isnull=True
            )
            .select_related("partner")
            .first()
        )
    if prospect is None:
        send_journey_step(Step.ACCOUNT_CREATED, request=request, member=user)
    else:
        send_journey_step(
            Step.ACCOUNT_CREATED,
            request=request,
            member=user,
            branch=prospect.nearest_branch,
            interests=list(prospect.interests.all()),
            source=prospect.partner.slug if prospect.partner_id else None,
        )
        if EmailAddress.objects.filter(user=user, email__iexact=user.email, verified=True).exists():
            merge_prospect(user, user.email)
