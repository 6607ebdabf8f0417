"""Background tasks of the feeds (django-tasks API; enqueued on commit by `feeds.receivers`)."""

from __future__ import annotations

import logging

from django_tasks import TaskContext, task

from cms.kinds import FeedKind

logger = logging.getLogger(__name__)


@task(takes_context=True)
def fan_out(context: TaskContext, kind: str, pk: int) -> int:
    """Publish or re-score `kind` #`pk` in its audience's feeds."""
    from feeds.fanout import fan_out_content, notify_communities
    from feeds.ops_metrics import record_fan_out

    written = fan_out_content(kind, pk)
    if kind == FeedKind.ANNOUNCEMENT:
        notify_communities(pk)
    lag = record_fan_out(context.task_result.enqueued_at, written)
    logger.info("Fan-out %s %s: %s members, %.1f s after publication", kind, pk, written, lag)
    return written


@task()
def withdraw(kind: str, pk: int) -> int:
    """Remove `kind` #`pk` from every feed."""
    from feeds.fanout import withdraw_content

    return withdraw_content(kind, pk)


@task()
def train_recommendations() -> int:
    """Learn the item-item similarities from the community's signals and store them."""
    from feeds.recommendations.similarity import store, train

    written = store(train())
    logger.info("Recommendations trained: %s item neighbours stored", written)
    return written
