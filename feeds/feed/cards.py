"""Feed cards: stored entries turned into plain values to render, in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from wagtail.models import Page

from cms.kinds import FeedKind
from cms.models import CatalogueItem
from cms.text import html_to_text
from community.models import Post
from feeds.entry_links import open_url
from feeds.sessions import EventSessions
from feeds.store import StoredEntry

KIND_LABELS = {
    FeedKind.ANNOUNCEMENT: _("News"),
    FeedKind.EVENT: _("Event"),
    FeedKind.RECOMMENDATION: _("Our picks"),
    FeedKind.ITEM: _("Suggested for you"),
    FeedKind.POST: _("Community"),
}


@dataclass
class FeedCard:
    """One entry ready to render (plain values: no model instance travels to the template)."""

    entry: StoredEntry
    title: str
    url: str
    summary: str = ""
    when: datetime | None = None
    where: str = ""
    byline: str = ""
    # an event's next sessions (same title, same médiathèque): (when, url), and how many more
    other_sessions: tuple[tuple[datetime, str], ...] = ()
    more_sessions: int = 0

    @property
    def kind(self) -> str:
        return self.entry.kind

    @property
    def key(self) -> str:
        return self.entry.key

    @property
    def reason(self) -> str:
        return self.entry.reason

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS.get(self.entry.kind, ""))

    @property
    def community_id(self) -> int | None:
        return self.entry.community_id

    @property
    def object_id(self) -> int:
        return self.entry.object_id

    @property
    def open_url(self) -> str:
        """The link through the counted "feed entry opened" click-through (member feed)."""
        return open_url(self.entry.kind, self.entry.object_id, self.url)


def _excerpt(html: str, words: int = 40) -> str:
    return _plain_words(html or "", words, get_language())


@lru_cache(maxsize=512)
def _plain_words(html: str, words: int, language: str | None) -> str:
    # Many members see the same events: their descriptions are stripped once per process
    # (the truncation mark may depend on the language, hence in the key).
    return Truncator(html_to_text(html)).words(words)


def _page_cards(
    ids: dict[str, list[int]], now: datetime, request, sessions: EventSessions | None
) -> dict:
    """{entry key: (title, url, card fields)} of the live, public announcements, upcoming
    events and curated lists among `ids`: one query for the pages of every kind, each with
    its own table joined (`select_related` of the child pages, the columns a card shows),
    after Wagtail's one for its private sections; with events, their series' sessions
    (`sessions`, or one more query)."""
    announcements = set(ids.get(FeedKind.ANNOUNCEMENT, ()))
    events = set(ids.get(FeedKind.EVENT, ()))
    recommendations = set(ids.get(FeedKind.RECOMMENDATION, ()))
    if sessions is None:
        sessions = EventSessions(events, now, request)
    pages = (
        Page.objects.live()
        .filter(pk__in=announcements | events | recommendations)
        .exclude(sessions.private)
        .select_related("announcementpage", "eventpage__branch", "recommendationpage__branch")
        .only(
            "title",
            "url_path",
            "first_published_at",
            "announcementpage__intro",
            "eventpage__description",
            "eventpage__start",
            "eventpage__end",
            "eventpage__room",
            "eventpage__branch__name",
            "recommendationpage__intro",
            "recommendationpage__branch__name",
        )
        .order_by()
    )
    found: dict[str, tuple] = {}
    for page in pages:
        # a page counts only as the kind its entry says (its own table joined), an event
        # only until it is over
        if page.pk in announcements and hasattr(page, "announcementpage"):
            key = f"{FeedKind.ANNOUNCEMENT}:{page.pk}"
            extra = {"summary": page.announcementpage.intro, "when": page.first_published_at}
        elif page.pk in events and hasattr(page, "eventpage") and page.eventpage.end >= now:
            event = page.eventpage
            key = f"{FeedKind.EVENT}:{page.pk}"
            extra = {
                "summary": _excerpt(event.description),
                "when": event.start,
                "where": event.branch.name + (f" ({event.room})" if event.room else ""),
                **sessions.card_fields(page.pk),
            }
        elif page.pk in recommendations and hasattr(page, "recommendationpage"):
            picks = page.recommendationpage
            key = f"{FeedKind.RECOMMENDATION}:{page.pk}"
            extra = {"summary": picks.intro, "where": picks.branch.name if picks.branch else ""}
        else:
            continue
        found[key] = (page.title, sessions.page_url(page), extra)
    return found


def hydrate(
    entries: list[StoredEntry],
    request=None,
    *,
    now: datetime | None = None,
    sessions: EventSessions | None = None,
) -> dict[str, FeedCard]:
    """Cards for these entries, whatever their number: two queries for the pages (Wagtail's
    private sections, then the pages of every kind at once), one for the sessions of the
    events' series (unless `sessions` already holds them), one for catalogue items, one for
    posts; pages with only the columns a card shows, their URLs without a site lookup.
    Entries whose object is gone, private or over are left out. Whether an event's later
    session is shown at all is the caller's choice (`feeds.sessions.later_sessions`)."""
    from community.markup import plain_excerpt

    now = now or timezone.now()
    ids: dict[str, list[int]] = {}
    for entry in entries:
        ids.setdefault(entry.kind, []).append(entry.object_id)
    found: dict[str, tuple] = {}
    page_kinds = {FeedKind.ANNOUNCEMENT, FeedKind.EVENT, FeedKind.RECOMMENDATION}
    if page_kinds & ids.keys():
        found.update(_page_cards(ids, now, request, sessions))
    if ids.get(FeedKind.ITEM):
        for item in (
            CatalogueItem.objects.active()
            .filter(pk__in=ids[FeedKind.ITEM])
            .only("record_id", "title", "authors", "doc_type", "year", "summary")
        ):
            byline = " · ".join(
                str(x) for x in (item.main_author, item.get_doc_type_display(), item.year) if x
            )
            found[f"{FeedKind.ITEM}:{item.pk}"] = (
                item.title,
                reverse("search:item", args=[item.record_id]),
                {"summary": Truncator(item.summary).words(30), "byline": byline},
            )
    if ids.get(FeedKind.POST):
        for post in (
            Post.objects.published()
            .filter(pk__in=ids[FeedKind.POST])
            .select_related("author", "community")
            .only(
                "community_id",
                "body",
                "published_at",
                "created_at",
                "community__title",
                "author__display_name",
            )
        ):
            found[f"{FeedKind.POST}:{post.pk}"] = (
                post.community.title,
                post.get_absolute_url(),
                {
                    "summary": plain_excerpt(post.body, 280),
                    "when": post.published_at or post.created_at,
                    "byline": post.author.public_name,
                },
            )

    cards: dict[str, FeedCard] = {}
    for entry in entries:
        values = found.get(entry.key)
        if values is not None:
            title, url, extra = values
            cards[entry.key] = FeedCard(entry, title, url, **extra)
    return cards
