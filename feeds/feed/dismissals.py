"""The "not interested" mark: a member takes an entry out of their feed, or takes that back."""

from __future__ import annotations

from cms.kinds import FeedKind
from cms.models import EventPage
from feeds import ranking
from feeds.feed.build import build_feed
from feeds.models import FeedFeedback
from feeds.store import get_store


def mark_not_interested(member, kind: str, object_id: int) -> bool:
    """The member does not want this entry: it leaves their feed for good (an event with
    every session of its series), and similar ones (same kind and interest, same community)
    sink. Later fan-outs and rebuilds leave it out (ranking.score). Returns False when the
    entry is not in their feed."""
    store = get_store()
    found = store.get_many(member.pk, [f"{kind}:{object_id}"])
    if not found:
        return False
    entry = found[0]
    series_key, sessions = "", [object_id]
    if kind == FeedKind.EVENT:
        series_key = (
            EventPage.objects.filter(pk=object_id).values_list("series_key", flat=True).first()
            or ""
        )
        if series_key:
            sessions = list(
                EventPage.objects.filter(series_key=series_key).values_list("pk", flat=True)
            )
    FeedFeedback.objects.get_or_create(
        member_id=member.pk,
        kind=kind,
        object_id=object_id,
        defaults={
            "interest_id": entry.interest_id,
            "community_id": entry.community_id,
            "series_key": series_key,
        },
    )
    for pk in {object_id, *sessions}:
        store.remove_content(kind, pk, members=[member.pk])
    store.sink(
        member.pk,
        kind=kind,
        object_id=object_id,
        interest_id=entry.interest_id,
        community_id=entry.community_id,
        penalty=0.0,
        similar_penalty=ranking.SIMILAR_PENALTY,
    )
    return True


def undo_not_interested(member, kind: str, object_id: int) -> bool:
    """Take back a "not interested": the mark goes and the feed is rebuilt, so the entry
    (and its series) comes back and similar ones rise again. False when there was no mark."""
    deleted, _rows = FeedFeedback.objects.filter(
        member_id=member.pk, kind=kind, object_id=object_id
    ).delete()
    if deleted:
        build_feed(member)
    return bool(deleted)
