"""The search layer's part of the open API: ``GET /api/v1/search``, the catalogue and site
search with facets. The parameters are those of the search page and of its internal JSON
(``/api/recherche/``, docs/api.md): the same form validates them (``search.forms``) and
the same backend call answers (``get_backend().search``), anonymously — the API's search is
not personalised. Mounted by ``cms/urls.py``."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import ConfigDict, Field

from cms import links
from cms.api.problems import ApiProblem
from cms.models import NetworkSettings
from cms.observability.metrics import SEARCH_LATENCY

from .backends import get_backend
from .backends.base import MAX_PAGE
from .forms import MAX_QUERY_LENGTH, bind
from .presenters import present_facets, present_hit

router = Router(tags=["public"])


class SearchHit(Schema):
    """A result; catalogue records carry more fields (authors, availability, reserve_url…)."""

    model_config = ConfigDict(extra="allow")

    kind: str
    kind_label: str
    id: int
    title: str
    url: str
    reasons: list[str]
    score: float


class FacetValueOut(Schema):
    value: str
    label: str
    count: int
    selected: bool
    toggle_url: str


class FacetOut(Schema):
    name: str
    label: str
    param: str
    values: list[FacetValueOut]


class SearchOut(Schema):
    query: str
    corrected_query: str | None
    total: int
    page: int
    num_pages: int
    page_size: int
    sort: str
    relaxed: bool = Field(description="Aucun résultat n’avait tous les mots")
    approximate: bool
    results: list[SearchHit]
    facets: list[FacetOut]
    ignored: dict[str, list[str]] = Field(
        description="Valeurs de facettes inconnues, ignorées (la recherche a eu lieu sans)"
    )
    next: str | None


Many = Query(None, description="Répétable (OU dans une facette, ET entre facettes)")


@router.get("/search", response=SearchOut, summary="Recherche dans les collections")
def search(
    request: HttpRequest,
    q: str | None = Query(None, max_length=MAX_QUERY_LENGTH, description="Les mots cherchés"),
    type: list[str] | None = Many,
    document: list[str] | None = Many,
    interet: list[str] | None = Many,
    mediatheque: list[str] | None = Many,
    disponible: str | None = Query(None, pattern="^1?$", description="1 : disponibles"),
    public: list[str] | None = Many,
    langue: list[str] | None = Many,
    annee: list[str] | None = Many,
    tri: str | None = Query(None, pattern="^(pertinence|date)?$"),
    page: int | None = Query(None, ge=1, le=MAX_PAGE),
):
    """Notices du catalogue, actualités, animations, coups de cœur, communautés et
    publications, avec facettes : mêmes paramètres que la page `/recherche/`."""
    form, errors = bind(request.GET)
    if not form.is_valid():
        raise ApiProblem(
            422,
            "parametres-invalides",
            _("Some parameters are missing or invalid: see errors."),
            errors=[
                {"loc": ["query", k], "msg": " ".join(v), "type": "value_error"}
                for k, v in errors.items()
            ],
        )
    with SEARCH_LATENCY.labels("api").time():
        outcome = get_backend().search(
            form.query, form.filters(), form.sort, form.page_number, AnonymousUser()
        )
    opac = NetworkSettings.load(request_or_site=request)
    next_link = None
    if outcome.page < outcome.num_pages:
        params = request.GET.copy()
        params["page"] = str(outcome.page + 1)
        next_link = f"{links.site_url()}{request.path}?{params.urlencode()}"
    results: list[dict[str, Any]] = []
    for hit in outcome.hits:
        data = present_hit(hit, request, opac)
        data["url"] = links.absolute_url(data.get("url") or "")
        results.append(data)
    return {
        "query": form.query,
        "corrected_query": outcome.query.corrected_text if outcome.query.corrections else None,
        "total": outcome.total,
        "page": outcome.page,
        "num_pages": outcome.num_pages,
        "page_size": outcome.page_size,
        "sort": form.cleaned_data.get("tri") or "pertinence",
        "relaxed": outcome.relaxed,
        "approximate": outcome.approximate,
        "results": results,
        "facets": present_facets(outcome, request.GET, form.slugs()),
        "ignored": errors,
        "next": next_link,
    }
