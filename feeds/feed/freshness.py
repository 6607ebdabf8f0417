"""Keeping a member's feed fresh when they open it.

`ensure_fresh(member)` rebuilds the feed when they come back after `FEED_INACTIVE_DAYS`
(the fan-out skipped them), when their interests, home branch or communities changed, or
once a day (event freshness, new suggestions).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from feeds.feed.build import build_feed, signature_and_interests
from feeds.models import FeedState

REBUILD_AFTER = timedelta(hours=24)
SEEN_EVERY = timedelta(hours=1)


def inactive_since(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(days=settings.FEED_INACTIVE_DAYS)


def ensure_fresh(member, *, now: datetime | None = None) -> dict:
    """Called when the member opens their feed: rebuild it if needed, note the visit.

    Returns {"rebuilt": bool, "has_interests": bool}. Two queries when nothing is due (the
    state; the interests and the communities of the signature); the steady state only reads.
    """
    now = now or timezone.now()
    state = FeedState.objects.filter(member_id=member.pk).first()
    signature, has_interests = signature_and_interests(member)
    due = (
        state is None
        or state.built_at is None
        or state.signature != signature
        or state.built_at < now - REBUILD_AFTER
        or state.last_seen is None
        or state.last_seen < inactive_since(now)
    )
    if due:
        build_feed(member, now=now, signature=signature)
        FeedState.objects.filter(member_id=member.pk).update(last_seen=now)
    elif state.last_seen < now - SEEN_EVERY:
        FeedState.objects.filter(member_id=member.pk).update(last_seen=now)
    return {"rebuilt": due, "has_interests": has_interests}
