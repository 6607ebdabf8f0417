"""Background tasks of the feeds (django-tasks API; enqueued on commit by feed_receivers)."""

from __future__ import annotations

import logging

from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def fan_out(kind: str, pk: int) -> int:
    """Publish or re-score `kind` #`pk` in its audience's feeds."""
    from feeds.fanout import fan_out_content, notify_communities

    written = fan_out_content(kind, pk)
    if kind == "announcement":
        notify_communities(pk)
    logger.info("Fan-out %s %s: %s members", kind, pk, written)
    return written


@task()
def withdraw(kind: str, pk: int) -> int:
    """Remove `kind` #`pk` from every feed."""
    from feeds.fanout import withdraw_content

    return withdraw_content(kind, pk)
