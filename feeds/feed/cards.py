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
    # the page's picture or the item's cover as rendered <picture> markup (the site's own
    # renditions), "" without one; `picture_kind` is "page" or "cover" (how it is laid out)
    picture: str = ""
    picture_kind: str = ""

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


@lru_cache(maxsize=1)
def _card_pages():
    """Live pages of every kind as the columns a card shows (named values, each kind's own
    table joined), filtered per feed page by `_page_cards`. Built once per process (filtering
    a queryset clones it): setting up the joined columns cost more than running the query."""
    return (
        Page.objects.live()
        .order_by()
        .values(
            "pk",
            "title",
            "url_path",
            "first_published_at",
            "announcementpage__pk",
            "announcementpage__intro",
            "announcementpage__image_id",
            "eventpage__pk",
            "eventpage__description",
            "eventpage__start",
            "eventpage__end",
            "eventpage__room",
            "eventpage__image_id",
            "eventpage__branch__name",
            "recommendationpage__pk",
            "recommendationpage__intro",
            "recommendationpage__image_id",
            "recommendationpage__branch__name",
        )
    )


def _page_cards(
    ids: dict[str, list[int]], now: datetime, request, sessions: EventSessions | None
) -> dict:
    """{entry key: (title, url, card fields)} of the live, public announcements, upcoming
    events and curated lists among `ids`: one query for the pages of every kind, each with
    its own table joined (the columns a card shows, as named values), after Wagtail's one for
    its private sections; with events, their series' sessions (`sessions`, or one more
    query)."""
    announcements = set(ids.get(FeedKind.ANNOUNCEMENT, ()))
    events = set(ids.get(FeedKind.EVENT, ()))
    recommendations = set(ids.get(FeedKind.RECOMMENDATION, ()))
    if sessions is None:
        sessions = EventSessions(events, now, request)
    rows = (
        _card_pages()
        .filter(pk__in=announcements | events | recommendations)
        .exclude(sessions.private)
    )
    found: dict[str, tuple] = {}
    for row in rows:
        pk = row["pk"]
        # a page counts only as the kind its entry says (its own table joined), an event
        # only until it is over
        if pk in announcements and row["announcementpage__pk"] is not None:
            key = f"{FeedKind.ANNOUNCEMENT}:{pk}"
            extra = {
                "summary": row["announcementpage__intro"],
                "when": row["first_published_at"],
                "image_id": row["announcementpage__image_id"],
            }
        elif pk in events and row["eventpage__pk"] is not None and row["eventpage__end"] >= now:
            room = row["eventpage__room"]
            key = f"{FeedKind.EVENT}:{pk}"
            extra = {
                "summary": _excerpt(row["eventpage__description"]),
                "when": row["eventpage__start"],
                "where": row["eventpage__branch__name"] + (f" ({room})" if room else ""),
                "image_id": row["eventpage__image_id"],
                **sessions.card_fields(pk),
            }
        elif pk in recommendations and row["recommendationpage__pk"] is not None:
            key = f"{FeedKind.RECOMMENDATION}:{pk}"
            extra = {
                "summary": row["recommendationpage__intro"],
                "where": row["recommendationpage__branch__name"] or "",
                "image_id": row["recommendationpage__image_id"],
            }
        else:
            continue
        found[key] = (row["title"], sessions.page_url(pk, row["url_path"]), extra)
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
            .only("record_id", "title", "authors", "doc_type", "year", "summary", "cover_id")
        ):
            byline = " · ".join(
                str(x) for x in (item.main_author, item.get_doc_type_display(), item.year) if x
            )
            found[f"{FeedKind.ITEM}:{item.pk}"] = (
                item.title,
                reverse("search:item", args=[item.record_id]),
                {
                    "summary": Truncator(item.summary).words(30),
                    "byline": byline,
                    "cover_id": item.cover_id,
                },
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
            fields = {k: v for k, v in extra.items() if k not in ("image_id", "cover_id")}
            cards[entry.key] = FeedCard(entry, title, url, **fields)
    _add_pictures(cards.values(), found)
    return cards


def _add_pictures(cards, found: dict) -> None:
    """The pictures of the cards that have one: one query for the images and one for their
    renditions, whatever the number of cards (none without pictures). The first picture is
    loaded at once, the others lazily."""
    from django.utils.safestring import mark_safe
    from wagtail.images.models import Picture

    from cms.prefetching import CARD_IMAGE_SPECS, COVER_SPECS, expand, images_with_renditions

    wanted = []
    for card in cards:
        extra = found[card.key][2]
        if extra.get("image_id"):
            wanted.append((card, extra["image_id"], "page"))
        elif extra.get("cover_id"):
            wanted.append((card, extra["cover_id"], "cover"))
    if not wanted:
        return
    images = images_with_renditions(CARD_IMAGE_SPECS, COVER_SPECS).in_bulk(
        {pk for _c, pk, _k in wanted}
    )
    eager = True
    for card, pk, kind in wanted:
        image = images.get(pk)
        if image is None:
            continue
        specs = expand(CARD_IMAGE_SPECS if kind == "page" else COVER_SPECS)
        attrs = {
            "alt": image.default_alt_text if kind == "page" else "",
            "sizes": "(max-width: 40rem) 100vw, 40rem" if kind == "page" else "4.5rem",
            "class": "feed-card-image" if kind == "page" else "feed-card-cover",
        }
        if eager:
            attrs["fetchpriority"] = "high"
            eager = False
        else:
            attrs.update(loading="lazy", decoding="async")
        try:
            renditions = image.get_renditions(*specs)
        except Exception:  # a missing file: the card without its picture, not an error page
            continue
        card.picture = mark_safe(Picture(renditions, attrs).__html__())  # noqa: S308 (Wagtail escapes)
        card.picture_kind = kind
