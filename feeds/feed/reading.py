"""Reading one page of a member's feed.

`read_feed(member, cursor=…)` reads one page by keyset, hydrates the objects in a fixed
number of queries (`feeds.feed.cards`) and applies the diversity rule.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from cms.kinds import FeedKind
from feeds import ranking
from feeds.feed.cards import FeedCard, hydrate
from feeds.feed.cursor import Cursor
from feeds.sessions import EventSessions, later_sessions
from feeds.store import Position, get_store


@dataclass
class FeedPage:
    cards: list[FeedCard]
    next_cursor: str | None
    is_first: bool


def _without_later_sessions(
    member, store, entries, sessions: EventSessions, read: set[str]
) -> list:
    """`entries` but the later sessions of a series with an earlier session in the feed
    (among the entries `read` from the store so far, or else found there)."""
    sessions.add(e.object_id for e in entries if e.kind == FeedKind.EVENT)
    held = later_sessions(
        entries,
        sessions,
        read,
        lambda keys: {e.key for e in store.get_many(member.pk, sorted(keys))},
    )
    return [e for e in entries if e.key not in held]


def _read_candidates(member, store, cursor: Cursor | None, size: int, sessions: EventSessions):
    """The entries a page is picked from, best first: those the previous page held back,
    then the next ones in the store, a page's worth beyond the page (the lookahead), less
    the later sessions of a series with an earlier session in the feed (held back, not
    removed: they come up once the sessions before them are over). Held sessions may leave
    too few: the store is read on, in growing reads, until there are more than a page's
    worth (so that no page behind a "more" link is empty), and twice at most to restore the
    lookahead. Returns (candidates, the entries read from the store, whether it has no
    more)."""
    lookahead = size
    deferred = store.get_many(member.pk, cursor.deferred) if cursor and cursor.deferred else []
    wanted = size + lookahead - len(deferred)
    position = cursor.position if cursor else None
    fresh = store.page(member.pk, before=position, limit=max(wanted, 0))
    exhausted = len(fresh) < wanted
    candidates = sorted(deferred, key=lambda e: (e.score, e.tiebreak), reverse=True)
    seen = {e.key for e in candidates}
    candidates += [e for e in fresh if e.key not in seen]
    read = {e.key for e in deferred} | {e.key for e in fresh}
    candidates = _without_later_sessions(member, store, candidates, sessions, read)
    reads, limit = 0, lookahead
    while not exhausted and (
        len(candidates) <= size or (len(candidates) < size + lookahead and reads < 2)
    ):
        if fresh:
            position = Position(fresh[-1].score, fresh[-1].tiebreak)
        more = store.page(member.pk, before=position, limit=limit)
        exhausted = len(more) < limit
        fresh += more
        more = [e for e in more if e.key not in read]
        read |= {e.key for e in more}
        candidates += _without_later_sessions(member, store, more, sessions, read)
        reads, limit = reads + 1, limit * 2
    candidates.sort(key=lambda e: e.score, reverse=True)
    return candidates, fresh, exhausted


def read_feed(
    member, *, cursor: Cursor | None = None, size: int | None = None, request=None
) -> FeedPage:
    """One page of the member's feed, best first, diversified; stale entries are dropped."""
    size = size or settings.FEED_PAGE_SIZE
    store = get_store()
    now = timezone.now()
    sessions = EventSessions((), now, request)
    candidates, fresh, exhausted = _read_candidates(member, store, cursor, size, sessions)
    # Diversify the stored entries (they carry kind and community), then hydrate only the
    # ones picked: the lookahead costs no object loading. An entry whose object is gone
    # (unpublished, withdrawn, an event now over) leaves the store and the pick is redone.
    cards: dict[str, FeedCard] = {}
    while True:
        picked_entries, rest = ranking.diversify(
            candidates,
            size,
            kind=lambda e: e.kind,
            community=lambda e: e.community_id,
            tail_kinds=cursor.kinds if cursor else (),
            tail_communities=cursor.communities if cursor else (),
            more_coming=not exhausted,
        )
        missing = [e for e in picked_entries if e.key not in cards]
        cards.update(hydrate(missing, request, now=now, sessions=sessions))
        stale = [e for e in missing if e.key not in cards]
        if not stale:
            break
        for entry in stale:
            store.remove_content(entry.kind, entry.object_id, members=[member.pk])
        gone = {e.key for e in stale}
        candidates = [e for e in candidates if e.key not in gone]
    picked = [cards[e.key] for e in picked_entries]
    next_cursor = None
    if rest or not exhausted:
        if fresh:
            last = fresh[-1]
            position = Position(last.score, last.tiebreak)
        else:
            position = cursor.position if cursor else Position(float("inf"), "")
        next_cursor = Cursor(
            position,
            deferred=[e.key for e in rest],
            kinds=[c.kind for c in picked][-ranking.MAX_CONSECUTIVE :]
            or (cursor.kinds if cursor else []),
            communities=[c.community_id for c in picked][-ranking.MAX_CONSECUTIVE :],
        ).encode()
    return FeedPage(picked, next_cursor, is_first=cursor is None)
