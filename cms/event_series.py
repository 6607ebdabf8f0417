"""One event series, one entry: the rule the feed follows, for every list of events.

A médiathèque publishes a recurring event (a club every other Saturday) as one page per
session, under the same title at the same branch (``EventPage.series_key``). Wherever events
are listed (the feed, search results, the partner questionnaire's suggestions, a branch's
"Prochainement", the weekly digest), a series appears once: its first session in the
list's own order, which is its next session in lists sorted by date.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

# Lists built from a query fetch this many times what they show, so that a series with many
# sessions does not leave them short once its later sessions are folded away.
OVERFETCH = 8


def series_key_of(event) -> str:
    """The series of an EventPage (its own pk when it has no key)."""
    return getattr(event, "series_key", "") or f"page:{event.pk}"


def one_per_series(
    entries: Iterable[T],
    limit: int | None = None,
    *,
    key: Callable[[T], str | None] = series_key_of,
) -> list[T]:
    """`entries` in their order, without the later sessions of a series already listed;
    `key` gives an entry's series (None: not an event, always kept)."""
    return list(_first_of_each(entries, limit, key))


def _first_of_each(entries, limit, key) -> Iterator:
    seen: set[str] = set()
    kept = 0
    for entry in entries:
        if limit is not None and kept >= limit:
            return
        series = key(entry)
        if series is not None:
            if series in seen:
                continue
            seen.add(series)
        kept += 1
        yield entry


def series_keys(event_ids: Iterable[int]) -> dict[int, str]:
    """{event pk: its series} in one query."""
    from cms.models import EventPage

    ids = set(event_ids)
    if not ids:
        return {}
    rows = EventPage.objects.filter(pk__in=ids).values_list("pk", "series_key")
    return {pk: key or f"page:{pk}" for pk, key in rows}
