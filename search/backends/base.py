"""The one interface every search backend implements, and what they share.

``backend.search(query, filters, sort, page, user) -> Results`` (hits hydrated into objects,
facets with counts, total) and ``backend.suggest(prefix) -> list[SuggestionHit]``.
Indexing: ``index_documents(documents)``, ``remove(kind, ids)``, ``rebuild(...)``.

A backend implements `_search` (matching, filtering, ranking, facet counts) and returns
`RawHit`s for the requested page; this module then re-ranks the first `WINDOW` hits with the
same rules on every backend (exact title match for everyone; for a member, items held by
the home branch and matching the member's interests, each hit saying why), hydrates the hits
and labels the facets.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cms.event_series import one_per_series, series_keys

from ..analysis import ParsedQuery, parse_query, title_key
from ..documents import KINDS, Document

__all__ = [
    "FACETS",
    "WINDOW",
    "YEAR_RANGES",
    "Facet",
    "FacetValue",
    "Filters",
    "Hit",
    "MemberProfile",
    "RawHit",
    "Results",
    "SearchBackend",
    "SuggestionHit",
]

WINDOW = 100  # hits re-ranked (exact title, personal boosts) before paging
MAX_PAGE = 50

# key → (label, first year, last year); open ends are None
YEAR_RANGES: dict[str, tuple[Any, int | None, int | None]] = {
    "-1949": (gettext_lazy("before 1950"), None, 1949),
    "1950-1979": (gettext_lazy("1950–1979"), 1950, 1979),
    "1980-1999": (gettext_lazy("1980–1999"), 1980, 1999),
    "2000-2009": (gettext_lazy("2000–2009"), 2000, 2009),
    "2010-2019": (gettext_lazy("2010–2019"), 2010, 2019),
    "2020-": (gettext_lazy("2020 and after"), 2020, None),
}

# facet name → request parameter (French URLs)
FACETS: dict[str, str] = {
    "kind": "type",
    "doc_type": "document",
    "interest": "interet",
    "branch": "mediatheque",
    "available": "disponible",
    "audience": "public",
    "language": "langue",
    "year": "annee",
}


@dataclass(frozen=True)
class Filters:
    """Facet filters: AND across facets, OR within one. Ids are database ids."""

    kinds: tuple[str, ...] = ()
    doc_types: tuple[str, ...] = ()
    interests: tuple[int, ...] = ()
    branches: tuple[int, ...] = ()
    available: bool = False
    audiences: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    years: tuple[str, ...] = ()  # keys of YEAR_RANGES

    FIELD_BY_FACET = {
        "kind": "kinds",
        "doc_type": "doc_types",
        "interest": "interests",
        "branch": "branches",
        "available": "available",
        "audience": "audiences",
        "language": "languages",
        "year": "years",
    }

    def values(self, facet: str):
        return getattr(self, self.FIELD_BY_FACET[facet])

    def active(self) -> list[str]:
        return [facet for facet in FACETS if self.values(facet)]

    def without(self, facet: str) -> Filters:
        name = self.FIELD_BY_FACET[facet]
        return replace(self, **{name: False if name == "available" else ()})

    @property
    def is_empty(self) -> bool:
        return not self.active()

    def year_bounds(self) -> list[tuple[int | None, int | None]]:
        return [YEAR_RANGES[key][1:] for key in self.years if key in YEAR_RANGES]

    def catalogue_only(self) -> bool:
        """Filters that only catalogue items have."""
        return bool(
            self.doc_types or self.available or self.audiences or self.languages or self.years
        )


@dataclass
class MemberProfile:
    """What personalises a member's results: home branch and interests (with their family)."""

    home_branch_id: int | None = None
    interest_ids: frozenset[int] = frozenset()
    interest_names: dict[int, str] = field(default_factory=dict)
    latitude: float | None = None
    longitude: float | None = None

    @property
    def is_neutral(self) -> bool:
        return self.home_branch_id is None and not self.interest_ids

    @classmethod
    def for_user(cls, user) -> MemberProfile:
        if user is None or not getattr(user, "is_authenticated", False):
            return cls()
        from cms.models import Interest

        followed = list(user.interests.values_list("pk", flat=True))
        family = Interest.objects.with_family(followed) if followed else Interest.objects.none()
        names = dict(family.values_list("pk", "name"))
        return cls(
            home_branch_id=user.home_branch_id,
            interest_ids=frozenset(names),
            interest_names=names,
            latitude=user.latitude,
            longitude=user.longitude,
        )


@dataclass
class RawHit:
    """A hit as a backend returns it. `branches` / `interests` are needed for the hits of the
    re-ranking window only (backends fill them for those)."""

    kind: str
    object_id: int
    score: float
    title_key: str = ""
    branches: dict[int, bool] | None = None
    interests: list[int] | None = None


@dataclass
class Hit:
    kind: str
    object_id: int
    score: float
    reasons: list[str] = field(default_factory=list)
    obj: Any = None

    @property
    def kind_label(self) -> str:
        return str(KINDS[self.kind].label) if self.kind in KINDS else self.kind


@dataclass
class FacetValue:
    value: str
    count: int
    label: str = ""
    selected: bool = False


@dataclass
class Facet:
    name: str
    label: str
    param: str
    values: list[FacetValue]


@dataclass
class SuggestionHit:
    kind: str
    label: str
    url: str
    detail: str = ""


@dataclass
class BackendResult:
    """What `_search` returns: the hits of the window or the page, totals and raw counts."""

    total: int
    hits: list[RawHit]  # from `offset`, ranked by the backend
    offset: int
    counts: dict[str, dict[str, int]]  # facet → value → count
    relaxed: bool = False  # no hit had every word: hits have some of them
    # total and counts estimated from a sample (a very broad query on a large index)
    approximate: bool = False
    # labels the backend already has: facet → value → label (None: no such value), for
    # the médiathèques and interests; label_facets looks up the others
    labels: dict[str, dict[str, str | None]] | None = None


@dataclass
class Results:
    query: ParsedQuery
    filters: Filters
    sort: str
    page: int
    page_size: int
    total: int
    hits: list[Hit]
    facets: list[Facet]
    relaxed: bool = False
    approximate: bool = False  # total and facet counts are estimates ("≈")
    personalised: bool = False
    backend: str = ""

    @property
    def num_pages(self) -> int:
        return max(1, min(MAX_PAGE, math.ceil(self.total / self.page_size)))

    @property
    def has_next(self) -> bool:
        return self.page < self.num_pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def one_hit_per_series(hits: list[Hit]) -> list[Hit]:
    """The feed's series rule: the sessions of a recurring event count as one hit (the best
    ranked), so "science fiction" does not answer the same club four times (one query)."""
    keys = series_keys(h.object_id for h in hits if h.kind == "event")
    if len(set(keys.values())) == len(keys):
        return hits
    return one_per_series(hits, key=lambda h: keys.get(h.object_id) if h.kind == "event" else None)


class SearchBackend:
    """Base class: see the module docstring."""

    name = "base"

    def __init__(self, **options) -> None:
        self.options = options

    # --- searching ----------------------------------------------------------------------

    def search(
        self,
        query: str | ParsedQuery,
        filters: Filters | None = None,
        sort: str = "relevance",
        page: int = 1,
        user=None,
        *,
        page_size: int = 20,
        hydrate: bool = True,
    ) -> Results:
        parsed = query if isinstance(query, ParsedQuery) else parse_query(query)
        filters = filters or Filters()
        sort = sort if sort in ("relevance", "date") else "relevance"
        page = max(1, min(int(page), MAX_PAGE))
        profile = MemberProfile.for_user(user)
        if parsed.is_empty and filters.is_empty:
            return Results(parsed, filters, sort, page, page_size, 0, [], [], backend=self.name)
        offset = (page - 1) * page_size
        rerank = sort == "relevance" and not parsed.is_empty and offset < WINDOW
        result = self._search(
            parsed,
            filters,
            sort,
            offset=0 if rerank else offset,
            limit=max(WINDOW, offset + page_size) if rerank else page_size,
            profile=profile,
            with_details=rerank,
        )
        total = result.total
        if rerank:
            reranked = self._rerank(result.hits, parsed, profile)
            ranked = one_hit_per_series(reranked)
            total -= len(reranked) - len(ranked)
            page_hits = ranked[offset : offset + page_size]
        else:
            page_hits = one_hit_per_series(
                [self._hit(raw, parsed, profile, details=False) for raw in result.hits]
            )
        if hydrate:
            page_hits = _visible_to(self._hydrate(page_hits), user)
        return Results(
            query=parsed,
            filters=filters,
            sort=sort,
            page=page,
            page_size=page_size,
            total=total,
            hits=page_hits,
            facets=self._label_facets(result.counts, filters, result.labels),
            relaxed=result.relaxed,
            approximate=result.approximate,
            personalised=not profile.is_neutral,
            backend=self.name,
        )

    def _search(
        self,
        query: ParsedQuery,
        filters: Filters,
        sort: str,
        *,
        offset: int,
        limit: int,
        profile: MemberProfile,
        with_details: bool,
    ) -> BackendResult:
        raise NotImplementedError

    def suggest(self, prefix: str, limit: int = 8) -> list[SuggestionHit]:
        raise NotImplementedError

    # --- indexing -----------------------------------------------------------------------

    def index_documents(self, documents: list[Document]) -> None:
        raise NotImplementedError

    def remove(self, kind: str, ids: Iterable[int]) -> None:
        raise NotImplementedError

    def rebuild(
        self, batches: Iterable[list[Document]], progress: Callable[[int], None] | None = None
    ) -> int:
        """Replace the whole index with the documents of `batches`; returns how many."""
        raise NotImplementedError

    def replace_interest_suggestions(self, suggestions) -> None:
        raise NotImplementedError

    def after_rebuild(self) -> None:
        """Maintenance once a rebuild is committed (`search_index --rebuild`); none by default."""

    # --- erasure (GDPR art. 17): see search.erasure -------------------------------------------

    #: the index lives in the site's database: erasing in the deletion's own transaction
    #: keeps the two in step (an external index is written once the deletion has committed)
    in_database = False

    def vocabulary_of(self, kind: str, ids: Iterable[int]) -> set[str]:
        """The vocabulary words the entries of these objects contribute (typo correction)."""
        return set()

    def forget_terms(self, words: Iterable[str]) -> int:
        """Drop from the vocabulary those of `words` no remaining entry contains."""
        return 0

    def expunge_deleted(self) -> None:
        """Make removed documents unreachable at once, their terms included (none needed)."""

    def count(self) -> int:
        raise NotImplementedError

    # --- shared ranking rules -----------------------------------------------------------

    def _hit(
        self, raw: RawHit, query: ParsedQuery, profile: MemberProfile, *, details: bool
    ) -> Hit:
        score = raw.score
        reasons: list[str] = []
        if details:
            if raw.title_key and raw.title_key in _title_keys(query):
                score *= 2.0
            if not profile.is_neutral:
                branches = raw.branches or {}
                if profile.home_branch_id in branches:
                    if raw.kind == "catalogue":
                        if branches[profile.home_branch_id]:
                            score *= 1.6
                            reasons.append(_("Available now at your médiathèque"))
                        else:
                            score *= 1.3
                            reasons.append(_("In the collections of your médiathèque"))
                    else:
                        score *= 1.4
                        reasons.append(_("At your médiathèque"))
                shared = [i for i in (raw.interests or []) if i in profile.interest_ids]
                if shared:
                    score *= 1.3
                    names = sorted({profile.interest_names[i] for i in shared})[:3]
                    reasons.append(
                        _("Matches your interests: %(names)s") % {"names": ", ".join(names)}
                    )
        return Hit(raw.kind, raw.object_id, score, reasons)

    def _rerank(self, raws: list[RawHit], query: ParsedQuery, profile: MemberProfile) -> list[Hit]:
        window = [self._hit(raw, query, profile, details=True) for raw in raws[:WINDOW]]
        order = {id(hit): n for n, hit in enumerate(window)}
        window.sort(key=lambda hit: (-hit.score, order[id(hit)]))
        rest = [self._hit(raw, query, profile, details=False) for raw in raws[WINDOW:]]
        return window + rest

    # --- hydration and labels -----------------------------------------------------------

    def _hydrate(self, hits: list[Hit]) -> list[Hit]:
        by_kind: dict[str, list[int]] = {}
        for hit in hits:
            by_kind.setdefault(hit.kind, []).append(hit.object_id)
        objects: dict[tuple[str, int], Any] = {}
        for kind, ids in by_kind.items():
            for obj in _load(kind, ids):
                objects[(kind, obj.pk)] = obj
        out = []
        for hit in hits:
            obj = objects.get((hit.kind, hit.object_id))
            if obj is not None:  # deleted since it was indexed: left out
                hit.obj = obj
                out.append(hit)
        return out

    def _label_facets(
        self,
        counts: dict[str, dict[str, int]],
        filters: Filters,
        labels: dict[str, dict[str, str | None]] | None = None,
    ) -> list[Facet]:
        return label_facets(counts, filters, labels)


def _visible_to(hits: list[Hit], user) -> list[Hit]:
    """Community posts go through the community's own visibility rule (blocked authors,
    moderation) for this viewer; everything else indexed is public."""
    if not any(hit.kind == "post" for hit in hits):
        return hits
    try:
        from community.actions.posts import can_see_post
    except ImportError:  # pragma: no cover - posts without that rule
        return hits
    from django.contrib.auth.models import AnonymousUser

    viewer = user if user is not None else AnonymousUser()
    return [hit for hit in hits if hit.kind != "post" or can_see_post(viewer, hit.obj)]


def _title_keys(query: ParsedQuery) -> set[str]:
    keys = {query.title_key}
    if query.corrections:
        keys.add(title_key(query.corrected_text))
    return keys - {""}


def _load(kind: str, ids: list[int]) -> list:
    from cms.models import EventPage

    if kind == "catalogue":
        return _load_catalogue_items(ids)
    if kind not in KINDS:
        return []
    model = KINDS[kind].models[0]
    qs = model.objects.filter(pk__in=ids)
    if model is EventPage:
        qs = qs.select_related("branch")
    if hasattr(qs, "live"):
        qs = qs.live()
    if kind == "post":
        qs = qs.select_related("community", "author")
    image = next((f for f in model._meta.get_fields() if f.name == "image"), None)
    if image is not None and image.is_relation:
        qs = qs.select_related("image")
    return list(qs)


def _load_catalogue_items(ids: list[int]) -> list:
    """The catalogue items among `ids` not withdrawn (in no particular order), with their
    holdings, branches and covers prefetched."""
    from cms.models import CatalogueItem
    from cms.prefetching import prefetch_catalogue_items

    if not ids:
        return []
    items = list(CatalogueItem.objects.filter(pk__in=set(ids), withdrawn=False))
    prefetch_catalogue_items(items)
    return items


def label_facets(
    counts: dict[str, dict[str, int]],
    filters: Filters,
    known_labels: dict[str, dict[str, str | None]] | None = None,
) -> list[Facet]:
    """Facets in display order with their labels; selected values are always listed.
    `known_labels`: médiathèque and interest labels the backend already read (facet → value
    → label, None for no such row); the others come from search/facet_labels.py (cached)."""
    from cms.models import Audience, DocumentType

    from ..facet_labels import facet_labels

    facets: list[Facet] = []
    names_by_id = {name: dict(values) for name, values in facet_labels().items()}
    for name in ("branch", "interest"):
        for value, label in (known_labels or {}).get(name, {}).items():
            if label is None:  # no such row (any more)
                names_by_id[name].pop(value, None)
            else:
                names_by_id[name][value] = label
    labels: dict[str, Callable[[list[str]], dict[str, str]]] = {
        "kind": lambda values: {k: str(KINDS[k].label_plural) for k in values if k in KINDS},
        "doc_type": lambda values: {
            k: str(DocumentType(k).label).capitalize() for k in values if k in DocumentType.values
        },
        "interest": lambda values: names_by_id["interest"],
        "branch": lambda values: names_by_id["branch"],
        "available": lambda values: {"1": _("Available now")},
        "audience": lambda values: {
            k: str(Audience(k).label).capitalize() for k in values if k in Audience.values
        },
        "language": lambda values: {k: _language_label(k) for k in values},
        "year": lambda values: {k: str(YEAR_RANGES[k][0]) for k in values if k in YEAR_RANGES},
    }
    titles = {
        "kind": _("Show"),
        "doc_type": _("Document type"),
        "interest": _("Interest"),
        "branch": _("Médiathèque"),
        "available": _("Availability"),
        "audience": _("Audience"),
        "language": _("Language"),
        "year": _("Year"),
    }
    for name, param in FACETS.items():
        raw = {
            str(k): v for k, v in (counts.get(name) or {}).items() if v and k not in ("", "None")
        }
        selected = filters.values(name)
        selected_keys = {"1"} if selected is True else {str(v) for v in (selected or ())}
        for key in selected_keys:
            raw.setdefault(key, 0)
        if not raw:
            continue
        names = labels[name](list(raw))
        values = [
            FacetValue(key, count, names.get(key, key), key in selected_keys)
            for key, count in raw.items()
            if key in names
        ]
        if name == "year":
            order = list(YEAR_RANGES)
            values.sort(key=lambda v: order.index(v.value))
        elif name == "kind":
            values.sort(key=lambda v: KINDS[v.value].position)
        else:
            values.sort(key=lambda v: (-v.count, v.label))
        facets.append(Facet(name, titles[name], param, values))
    return facets


LANGUAGES = {
    "fre": gettext_lazy("French"),
    "eng": gettext_lazy("English"),
    "spa": gettext_lazy("Spanish"),
    "ita": gettext_lazy("Italian"),
    "ger": gettext_lazy("German"),
    "deu": gettext_lazy("German"),
    "ara": gettext_lazy("Arabic"),
    "jpn": gettext_lazy("Japanese"),
    "por": gettext_lazy("Portuguese"),
    "oci": gettext_lazy("Occitan"),
    "mul": gettext_lazy("Several languages"),
    "zxx": gettext_lazy("No language"),
}


def _language_label(code: str) -> str:
    return str(LANGUAGES.get(code, code))
