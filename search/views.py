"""The results page (/recherche/), the JSON API (/api/recherche/), suggestions, item pages."""

from __future__ import annotations

import logging

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from cms.models import CatalogueItem, NetworkSettings
from cms.observability.metrics import SEARCH_LATENCY
from cms.prefetching import prefetch_catalogue_items
from community.lists import shelf_state
from community.reach.unmet import FEW_RESULTS, record_search

from .backends import get_backend
from .backends.base import Results
from .branches import matching_branches
from .documents import KINDS
from .forms import MAX_QUERY_LENGTH, bind
from .item_page import around_item
from .presenters import present_facets, present_hit, present_page_hits

logger = logging.getLogger(__name__)

SUGGESTION_MAX_LENGTH = 100


def _run(request: HttpRequest, form, entry: str) -> Results:
    with SEARCH_LATENCY.labels(entry).time():
        return get_backend().search(
            form.query, form.filters(), form.sort, form.page_number, request.user
        )


def _count_unmet(request: HttpRequest, form, outcome: Results) -> None:
    """Count a first page with no or few results for the demand dashboard (no person kept):
    under the médiathèque and interests searched in, else the member's home branch and
    followed interests."""
    if not form.query or outcome.page != 1:
        return
    branch_ids, interest_ids = list(outcome.filters.branches), list(outcome.filters.interests)
    user = request.user
    if user.is_authenticated and outcome.total <= FEW_RESULTS:
        if not branch_ids and user.home_branch_id:
            branch_ids = [user.home_branch_id]
        if not interest_ids:
            interest_ids = list(user.interests.values_list("pk", flat=True))
    record_search(form.query, outcome.total, branch_ids=branch_ids, interest_ids=interest_ids)


def _kind_tabs(results: Results | None, request: HttpRequest) -> list[dict]:
    if results is None:
        return []
    counts = {}
    for facet in results.facets:
        if facet.name == "kind":
            counts = {v.value: v.count for v in facet.values}
    if not counts:
        return []
    params = request.GET.copy()
    params.pop("page", None)
    params.pop("type", None)
    selected = list(results.filters.kinds)
    tabs = [
        {
            "label": _("All"),
            "count": sum(counts.values()),
            "url": "?" + params.urlencode(),
            "current": not selected,
        }
    ]
    for name, kind in sorted(KINDS.items(), key=lambda pair: pair[1].position):
        if name not in counts and name not in selected:
            continue
        params.setlist("type", [name])
        tabs.append(
            {
                "label": str(kind.label_plural),
                "count": counts.get(name, 0),
                "url": "?" + params.urlencode(),
                "current": selected == [name],
            }
        )
    return tabs


@require_GET
def results(request: HttpRequest) -> HttpResponse:
    form, errors = bind(request.GET)
    context: dict = {"form": form, "errors": errors, "max_length": MAX_QUERY_LENGTH}
    if not form.is_valid():
        context["query"] = (request.GET.get("q") or "")[:MAX_QUERY_LENGTH]
        return render(request, "search/results.html", context, status=400)
    if not form.query and form.filters().is_empty:  # a first visit: the form alone
        context.update(query="", results=None)
        return render(request, "search/results.html", context)
    outcome = _run(request, form, "page")
    _count_unmet(request, form, outcome)
    opac = NetworkSettings.load(request_or_site=request)
    hits = present_page_hits(outcome.hits, request, opac, request.user)
    shelf = shelf_state(request.user, [h["id"] for h in hits if h["kind"] == "catalogue"])
    for hit in hits:
        if hit["kind"] == "catalogue":
            hit["shelf"] = shelf.for_item(hit["id"])
    context.update(
        query=form.query,
        search_query=form.query,
        results=outcome,
        hits=hits,
        facets=[
            f for f in present_facets(outcome, request.GET, form.slugs()) if f["name"] != "kind"
        ],
        tabs=_kind_tabs(outcome, request),
        sort=form.cleaned_data.get("tri") or "pertinence",
        pages=_pages(outcome, request),
        first_number=(outcome.page - 1) * outcome.page_size + 1,
        branch_hits=matching_branches(form.query) if outcome.page == 1 else [],
    )
    return render(request, "search/results.html", context)


def _pages(results: Results, request: HttpRequest) -> list[dict]:
    if results.num_pages <= 1:
        return []
    params = request.GET.copy()
    around = {1, results.num_pages} | set(range(results.page - 2, results.page + 3))
    pages, previous = [], 0
    for number in sorted(n for n in around if 1 <= n <= results.num_pages):
        if number - previous > 1:
            pages.append({"ellipsis": True})
        params["page"] = str(number)
        pages.append(
            {"number": number, "url": "?" + params.urlencode(), "current": number == results.page}
        )
        previous = number
    return pages


@require_GET
def api(request: HttpRequest) -> JsonResponse:
    form, errors = bind(request.GET)
    if errors:
        return JsonResponse({"errors": errors}, status=400)
    outcome = _run(request, form, "api")
    _count_unmet(request, form, outcome)
    opac = NetworkSettings.load(request_or_site=request)
    return JsonResponse(
        {
            "query": form.query,
            "corrected_query": outcome.query.corrected_text if outcome.query.corrections else None,
            "total": outcome.total,
            "page": outcome.page,
            "num_pages": outcome.num_pages,
            "page_size": outcome.page_size,
            "sort": form.cleaned_data.get("tri") or "pertinence",
            "relaxed": outcome.relaxed,
            "approximate": outcome.approximate,
            "personalised": outcome.personalised,
            "results": [present_hit(hit, request, opac, request.user) for hit in outcome.hits],
            "facets": present_facets(outcome, request.GET, form.slugs()),
        },
        json_dumps_params={"ensure_ascii": False},
    )


@require_GET
def suggestions(request: HttpRequest) -> JsonResponse:
    prefix = (request.GET.get("q") or "").strip()
    if len(prefix) > SUGGESTION_MAX_LENGTH:
        return JsonResponse(
            {"errors": {"q": [_("At most %(max)s characters.") % {"max": SUGGESTION_MAX_LENGTH}]}},
            status=400,
        )
    hits = get_backend().suggest(prefix) if prefix else []
    kinds = {
        "title": _("Title"),
        "author": _("Author"),
        "interest": _("Interest"),
        "community": _("Community"),
    }
    return JsonResponse(
        {
            "query": prefix,
            "suggestions": [
                {
                    "kind": s.kind,
                    "kind_label": kinds.get(s.kind, s.kind),
                    "label": s.label,
                    "detail": s.detail,
                    "url": s.url,
                }
                for s in hits
            ],
        },
        json_dumps_params={"ensure_ascii": False},
    )


@require_GET
def item(request: HttpRequest, record_id: str) -> HttpResponse:
    item = CatalogueItem.objects.filter(record_id=record_id).select_related("cover").first()
    if item is None:
        raise Http404(_("No such document."))
    prefetch_catalogue_items([item])
    interests = list(item.interests.select_related("parent"))
    return render(
        request,
        "search/item.html",
        {
            "item": item,
            "interests": interests,
            "subjects": item.subjects or [],
            "shelf": shelf_state(request.user, [item.pk]).for_item(item.pk),
            "next_url": request.get_full_path(),
            **around_item(interests),
        },
    )
