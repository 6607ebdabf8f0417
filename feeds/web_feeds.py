"""RSS 2.0 and Atom feeds of a community and of a branch (django.contrib.syndication).

- A community's feed: the live, public announcements, upcoming events and curated
  recommendations tagged with one of its interests, a child or the parent of one
  (taxonomy-aware, like its calendar), plus its published posts — only what an anonymous
  visitor sees (held, hidden, removed and deleted posts never appear).
- A branch's feed: the announcements targeting the branch, its upcoming events and the
  recommendations it curated.

Past events never appear (an event is listed until it ends). Newest first by publication
date, at most ``MAX_ITEMS`` entries, in a fixed number of queries whatever their number.
Links are absolute; descriptions are HTML (sanitised rich text, escaped text) that the feed
generator escapes once more as XML text; categories are the interests' names; an entry with
an image carries it as an enclosure.

URLs (``feeds.urls``): ``/communautes/<id>/rss.xml`` and ``atom.xml``,
``/mediatheques/<slug>/rss.xml`` and ``atom.xml``, beside the ``agenda.ics`` calendars.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.syndication.views import Feed
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed, Enclosure, Rss201rev2Feed
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from wagtail.rich_text import expand_db_html

from cms.dates import format_datetime
from cms.french import elide
from cms.models import (
    AnnouncementPage,
    Branch,
    CatalogueItem,
    EventPage,
    Interest,
    RecommendationPage,
)
from community.markup import render_markup
from community.models import CommunityPage, ContentStatus, Post

MAX_ITEMS = 50


@dataclass
class Entry:
    """One entry of a web feed, whatever it comes from."""

    title: str
    link: str
    description: str
    pubdate: datetime
    updated: datetime | None
    categories: list[str] = field(default_factory=list)
    author: str = ""
    enclosure: Enclosure | None = None


@dataclass
class Source:
    """What a feed is about, with the request (a Feed instance is shared between requests)."""

    subject: CommunityPage | Branch
    request: HttpRequest
    entries: list[Entry] = field(default_factory=list)


# --- What goes in -------------------------------------------------------------------------


def _published(queryset):
    return queryset.live().public()


def community_content(community: CommunityPage, now: datetime | None = None) -> dict:
    """The querysets of a community's feed: {announcements, events, recommendations, posts}."""
    now = now or timezone.now()
    interest_ids = list(community.interests.values_list("pk", flat=True))
    family = Interest.objects.with_family(interest_ids).values("pk")
    return {
        "announcements": _published(AnnouncementPage.objects)
        .filter(interests__in=family)
        .distinct(),
        "events": _published(EventPage.objects)
        .filter(interests__in=family, end__gte=now)
        .distinct(),
        "recommendations": _published(RecommendationPage.objects)
        .filter(interests__in=family)
        .distinct(),
        "posts": Post.objects.filter(community=community, status=ContentStatus.PUBLISHED),
    }


def branch_content(branch: Branch, now: datetime | None = None) -> dict:
    """The querysets of a branch's feed: {announcements, events, recommendations}."""
    now = now or timezone.now()
    return {
        "announcements": _published(AnnouncementPage.objects).filter(branches=branch).distinct(),
        "events": _published(EventPage.objects).filter(branch=branch, end__gte=now),
        "recommendations": _published(RecommendationPage.objects).filter(branch=branch),
        "posts": Post.objects.none(),
    }


# --- Entries ------------------------------------------------------------------------------


def _absolute(request: HttpRequest, url: str | None) -> str:
    return request.build_absolute_uri(url or "/")


def _enclosure(request: HttpRequest, image) -> Enclosure | None:
    """The original image file. Its size is recorded on upload; for an image created another
    way, Wagtail's get_file_size reads it once and stores it. A missing file: no enclosure."""
    if image is None:
        return None
    try:
        size = image.file_size or image.get_file_size()
    except (OSError, ValueError):
        return None
    if not size:
        return None
    mime = mimetypes.guess_type(image.file.name)[0] or "application/octet-stream"
    return Enclosure(_absolute(request, image.file.url), str(size), mime)


def _names(interests) -> list[str]:
    return sorted({interest.name for interest in interests})


def _announcement(page: AnnouncementPage, request: HttpRequest) -> Entry:
    return Entry(
        title=page.title,
        link=_absolute(request, page.get_url(request)),
        description=format_html("<p>{}</p>", page.intro),
        pubdate=page.first_published_at,
        updated=page.last_published_at,
        categories=_names(page.interests.all()),
        enclosure=_enclosure(request, page.image),
    )


def _event(page: EventPage, request: HttpRequest) -> Entry:
    branch = page.branch
    start = timezone.localtime(page.start)
    when = format_datetime(start)
    where = f"{branch.name}, {page.room}" if page.room else branch.name
    description = format_html(
        "<p><strong>{}</strong> · {}</p>{}",
        when,
        where,
        mark_safe(expand_db_html(page.description or "")),  # noqa: S308 (editor's rich text)
    )
    if page.registration_required:
        description += format_html("<p>{}</p>", _("Registration required: see the event page."))
    return Entry(
        title=_("%(event)s — %(date)s, %(branch)s")
        % {"event": page.title, "date": when, "branch": branch.name},
        link=_absolute(request, page.get_url(request)),
        description=description,
        pubdate=page.first_published_at,
        updated=page.last_published_at,
        categories=_names(page.interests.all()),
        enclosure=_enclosure(request, page.image),
    )


def _recommendation(
    page: RecommendationPage, request: HttpRequest, titles: dict[int, str]
) -> Entry:
    listed = [titles[pk] for pk in _item_ids(page) if pk in titles]
    description = format_html("<p>{}</p>", page.intro)
    if listed:
        description += format_html(
            "<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((title,) for title in listed))
        )
    return Entry(
        title=page.title,
        link=_absolute(request, page.get_url(request)),
        description=description,
        pubdate=page.first_published_at,
        updated=page.last_published_at,
        categories=_names(page.interests.all()),
    )


def _post(post: Post, request: HttpRequest, categories: list[str]) -> Entry:
    author = post.author.public_name
    return Entry(
        title=_("%(author)s: %(excerpt)s") % {"author": author, "excerpt": post.topic_title},
        link=_absolute(request, post.get_absolute_url()),
        description=str(render_markup(post.body)),  # sanitised (nh3)
        pubdate=post.published_at or post.created_at,
        updated=post.edited_at,
        categories=categories,
        author=author,
    )


def _item_ids(page: RecommendationPage) -> list[int]:
    """Catalogue item ids of a recommendation list, from the raw stream (no query)."""
    ids = []
    for block in page.items.raw_data:
        value = block.get("value") or {}
        if isinstance(value.get("item"), int):
            ids.append(value["item"])
    return ids


def build_entries(content: dict, request: HttpRequest, post_categories=()) -> list[Entry]:
    """The newest MAX_ITEMS entries of the given querysets, newest first."""
    announcements = list(
        content["announcements"]
        .select_related("image")
        .prefetch_related("interests")
        .order_by("-first_published_at", "-pk")[:MAX_ITEMS]
    )
    events = list(
        content["events"]
        .select_related("branch", "image")
        .prefetch_related("interests")
        .order_by("-first_published_at", "-pk")[:MAX_ITEMS]
    )
    recommendations = list(
        content["recommendations"]
        .prefetch_related("interests")
        .order_by("-first_published_at", "-pk")[:MAX_ITEMS]
    )
    posts = list(
        content["posts"].select_related("author").order_by("-created_at", "-pk")[:MAX_ITEMS]
    )
    wanted = {pk for page in recommendations for pk in _item_ids(page)}
    titles = (
        dict(CatalogueItem.objects.filter(pk__in=wanted).values_list("pk", "title"))
        if wanted
        else {}
    )
    entries = (
        [_announcement(page, request) for page in announcements]
        + [_event(page, request) for page in events]
        + [_recommendation(page, request, titles) for page in recommendations]
        + [_post(post, request, list(post_categories)) for post in posts]
    )
    entries.sort(key=lambda entry: entry.pubdate, reverse=True)
    return entries[:MAX_ITEMS]


# --- The feeds ----------------------------------------------------------------------------


class _WebFeed(Feed):
    feed_type = Rss201rev2Feed

    def items(self, source: Source) -> list[Entry]:
        return source.entries

    def item_title(self, entry: Entry) -> str:
        return entry.title

    def item_link(self, entry: Entry) -> str:
        return entry.link

    def item_description(self, entry: Entry) -> str:
        return entry.description

    def item_pubdate(self, entry: Entry) -> datetime:
        return entry.pubdate

    def item_updateddate(self, entry: Entry) -> datetime:
        return entry.updated or entry.pubdate

    def item_categories(self, entry: Entry) -> list[str]:
        return entry.categories

    def item_author_name(self, entry: Entry) -> str | None:
        return entry.author or None

    def item_enclosures(self, entry: Entry) -> list[Enclosure]:
        return [entry.enclosure] if entry.enclosure else []

    def feed_url(self, source: Source) -> str:
        return source.request.build_absolute_uri()


class CommunityFeed(_WebFeed):
    """RSS 2.0 feed of a community: its interests' library content and its members' posts."""

    def get_object(self, request: HttpRequest, page_id: int) -> Source:
        community = get_object_or_404(_published(CommunityPage.objects), pk=page_id)
        interests = list(community.interests.all())
        entries = build_entries(
            community_content(community), request, post_categories=_names(interests)
        )
        return Source(subject=community, request=request, entries=entries)

    def title(self, source: Source) -> str:
        return _("%(community)s · Affinités") % {"community": source.subject.title}

    def link(self, source: Source) -> str:
        return source.subject.get_url(source.request) or "/"

    def description(self, source: Source) -> str:
        return source.subject.summary or _(
            "News, events, recommendations and posts of the community %(community)s."
        ) % {"community": source.subject.title}

    def categories(self, source: Source) -> list[str]:
        return _names(source.subject.interests.all())


class CommunityAtomFeed(CommunityFeed):
    """The same entries as an Atom 1.0 feed."""

    feed_type = Atom1Feed

    def subtitle(self, source: Source) -> str:
        return self.description(source)


class BranchFeed(_WebFeed):
    """RSS 2.0 feed of a médiathèque: its announcements, upcoming events and selections."""

    def get_object(self, request: HttpRequest, branch_slug: str) -> Source:
        branch = get_object_or_404(Branch.objects.select_related("page"), slug=branch_slug)
        return Source(
            subject=branch, request=request, entries=build_entries(branch_content(branch), request)
        )

    def title(self, source: Source) -> str:
        return _("%(branch)s · Affinités") % {"branch": source.subject.name}

    def link(self, source: Source) -> str:
        page = getattr(source.subject, "page", None)
        if page is not None and page.live:
            return page.get_url(source.request) or "/"
        return "/"  # a branch without a published page: the site

    def description(self, source: Source) -> str:
        branch = source.subject
        return elide(
            _("News, events and recommendations of %(branch)s, %(commune)s.")
            % {"branch": branch.name, "commune": branch.commune}
        )


class BranchAtomFeed(BranchFeed):
    feed_type = Atom1Feed

    def subtitle(self, source: Source) -> str:
        return self.description(source)
