"""Background tasks (django-tasks). Thin wrappers: the logic lives in outbox/campaigns."""

from __future__ import annotations

import logging

from django_tasks import task

logger = logging.getLogger("feeds.syndication")


@task()
def send_syndication(row_pk: int) -> str:
    """Send one outbox row to Facebook (claims it first: safe to run twice)."""
    from .outbox import send

    outcome = send(row_pk)
    logger.info("Syndication %s: %s", row_pk, outcome)
    return outcome


@task()
def resume_syndication() -> dict:
    """The sweeper: enqueue due and abandoned rows, record missed publications."""
    from .outbox import resume_due

    return resume_due()


@task()
def send_connection_alert() -> int:
    """Email the network admins that the Facebook connection is broken."""
    from .alerts import email_broken_connection

    return email_broken_connection()


@task()
def prepare_ad_campaign(campaign_pk: int) -> str:
    """Create campaign, ad set, creative and ad (all PAUSED) through the Marketing API."""
    from .campaigns import run_campaign

    return run_campaign(campaign_pk)
