"""What gets indexed: one `Document` per searchable object, built the same way for every backend.

A *kind* (catalogue item, event, announcement, recommendation, community, post) is
registered with `register_kind`: the models whose changes concern it, the queryset of
indexable objects and a bulk document builder. Backends never look at models: they store
and search Documents, and the views hydrate hits back into objects through the kind.

Community posts are indexed when ``community.models`` has a ``Post`` model (published posts
of live, public communities); another kind plugs in the same way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _

from cms.kinds import FeedKind
from cms.models import (
    AnnouncementPage,
    Branch,
    CatalogueItem,
    EventPage,
    Holding,
    HoldingStatus,
    Interest,
    RecommendationPage,
)
from community.models import CommunityPage

from .analysis import fold, title_key

__all__ = [
    "KINDS",
    "Document",
    "Kind",
    "Suggestion",
    "author_display",
    "get_kind",
    "kind_for_model",
    "register_kind",
]


@dataclass
class Suggestion:
    kind: str  # SearchSuggestion.Kind
    ref: str
    label: str
    url: str
    detail: str = ""
    weight: float = 1.0

    @property
    def key(self) -> str:
        return " ".join(fold(self.label).split())[:255]


@dataclass
class Document:
    """A searchable object, flattened. Texts are raw (each backend analyses them)."""

    kind: str
    object_id: int
    title: str
    people: str = ""
    keywords: str = ""
    body: str = ""
    doc_type: str = ""
    audience: str = ""
    language: str = ""
    year: int | None = None
    date: dt.datetime | None = None
    expires_at: dt.datetime | None = None
    boost: float = 1.0
    branches: dict[int, bool] = field(default_factory=dict)  # branch id → available there
    interests: list[int] = field(default_factory=list)
    isbns: list[str] = field(default_factory=list)
    locations: list[tuple[float, float]] = field(default_factory=list)  # (lat, lon)
    suggestions: list[Suggestion] = field(default_factory=list)

    @property
    def available(self) -> bool:
        return any(self.branches.values())

    @property
    def title_key(self) -> str:
        return title_key(self.title)


@dataclass
class Kind:
    """A kind of searchable object. `queryset()` gives the indexable objects; `documents()`
    builds their Documents in bulk (a fixed number of queries per batch)."""

    name: str
    label: Any
    label_plural: Any
    models: tuple[type[models.Model], ...]
    queryset: Callable[[], models.QuerySet]
    documents: Callable[[list], list[Document]]
    position: int = 0

    def documents_for_ids(self, ids: Iterable[int]) -> tuple[list[Document], list[int]]:
        """(documents of the indexable objects among ids, ids that are not indexable)."""
        ids = sorted({int(i) for i in ids})
        objects = list(self.queryset().filter(pk__in=ids))
        found = {obj.pk for obj in objects}
        return self.documents(objects), [i for i in ids if i not in found]

    def iter_batches(self, batch_size: int = 1000) -> Iterator[list]:
        """Every indexable object, in primary-key batches (constant memory)."""
        last = 0
        while True:
            batch = list(self.queryset().filter(pk__gt=last).order_by("pk")[:batch_size])
            if not batch:
                return
            last = batch[-1].pk
            yield batch

    def count(self) -> int:
        return self.queryset().count()


KINDS: dict[str, Kind] = {}


def register_kind(kind: Kind) -> Kind:
    KINDS[kind.name] = kind
    return kind


def get_kind(name: str) -> Kind:
    return KINDS[name]


def kind_for_model(model: type[models.Model]) -> Kind | None:
    for kind in KINDS.values():
        if any(issubclass(model, m) for m in kind.models):
            return kind
    return None


# --- helpers ----------------------------------------------------------------------------


def author_display(author: str) -> str:
    """ "Hugo, Victor" → "Victor Hugo" (a name without a comma is left alone)."""
    surname, sep, forename = author.partition(",")
    if not sep or not forename.strip():
        return author.strip()
    return f"{forename.strip()} {surname.strip()}"


class _InterestLabels:
    """Interest id → (name, parent id), loaded once per batch."""

    def __init__(self) -> None:
        self.rows = {
            pk: (name, parent)
            for pk, name, parent in Interest.objects.values_list("pk", "name", "parent_id")
        }

    def with_parents(self, ids: Iterable[int]) -> list[int]:
        out: list[int] = []
        for pk in ids:
            for candidate in (pk, self.rows.get(pk, ("", None))[1]):
                if candidate and candidate not in out:
                    out.append(candidate)
        return out

    def names(self, ids: Iterable[int]) -> str:
        return " ; ".join(self.rows[pk][0] for pk in ids if pk in self.rows)


def _m2m_ids(model, field_name: str, objects: list) -> dict[int, list[int]]:
    """{object id: [related ids]} for a (Parental)ManyToManyField, in one query."""
    through = model._meta.get_field(field_name).remote_field.through
    source = model._meta.model_name
    target = model._meta.get_field(field_name).related_model._meta.model_name
    if source == target:
        source, target = f"from_{source}", f"to_{target}"
    out: dict[int, list[int]] = {obj.pk: [] for obj in objects}
    rows = through.objects.filter(**{f"{source}_id__in": list(out)}).values_list(
        f"{source}_id", f"{target}_id"
    )
    for obj_id, related_id in rows:
        out[obj_id].append(related_id)
    return out


def _branch_rows() -> dict[int, tuple[str, str, float, float]]:
    return {
        pk: (name, commune, lat, lon)
        for pk, name, commune, lat, lon in Branch.objects.values_list(
            "pk", "name", "commune", "latitude", "longitude"
        )
    }


def _stream_text(page, field_name: str) -> str:
    field_obj = page._meta.get_field(field_name)
    try:
        parts = field_obj.get_searchable_content(getattr(page, field_name))
    except Exception:  # a block whose content cannot be read: index the rest
        parts = []
    return " ".join(strip_tags(str(p)) for p in parts if p)


def _aware_year(year: int | None) -> dt.datetime | None:
    if not year:
        return None
    return dt.datetime(year, 1, 1, tzinfo=dt.UTC)


# --- catalogue --------------------------------------------------------------------------


def _catalogue_queryset():
    return CatalogueItem.objects.active()


def _catalogue_documents(items: list[CatalogueItem]) -> list[Document]:
    if not items:
        return []
    interests = _InterestLabels()
    item_interests = _m2m_ids(CatalogueItem, "interests", items)
    holdings: dict[int, dict[int, bool]] = {item.pk: {} for item in items}
    for item_id, branch_id, status in Holding.objects.filter(
        item_id__in=list(holdings)
    ).values_list("item_id", "branch_id", "status"):
        holdings[item_id][branch_id] = holdings[item_id].get(branch_id, False) or (
            status == HoldingStatus.AVAILABLE
        )
    branches = _branch_rows()
    docs = []
    for item in items:
        authors = item.author_list
        display = [author_display(a) for a in authors]
        interest_ids = interests.with_parents(item_interests[item.pk])
        isbns = []
        if item.isbn:
            from cms.catalogue.isbn import isbn13_to_isbn10

            isbns = [item.isbn.lower()]
            isbn10 = isbn13_to_isbn10(item.isbn)
            if isbn10:
                isbns.append(isbn10.lower())
        keywords = " ; ".join(
            part
            for part in (
                " ; ".join(item.subjects or []),
                interests.names(interest_ids),
                item.publisher,
                " ".join(isbns),
                item.record_id,
            )
            if part
        )
        item_branches = holdings[item.pk]
        url = item_url(item.record_id)
        detail = " · ".join(str(x) for x in (display[0] if display else "", item.year or "") if x)
        suggestions = [
            Suggestion(
                "title", str(item.pk), item.title, url, detail, 1.0 + len(item_branches) * 0.1
            )
        ]
        for name in display:
            if name:
                suggestions.append(
                    Suggestion(
                        "author",
                        fold(name)[:64],
                        name,
                        results_url() + "?q=" + _quote(name),
                        "",
                        1.5,
                    )
                )
        docs.append(
            Document(
                kind=FeedKind.ITEM,
                object_id=item.pk,
                title=item.title,
                # both orders, so that "Hugo, Victor" and "Victor Hugo" match alike
                people=" ; ".join(authors + display),
                keywords=keywords,
                body=item.summary,
                doc_type=item.doc_type,
                audience=item.audience,
                language=item.language,
                year=item.year,
                date=_aware_year(item.year),
                branches=item_branches,
                interests=interest_ids,
                isbns=isbns,
                locations=[
                    (branches[b][2], branches[b][3]) for b in item_branches if b in branches
                ],
                suggestions=suggestions,
            )
        )
    return docs


@lru_cache(maxsize=1)
def _item_url_template() -> str:
    return reverse("search:item", args=["RECORD"]).replace("RECORD", "{}")


@lru_cache(maxsize=1)
def results_url() -> str:
    return reverse("search:results")


def item_url(record_id: str) -> str:
    """The item page (reverse() once: it is called for every item of a rebuild)."""
    from urllib.parse import quote

    return _item_url_template().format(quote(record_id, safe=""))


def _quote(text: str) -> str:
    from urllib.parse import quote_plus

    return quote_plus(text)


# --- pages ------------------------------------------------------------------------------


def _page_queryset(model):
    def queryset():
        return model.objects.live().public()

    return queryset


def _page_document(page, kind: str, interests: _InterestLabels, interest_ids, **fields) -> Document:
    interest_ids = interests.with_parents(interest_ids)
    keywords = " ; ".join(
        p for p in (interests.names(interest_ids), fields.pop("keywords", "")) if p
    )
    return Document(
        kind=kind,
        object_id=page.pk,
        title=page.title,
        keywords=keywords,
        interests=interest_ids,
        date=fields.pop("date", page.first_published_at),
        **fields,
    )


def _event_documents(events: list[EventPage]) -> list[Document]:
    if not events:
        return []
    interests = _InterestLabels()
    event_interests = _m2m_ids(EventPage, "interests", events)
    branches = _branch_rows()
    docs = []
    for event in events:
        name, commune, lat, lon = branches.get(event.branch_id, ("", "", None, None))
        docs.append(
            _page_document(
                event,
                FeedKind.EVENT,
                interests,
                event_interests[event.pk],
                keywords=" ; ".join(p for p in (name, commune, event.room) if p),
                body=strip_tags(event.description or ""),
                date=event.start,
                expires_at=event.end,
                branches={event.branch_id: False},
                locations=[(lat, lon)] if lat is not None else [],
                boost=1.1,
            )
        )
    return docs


def _announcement_documents(pages: list[AnnouncementPage]) -> list[Document]:
    if not pages:
        return []
    interests = _InterestLabels()
    page_interests = _m2m_ids(AnnouncementPage, "interests", pages)
    page_branches = _m2m_ids(AnnouncementPage, "branches", pages)
    return [
        _page_document(
            page,
            FeedKind.ANNOUNCEMENT,
            interests,
            page_interests[page.pk],
            body=" ".join(p for p in (page.intro, _stream_text(page, "body")) if p),
            branches=dict.fromkeys(page_branches[page.pk], False),
        )
        for page in pages
    ]


def _recommendation_documents(pages: list[RecommendationPage]) -> list[Document]:
    if not pages:
        return []
    interests = _InterestLabels()
    page_interests = _m2m_ids(RecommendationPage, "interests", pages)
    item_ids: dict[int, list[int]] = {}
    notes: dict[int, list[str]] = {}
    for page in pages:
        for raw in page.items.raw_data:
            value = raw.get("value") or {}
            if value.get("item"):
                item_ids.setdefault(page.pk, []).append(int(value["item"]))
            if value.get("note"):
                notes.setdefault(page.pk, []).append(str(value["note"]))
    all_items = {i for ids in item_ids.values() for i in ids}
    titles = (
        dict(CatalogueItem.objects.filter(pk__in=all_items).values_list("pk", "title"))
        if all_items
        else {}
    )
    authors = (
        dict(CatalogueItem.objects.filter(pk__in=all_items).values_list("pk", "authors"))
        if all_items
        else {}
    )
    return [
        _page_document(
            page,
            FeedKind.RECOMMENDATION,
            interests,
            page_interests[page.pk],
            people=" ; ".join(authors.get(i, "") for i in item_ids.get(page.pk, [])),
            body=" ".join(
                [page.intro]
                + [titles.get(i, "") for i in item_ids.get(page.pk, [])]
                + notes.get(page.pk, [])
            ),
            branches={page.branch_id: False} if page.branch_id else {},
        )
        for page in pages
    ]


def _community_documents(pages: list[CommunityPage]) -> list[Document]:
    if not pages:
        return []
    interests = _InterestLabels()
    page_interests = _m2m_ids(CommunityPage, "interests", pages)
    page_branches = _m2m_ids(CommunityPage, "branches", pages)
    docs = []
    for page in pages:
        url = page.get_url() or page.url_path
        docs.append(
            _page_document(
                page,
                FeedKind.COMMUNITY,
                interests,
                page_interests[page.pk],
                body=" ".join(p for p in (page.summary, strip_tags(page.description or "")) if p),
                branches=dict.fromkeys(page_branches[page.pk], False),
                boost=1.2,
                suggestions=[
                    Suggestion("community", str(page.pk), page.title, url, page.summary[:300], 3.0)
                ],
            )
        )
    return docs


register_kind(
    Kind(
        FeedKind.ITEM,
        _("document"),
        _("Documents"),
        (CatalogueItem,),
        _catalogue_queryset,
        _catalogue_documents,
        position=1,
    )
)
register_kind(
    Kind(
        FeedKind.EVENT,
        _("event"),
        _("Events"),
        (EventPage,),
        _page_queryset(EventPage),
        _event_documents,
        2,
    )
)
register_kind(
    Kind(
        FeedKind.ANNOUNCEMENT,
        _("news"),
        _("News"),
        (AnnouncementPage,),
        _page_queryset(AnnouncementPage),
        _announcement_documents,
        3,
    )
)
register_kind(
    Kind(
        FeedKind.RECOMMENDATION,
        _("curated list"),
        _("Our picks"),
        (RecommendationPage,),
        _page_queryset(RecommendationPage),
        _recommendation_documents,
        4,
    )
)
register_kind(
    Kind(
        FeedKind.COMMUNITY,
        _("community"),
        _("Communities"),
        (CommunityPage,),
        _page_queryset(CommunityPage),
        _community_documents,
        5,
    )
)


# --- community posts (when community.models has them) -------------------------------------


def _register_posts() -> None:
    from community import models as community_models

    post_model = getattr(community_models, "Post", None)
    if post_model is None:
        return

    def queryset():
        qs = post_model.objects.all()
        if hasattr(qs, "published"):
            qs = qs.published()
        live = CommunityPage.objects.live().public().values("pk")
        return qs.filter(community__in=live).select_related("community")

    def documents(posts: list) -> list[Document]:
        docs = []
        for post in posts:
            body = " ".join(str(getattr(post, "body", "") or "").split())
            community = post.community
            docs.append(
                Document(
                    kind=FeedKind.POST,
                    object_id=post.pk,
                    title=(getattr(post, "title", "") or body[:120]) or str(post),
                    keywords=community.title,
                    body=body,
                    date=getattr(post, "published_at", None) or getattr(post, "created_at", None),
                    boost=0.8,
                )
            )
        return docs

    register_kind(
        Kind(FeedKind.POST, _("post"), _("Posts"), (post_model,), queryset, documents, position=6)
    )


_register_posts()


def interest_suggestions() -> list[Suggestion]:
    """Every interest, as a suggestion that filters the results by it."""
    rows = list(Interest.objects.select_related("parent"))
    base = reverse("search:results")
    return [
        Suggestion(
            "interest",
            str(interest.pk),
            interest.name,
            f"{base}?interet={interest.slug}",
            interest.parent.name if interest.parent_id else "",
            4.0,
        )
        for interest in rows
    ]


def now() -> dt.datetime:
    return timezone.now()
