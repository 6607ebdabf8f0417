"""Hits and facets as plain dicts: what the results page renders and the JSON API returns."""

from __future__ import annotations

from typing import Any

from django.http import QueryDict
from django.urls import reverse

from cms.models import NetworkSettings
from cms.prefetching import COVER_SPEC
from cms.templatetags.library_tags import availability
from cms.text import html_to_text, truncate
from community.markup import plain_excerpt

from .backends.base import Facet, Hit, Results
from .documents import author_display


def present_page_hits(
    hits: list[Hit], request, opac: NetworkSettings | None, member=None
) -> list[dict]:
    """The hits for the results page: present_hit, plus the cover image itself (rendered
    with the site's renditions, templates/includes/item_cover.html); the first cover of the
    page is not lazy-loaded."""
    presented, eager = [], True
    for hit in hits:
        data = present_hit(hit, request, opac, member)
        if hit.kind == "catalogue" and data.get("cover"):
            data.update(cover_image=hit.obj.cover, cover_eager=eager)
            eager = False
        presented.append(data)
    return presented


def present_hit(hit: Hit, request, opac: NetworkSettings | None, member=None) -> dict[str, Any]:
    """`member`: availability at their médiathèque first (the site's pages); None for the open
    API, which is never personalised."""
    obj = hit.obj
    data: dict[str, Any] = {
        "kind": hit.kind,
        "kind_label": hit.kind_label,
        "id": obj.pk,
        "title": getattr(obj, "title", "") or str(obj),
        "reasons": hit.reasons,
        "score": round(hit.score, 4),
    }
    if hit.kind == "catalogue":
        rows = availability(obj, member)
        cover = None
        if obj.cover_id and obj.cover is not None:
            try:
                cover = obj.cover.get_rendition(COVER_SPEC).url
            except Exception:  # a missing file: no cover rather than an error page
                cover = None
        data.update(
            url=reverse("search:item", args=[obj.record_id]),
            record_id=obj.record_id,
            authors=[author_display(a) for a in obj.author_list],
            year=obj.year,
            doc_type=obj.doc_type,
            doc_type_label=str(obj.get_doc_type_display()).capitalize(),
            publisher=obj.publisher,
            language=obj.language,
            audience=obj.audience,
            isbn=obj.isbn,
            cover=cover,
            summary=truncate(obj.summary, 280),
            available=any(row["available"] for row in rows),
            availability=[
                {
                    "branch": row["branch"].name,
                    "branch_id": row["branch"].pk,
                    "status": str(row["status"]),
                    "available": row["available"],
                    "text": str(row["text"]),
                    "due_date": row["due_date"].isoformat() if row["due_date"] else None,
                    "is_home": row["is_home"],
                }
                for row in rows
            ],
            reserve_url=opac.opac_url(obj.record_id) if opac else "",
        )
        return data
    if hit.kind == "post":
        data.update(
            url=obj.get_absolute_url(),
            title=plain_excerpt(obj.body, 90),
            summary=plain_excerpt(obj.body, 280),
            community=obj.community.title,
            date=getattr(obj, "published_at", None) or obj.created_at,
        )
        return data
    # pages
    summary = getattr(obj, "summary", "") or getattr(obj, "intro", "") or ""
    if not summary and hasattr(obj, "description"):
        summary = html_to_text(obj.description)
    data.update(
        url=obj.get_url(request) or obj.url_path,
        summary=truncate(summary, 280),
        date=obj.first_published_at,
    )
    if hit.kind == "event":
        data.update(
            start=obj.start,
            end=obj.end,
            branch=obj.branch.name,
            branch_id=obj.branch_id,
            date=obj.start,
        )
    return data


def present_facets(
    results: Results, params: QueryDict, slugs: dict[str, dict[int, str]]
) -> list[dict]:
    """Facets with, for each value, the link that toggles it (other parameters kept)."""
    out = []
    for facet in results.facets:
        out.append(
            {
                "name": facet.name,
                "label": facet.label,
                "param": facet.param,
                "values": [_value(facet, v, params, slugs) for v in facet.values],
            }
        )
    return out


def _value(facet: Facet, value, params: QueryDict, slugs) -> dict:
    key = _param_value(facet.name, value.value, slugs)
    data = params.copy()
    data.pop("page", None)
    current = data.getlist(facet.param)
    if facet.name == "available":
        new = [] if value.selected else ["1"]
    elif value.selected:
        new = [v for v in current if v != key]
    else:
        new = [*current, key]
    data.setlist(facet.param, new)
    if not new:
        data.pop(facet.param, None)
    return {
        "value": key,
        "label": value.label,
        "count": value.count,
        "selected": value.selected,
        "toggle_url": "?" + data.urlencode(),
    }


def _param_value(facet: str, value: str, slugs) -> str:
    if facet in ("interest", "branch") and value.isdigit():
        return slugs[facet].get(int(value), value)
    return value
