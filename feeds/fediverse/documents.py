"""The ActivityStreams documents an actor serves: itself, its objects, their activities and its
collections.

An announcement or a curated list is an ``Article`` (title, introduction, link, picture), an
event an ``Event`` (start, end, place). Each actor has its own copy of an object, attributed to
it, at its own address: Mastodon accepts an object only from the actor it is attributed to, and
one announcement may be published by several médiathèques and communities. Text is French,
declared in ``contentMap``; links are absolute (``cms.links``).
"""

from __future__ import annotations

import mimetypes
import re
import unicodedata
from datetime import UTC, datetime

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.html import format_html, strip_tags
from django.utils.safestring import mark_safe
from wagtail.models import Page
from wagtail.rich_text import expand_db_html

from cms.links import absolute_url, page_url
from cms.models import AnnouncementPage, EventPage, Interest, RecommendationPage
from feeds.fediverse.actors import addresses, shared_inbox
from feeds.fediverse.models import FediverseActor

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
LANGUAGE = "fr"
PAGE_SIZE = 20
CONTEXT = [
    "https://www.w3.org/ns/activitystreams",
    "https://w3id.org/security/v1",
    {
        "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
        "Hashtag": "as:Hashtag",
        "toot": "http://joinmastodon.org/ns#",
        "discoverable": "toot:discoverable",
        "indexable": "toot:indexable",
    },
]
CONTENT_TYPES = (AnnouncementPage, EventPage, RecommendationPage)


def iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- What an actor publishes --------------------------------------------------------------


def published_by(actor: FediverseActor) -> dict[type[Page], QuerySet]:
    """The live, public pages the actor publishes, by kind (members' posts never)."""
    if actor.branch_id:
        branch = actor.branch
        return {
            AnnouncementPage: AnnouncementPage.objects.live().public().filter(branches=branch),
            EventPage: EventPage.objects.live().public().filter(branch=branch),
            RecommendationPage: RecommendationPage.objects.live().public().filter(branch=branch),
        }
    family = Interest.objects.with_family(actor.community.interests.all()).values("pk")
    return {
        kind: kind.objects.live().public().filter(interests__in=family).distinct()
        for kind in CONTENT_TYPES
    }


def publishes(actor: FediverseActor, page: Page) -> bool:
    queryset = published_by(actor).get(type(page))
    return queryset is not None and queryset.filter(pk=page.pk).exists()


def outbox_pages(actor: FediverseActor) -> list[Page]:
    """Everything the actor published, newest first (one query per kind)."""
    pages: list[Page] = []
    for kind, queryset in published_by(actor).items():
        related = ["branch"] if kind is not AnnouncementPage else []
        if kind is not RecommendationPage:
            related.append("image")
        pages.extend(queryset.select_related(*related).prefetch_related("interests"))
    pages.sort(key=lambda page: (page.first_published_at, page.pk), reverse=True)
    return pages


# --- Documents ----------------------------------------------------------------------------


def _image(image, *, alt: str = "") -> dict | None:
    if image is None:
        return None
    mime = mimetypes.guess_type(image.file.name)[0] or "image/jpeg"
    document = {"type": "Image", "mediaType": mime, "url": absolute_url(image.file.url)}
    if alt or image.title:
        document["name"] = alt or image.title
    return document


def hashtag(name: str) -> str:
    """``Science-fiction`` → ``#ScienceFiction`` (letters and digits only, as Mastodon's)."""
    words = re.split(r"[^\w]+", unicodedata.normalize("NFC", name))
    return "#" + "".join(word[:1].upper() + word[1:] for word in words if word)


def actor_document(actor: FediverseActor) -> dict:
    urls = addresses(actor)
    if actor.branch_id:
        branch = actor.branch
        page = getattr(branch, "page", None)
        kind, name = "Organization", branch.name
        summary = format_html(
            "<p>{}</p><p>{}, {} {}</p>",
            page.intro if page is not None and page.intro else branch.name,
            branch.address,
            branch.postcode,
            branch.commune,
        )
        icon = _image(page.image) if page is not None else None
    else:
        community = actor.community
        kind, name = "Group", community.title
        summary = format_html("<p>{}</p>", community.summary)
        icon = _image(community.image)
    document = {
        "@context": CONTEXT,
        "id": urls.id,
        "type": kind,
        "preferredUsername": actor.username,
        "name": name,
        "summary": str(summary),
        "url": urls.profile,
        "inbox": urls.inbox,
        "outbox": urls.outbox,
        "followers": urls.followers,
        "endpoints": {"sharedInbox": shared_inbox()},
        "manuallyApprovesFollowers": False,
        "discoverable": True,
        "indexable": True,
        "published": iso(actor.created_at),
        "publicKey": {"id": urls.key_id, "owner": urls.id, "publicKeyPem": actor.public_key_pem},
    }
    if icon:
        document["icon"] = icon
    return document


def object_id(actor: FediverseActor, page: Page) -> str:
    return object_id_for_pk(actor, page.pk)


def object_id_for_pk(actor: FediverseActor, page_pk: int) -> str:
    return absolute_url(reverse("fediverse:object", args=[actor.username, page_pk]))


def _event_place(event: EventPage) -> dict:
    branch = event.branch
    where = f"{branch.name}, {event.room}" if event.room else branch.name
    return {
        "type": "Place",
        "name": f"{where}, {branch.address}, {branch.postcode} {branch.commune}",
        "latitude": branch.latitude,
        "longitude": branch.longitude,
    }


def page_object(actor: FediverseActor, page: Page) -> dict:
    """The object of ``page`` as published by ``actor`` (no ``@context``: see :func:`with_context`)."""
    page = page.specific
    link = page_url(page)
    urls = addresses(actor)
    if isinstance(page, EventPage):
        kind = "Event"
        text = format_html(
            '{}<p><a href="{}">{}</a></p>',
            mark_safe(expand_db_html(page.description or "")),  # noqa: S308 (editor's rich text)
            link,
            link,
        )
        summary = strip_tags(expand_db_html(page.description or ""))[:500]
    else:
        kind = "Article"
        text = format_html('<p>{}</p><p><a href="{}">{}</a></p>', page.intro, link, link)
        summary = page.intro
    document = {
        "id": object_id(actor, page),
        "type": kind,
        "attributedTo": urls.id,
        "name": page.title,
        "summary": summary,
        "content": str(text),
        "contentMap": {LANGUAGE: str(text)},
        "url": link,
        "published": iso(page.first_published_at),
        "to": [PUBLIC],
        "cc": [urls.followers],
        "tag": [
            {"type": "Hashtag", "name": hashtag(interest.name)} for interest in page.interests.all()
        ],
    }
    if page.last_published_at and page.last_published_at != page.first_published_at:
        document["updated"] = iso(page.last_published_at)
    if isinstance(page, EventPage):
        document["startTime"] = iso(page.start)
        document["endTime"] = iso(page.end)
        document["location"] = _event_place(page)
    image = _image(getattr(page, "image", None))
    if image:
        document["image"] = image
        document["attachment"] = [image]
    return document


def create_activity(actor: FediverseActor, page: Page) -> dict:
    obj = page_object(actor, page)
    return {
        "id": obj["id"] + "/activite",
        "type": "Create",
        "actor": obj["attributedTo"],
        "published": obj["published"],
        "to": obj["to"],
        "cc": obj["cc"],
        "object": obj,
    }


def tombstone(actor: FediverseActor, page: Page) -> dict:
    return {
        "@context": CONTEXT,
        "id": object_id(actor, page),
        "type": "Tombstone",
        "formerType": "Event" if isinstance(page.specific, EventPage) else "Article",
    }


def with_context(document: dict) -> dict:
    return {"@context": CONTEXT, **document}


# --- Collections --------------------------------------------------------------------------


def outbox(actor: FediverseActor, page_number: int | None) -> dict:
    """The outbox collection, or one of its pages (``page_number`` from 1)."""
    urls = addresses(actor)
    pages = outbox_pages(actor)
    count = len(pages)
    last = max(1, -(-count // PAGE_SIZE))
    if page_number is None:
        return {
            "@context": CONTEXT,
            "id": urls.outbox,
            "type": "OrderedCollection",
            "totalItems": count,
            "first": f"{urls.outbox}?page=1",
            "last": f"{urls.outbox}?page={last}",
        }
    start = (page_number - 1) * PAGE_SIZE
    document = {
        "@context": CONTEXT,
        "id": f"{urls.outbox}?page={page_number}",
        "type": "OrderedCollectionPage",
        "partOf": urls.outbox,
        "totalItems": count,
        "orderedItems": [create_activity(actor, page) for page in pages[start : start + PAGE_SIZE]],
    }
    if page_number > 1:
        document["prev"] = f"{urls.outbox}?page={page_number - 1}"
    if page_number < last:
        document["next"] = f"{urls.outbox}?page={page_number + 1}"
    return document


def followers(actor: FediverseActor) -> dict:
    """The followers collection: its size only (who follows a library is nobody's business)."""
    urls = addresses(actor)
    return {
        "@context": CONTEXT,
        "id": urls.followers,
        "type": "OrderedCollection",
        "totalItems": actor.followers.count(),
    }
