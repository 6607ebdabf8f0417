"""Receivers: every journey step is counted; every new account sends ACCOUNT_CREATED."""

import logging

from allauth.account.signals import user_signed_up
from django.dispatch import receiver

from community.journey import Step, journey_step, send_journey_step
from community.reach.funnel import record_step

logger = logging.getLogger(__name__)


@receiver(journey_step, dispatch_uid="reach.count_journey_step")
def count_journey_step(
    sender, step, request=None, member=None, branch=None, interests=(), source=None, **kwargs
) -> None:
    try:
        record_step(
            step,
            request=request,
            member=member,
            branch=branch,
            interests=interests,
            source=source,
        )
    except Exception:  # counting must never break what the person was doing
        logger.exception("Could not count journey step %s", step)


@receiver(user_signed_up, dispatch_uid="reach.account_created")
def account_created(sender, request, user, **kwargs) -> None:
    """Every sign-up (email or Facebook) counts once, whatever path created the account.

    Someone who answered a partner's questionnaire first (an open prospect with the same
    address) is attributed to that partner, with the prospect's branch and interests.
    """
    from community.outreach.models import Prospect

    prospect = (
        Prospect.objects.filter(
            email__iexact=user.email or "", merged_into__isnull=True, merged_at__isnull=True
        )
        .select_related("partner")
        .first()
        if user.email
        else None
    )
    if prospect is None:
        send_journey_step(Step.ACCOUNT_CREATED, request=request, member=user)
        return
    send_journey_step(
        Step.ACCOUNT_CREATED,
        request=request,
        member=user,
        branch=prospect.nearest_branch,
        interests=prospect.interests.all(),
        source=prospect.partner.slug if prospect.partner_id else None,
    )
