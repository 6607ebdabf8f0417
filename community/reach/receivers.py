"""Receivers: every journey step is counted. (A new account's step is sent by
``community.outreach.signup.account_created``, which credits it before merging a prospect.)"""

import logging

from django.dispatch import receiver

from community.journey import journey_step
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
