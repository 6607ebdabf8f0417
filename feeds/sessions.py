"""The sessions of an event series, for the feed's cards.

A médiathèque publishes a recurring event (a club every other Saturday) as one page per
session, each with its own date and places, under the same title at the same branch
(``EventPage.series_key``). A feed shows one card per series: the next session, listing the
dates of the following ones. The later sessions stay in the member's stored feed, held back
while an earlier session is there too, and come up once the sessions before them are over.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from functools import cached_property, lru_cache

from django.conf import settings
from django.db.models import Q
from django.http import HttpRequest
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from wagtail.models import Page, Site

from cms.kinds import FeedKind
from cms.models import EventPage

OTHER_SESSIONS_SHOWN = 3

Session = tuple[datetime, int, str]  # start, page id, url_path (its URL only when shown)


class EventSessions:
    """The upcoming, live, public sessions of the series of some events, soonest first: one
    query through the (series_key, start) index, after Wagtail's one for its private
    sections (kept in `private`, for the caller's own page query; read only when needed)."""

    def __init__(
        self,
        event_ids: Iterable[int],
        now: datetime,
        request: HttpRequest | None = None,
        private: Q | None = None,
    ) -> None:
        self._private = private
        self.now = now
        self.request = request
        self.series: dict[str, list[Session]] = {}
        self.series_of: dict[int, str] = {}
        self.read: set[int] = set()
        self.add(event_ids)

    @cached_property
    def _root_path(self) -> str | None:
        """The root path of the one Wagtail site, or None with several sites or Wagtail's
        i18n (where the URL depends on more than the page's path)."""
        paths = Site.get_site_root_paths()
        if settings.WAGTAIL_I18N_ENABLED or len({path.site_id for path in paths}) != 1:
            return None
        return paths[0].root_path

    def page_url(self, pk: int, url_path: str) -> str | None:
        """``page.get_url(request)`` from the page's id and ``url_path``, without loading the
        page. With one Wagtail site, the local URL ``get_url_parts`` composes (the path below
        the site's root through the ``wagtail_serve`` URL), without ``get_url``'s lookup of
        the request's site (a query per request) and remembered per process; with several
        sites, ``get_url`` itself (a full URL for another site's page)."""
        root = self._root_path
        if root is None:
            return Page(pk=pk, url_path=url_path).get_url(self.request)
        if not url_path.startswith(root):
            return None  # not below the site's root: not routable
        return _served_path(url_path[len(root) :], get_script_prefix(), get_urlconf())

    def add(self, event_ids: Iterable[int]) -> None:
        """Read the series of these events too (one query, unless they are known)."""
        event_ids = set(event_ids) - self.read - self.series_of.keys()
        if not event_ids:
            return
        self.read |= event_ids
        now = self.now
        series_keys, sessions = _series_querysets()
        rows = sessions.filter(
            series_key__in=series_keys.filter(pk__in=event_ids), end__gte=now
        ).exclude(self.private)
        for pk, key, start, url_path in rows:
            if pk not in self.series_of:
                self.series.setdefault(key, []).append((start, pk, url_path))
                self.series_of[pk] = key

    @property
    def private(self) -> Q:
        """Wagtail's private sections (one query, on first use)."""
        if self._private is None:
            self._private = Page.objects.all().private_q()
        return self._private

    def _position(self, pk: int) -> tuple[list[Session], int | None]:
        sessions = self.series.get(self.series_of.get(pk, ""), [])
        return sessions, next((i for i, s in enumerate(sessions) if s[1] == pk), None)

    def earlier(self, pk: int) -> tuple[str, ...]:
        """The entry keys of the sessions of this event's series before it."""
        sessions, position = self._position(pk)
        return tuple(f"{FeedKind.EVENT}:{s[1]}" for s in sessions[: position or 0])

    def card_fields(self, pk: int) -> dict:
        """An event card's next sessions after it (the first few, and how many more)."""
        sessions, position = self._position(pk)
        if position is None:  # not a series read (over, or its title just changed)
            return {}
        later = sessions[position + 1 :]
        # the URL from the row's url_path: no session is loaded (a series may have dozens)
        shown = [
            (start, self.page_url(pk, url_path))
            for start, pk, url_path in later[:OTHER_SESSIONS_SHOWN]
        ]
        shown = [(start, url) for start, url in shown if url]
        return {
            "other_sessions": tuple(shown),
            "more_sessions": max(0, len(later) - OTHER_SESSIONS_SHOWN),
        }


@lru_cache(maxsize=1)
def _series_querysets():
    """(the series keys of events, the live sessions as (pk, series key, start, url_path)
    soonest first), filtered per read by `EventSessions.add`. Built once per process
    (filtering a queryset clones it): every feed page reads sessions."""
    return (
        EventPage.objects.exclude(series_key="").values("series_key"),
        EventPage.objects.live()
        .order_by("start", "pk")
        .values_list("pk", "series_key", "start", "url_path"),
    )


@lru_cache(maxsize=4096)
def _served_path(path: str, script_prefix: str, urlconf: str | None) -> str | None:
    """Wagtail's serving URL for a path below a site's root, as ``Page.get_url_parts`` builds
    it (the key holds all the answer depends on without Wagtail's i18n)."""
    try:
        url = reverse("wagtail_serve", args=(path,), urlconf=urlconf)
    except NoReverseMatch:
        return None
    if not getattr(settings, "WAGTAIL_APPEND_SLASH", True) and url != "/":
        url = url.rstrip("/")
    return url


def later_sessions(
    entries,
    sessions: EventSessions,
    known: set[str],
    in_feed: Callable[[set[str]], set[str]],
) -> set[str]:
    """The keys of the event entries with an earlier session of their series in the feed:
    among the `known` keys of the feed, or else as `in_feed(keys)` answers (called once,
    only when needed: a read of the member's store)."""
    earlier = {
        e.key: set(sessions.earlier(e.object_id)) for e in entries if e.kind == FeedKind.EVENT
    }
    earlier = {key: before for key, before in earlier.items() if before}
    if not earlier:
        return set()
    wanted = set().union(*earlier.values())
    present = known & wanted
    if wanted - present:
        present |= in_feed(wanted - present)
    return {key for key, before in earlier.items() if before & present}
