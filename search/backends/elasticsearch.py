"""The `elasticsearch` backend (ELASTICSEARCH_URL set), built with elasticsearch-dsl.

Requests are built by pure functions (`build_search`, `build_suggest`), so their bodies are
tested without a server (tests/search/test_elasticsearch_contract.py); a live suite runs
when ELASTICSEARCH_URL is set.

* Matching: French analyzer (search/backends/es_documents.py); every word must match
  (cross_fields over title, people, keywords, body), or match with typos (fuzziness AUTO);
  exact phrase and exact title boosted; ISBNs as keywords.
* Facets: terms and range aggregations, each inside a filter aggregation that applies every
  other facet's filter, while `post_filter` applies them all to the hits (values of a facet
  can be combined, counts stay right).
* Proximity: for a member with a location, objects with a branch within 15 km
  (geo_distance) score higher.
* Index: rebuilt into fresh indexes, then the aliases are swapped atomically (zero
  downtime); saves and deletes reach it through on-commit background tasks
  (search/indexing.py).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from django.utils import timezone
from elasticsearch_dsl import A, Q, Search

from ..analysis import ParsedQuery, prefix_terms, variants
from ..documents import Document, Suggestion
from .base import (
    FACETS,
    YEAR_RANGES,
    BackendResult,
    Filters,
    MemberProfile,
    RawHit,
    SearchBackend,
    SuggestionHit,
)
from .database import pick_suggestions
from .es_documents import SearchDocument, SuggestionDocument, build_index

logger = logging.getLogger(__name__)

NEAR_KM = 15
FACET_SIZE = 100
FIELDS = ["title^4", "people^2.5", "keywords^1.5", "body"]


# --- request builders (pure) ------------------------------------------------------------


def _facet_filter(facet: str, filters: Filters) -> Q | None:
    """The filter of one facet (None when it has no value)."""
    if facet == "kind" and filters.kinds:
        return Q("terms", kind=list(filters.kinds))
    if facet == "doc_type" and filters.doc_types:
        return Q("terms", doc_type=list(filters.doc_types))
    if facet == "audience" and filters.audiences:
        return Q("terms", audience=list(filters.audiences))
    if facet == "language" and filters.languages:
        return Q("terms", language=list(filters.languages))
    if facet == "interest" and filters.interests:
        return Q("terms", interest_ids=list(filters.interests))
    if facet == "branch" and filters.branches:
        field = "available_branch_ids" if filters.available else "branch_ids"
        return Q("terms", **{field: list(filters.branches)})
    if facet == "available" and filters.available and not filters.branches:
        return Q("term", available=True)
    if facet == "year" and filters.years:
        ranges = []
        for low, high in filters.year_bounds():
            bounds = {}
            if low is not None:
                bounds["gte"] = low
            if high is not None:
                bounds["lte"] = high
            ranges.append(Q("range", year=bounds))
        return Q("bool", should=ranges, minimum_should_match=1)
    return None


def _all_filters(filters: Filters, *, but: str | None = None) -> list[Q]:
    out = []
    for facet in FACETS:
        if facet == but:
            continue
        if but == "available" and facet == "branch" and filters.available:
            # without the availability filter, the branch filter is on holdings
            q = _facet_filter("branch", filters.without("available"))
        elif but == "branch" and facet == "available" and filters.available:
            q = Q("term", available=True)
        else:
            q = _facet_filter(facet, filters)
        if q is not None:
            out.append(q)
    return out


def _text_query(query: ParsedQuery) -> Q:
    if query.isbns:
        return Q("terms", isbn=query.isbns)
    if not query.groups:
        if query.title_key:
            return Q("term", title_key=query.title_key)
        return Q("match_all")
    text = query.corrected_text
    # every word must match (in any field), as itself or its singular / plural, or with typos
    matches = [
        Q(
            "bool",
            should=[
                Q(
                    "multi_match",
                    query=" ".join(variants(word)),
                    fields=FIELDS,
                    type="cross_fields",
                    operator="or",
                ),
                Q(
                    "multi_match",
                    query=word,
                    fields=FIELDS,
                    type="best_fields",
                    fuzziness="AUTO",
                    prefix_length=1,
                    boost=0.5,
                ),
            ],
            minimum_should_match=1,
        )
        for word in query.corrected_words
    ]
    return Q(
        "bool",
        must=matches,
        should=[
            Q("match_phrase", title={"query": text, "boost": 2}),
            Q("term", title_key={"value": query.title_key, "boost": 4}),
        ],
    )


def _not_expired(now) -> Q:
    return Q(
        "bool",
        should=[Q("range", expires_at={"gte": now.isoformat()}), ~Q("exists", field="expires_at")],
        minimum_should_match=1,
    )


def build_search(
    index: str,
    query: ParsedQuery,
    filters: Filters,
    sort: str,
    *,
    offset: int,
    limit: int,
    profile: MemberProfile | None = None,
    now=None,
) -> Search:
    """The complete search request: hits, total and every facet's counts."""
    now = now or timezone.now()
    profile = profile or MemberProfile()
    functions: list[dict[str, Any]] = [
        {"field_value_factor": {"field": "boost", "missing": 1.0}},
    ]
    if profile.latitude is not None and profile.longitude is not None:
        functions.append(
            {
                "filter": Q(
                    "geo_distance",
                    distance=f"{NEAR_KM}km",
                    location={"lat": profile.latitude, "lon": profile.longitude},
                ).to_dict(),
                "weight": 1.3,
            }
        )
    scored = Q(
        "function_score",
        query=Q("bool", must=[_text_query(query)], filter=[_not_expired(now)]),
        functions=functions,
        score_mode="multiply",
        boost_mode="multiply",
    )
    s = Search(index=index).query(scored).extra(track_total_hits=True)
    post = _all_filters(filters)
    if post:
        s = s.post_filter(Q("bool", filter=post))
    year_ranges = []
    for key, (_, low, high) in YEAR_RANGES.items():
        r: dict[str, Any] = {"key": key}
        if low is not None:
            r["from"] = low
        if high is not None:
            r["to"] = high + 1
        year_ranges.append(r)
    terms_aggs = {
        "kind": A("terms", field="kind", size=20),
        "doc_type": A("terms", field="doc_type", size=20),
        "interest": A("terms", field="interest_ids", size=FACET_SIZE),
        "branch": A(
            "terms",
            field="available_branch_ids" if filters.available else "branch_ids",
            size=FACET_SIZE,
        ),
        "audience": A("terms", field="audience", size=10),
        "language": A("terms", field="language", size=30),
        "year": A("range", field="year", ranges=year_ranges),
    }
    for facet in FACETS:
        others = _all_filters(filters, but=facet)
        wrapper = A("filter", filter=Q("bool", filter=others) if others else Q("match_all"))
        if facet == "available":
            available = (
                Q("terms", available_branch_ids=list(filters.branches))
                if filters.branches
                else Q("term", available=True)
            )
            wrapper.bucket("values", "filter", filter=available)
        else:
            wrapper.bucket("values", terms_aggs[facet])
        s.aggs.bucket(facet, wrapper)
    if sort == "date" or query.is_empty:
        s = s.sort({"date": {"order": "desc", "missing": "_last"}}, "_score")
    else:
        s = s.sort("_score", {"date": {"order": "desc", "missing": "_last"}})
    s = s.source(
        ["kind", "object_id", "title_key", "branch_ids", "available_branch_ids", "interest_ids"]
    )
    return s[offset : offset + limit]


def build_suggest(index: str, prefix: str, size: int = 40) -> Search | None:
    terms = prefix_terms(prefix)
    if not terms or sum(len(t) for t in terms) < 2:
        return None
    text = " ".join(terms)
    q = Q(
        "function_score",
        query=Q(
            "multi_match",
            query=text,
            type="bool_prefix",
            operator="and",
            fields=["label", "label._2gram", "label._3gram"],
        ),
        functions=[{"field_value_factor": {"field": "weight", "missing": 1.0}}],
        boost_mode="multiply",
    )
    return (
        Search(index=index)
        .query(q)
        .source(["kind", "label", "url", "detail", "key", "weight"])[:size]
    )


def parse_counts(aggregations: dict) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    for facet in FACETS:
        body = (aggregations or {}).get(facet) or {}
        values = body.get("values") or {}
        if facet == "available":
            counts[facet] = {"1": int(values.get("doc_count", 0))}
            continue
        buckets = values.get("buckets") or []
        if isinstance(buckets, dict):
            buckets = [dict(b, key=k) for k, b in buckets.items()]
        counts[facet] = {str(b["key"]): int(b.get("doc_count", 0)) for b in buckets}
    return counts


# --- the backend --------------------------------------------------------------------------


class ElasticsearchBackend(SearchBackend):
    name = "elasticsearch"

    def __init__(self, url: str, prefix: str = "affinites", options: dict | None = None) -> None:
        super().__init__(url=url, prefix=prefix)
        self.url = url
        self.prefix = prefix
        self.client_options = options or {}
        self._client = None

    @property
    def search_alias(self) -> str:
        return f"{self.prefix}-search"

    @property
    def suggestion_alias(self) -> str:
        return f"{self.prefix}-suggestions"

    @property
    def client(self):
        if self._client is None:
            from elasticsearch import Elasticsearch

            self._client = Elasticsearch(self.url, **self.client_options)
        return self._client

    # --- searching ----------------------------------------------------------------------

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
        s = build_search(
            self.search_alias, query, filters, sort, offset=offset, limit=limit, profile=profile
        )
        response = self.client.search(index=self.search_alias, body=s.to_dict())
        hits = []
        for row in response["hits"]["hits"]:
            source = row.get("_source") or {}
            available = set(source.get("available_branch_ids") or [])
            hits.append(
                RawHit(
                    kind=source.get("kind", ""),
                    object_id=int(source.get("object_id", 0)),
                    score=float(row.get("_score") or 0.0),
                    title_key=source.get("title_key", ""),
                    branches={b: b in available for b in source.get("branch_ids") or []},
                    interests=list(source.get("interest_ids") or []),
                )
            )
        total = response["hits"]["total"]
        total = total["value"] if isinstance(total, dict) else int(total)
        return BackendResult(total, hits, offset, parse_counts(response.get("aggregations")))

    def suggest(self, prefix: str, limit: int = 8) -> list[SuggestionHit]:
        s = build_suggest(self.suggestion_alias, prefix)
        if s is None:
            return []
        response = self.client.search(index=self.suggestion_alias, body=s.to_dict())
        rows = [
            (
                h["_source"].get("kind", ""),
                h["_source"].get("label", ""),
                h["_source"].get("url", ""),
                h["_source"].get("detail", ""),
                h["_source"].get("key", ""),
                float(h["_source"].get("weight") or 1.0),
            )
            for h in response["hits"]["hits"]
        ]
        return pick_suggestions(rows, " ".join(prefix_terms(prefix)), limit)

    # --- indexing -----------------------------------------------------------------------

    def _ensure_indexes(self) -> None:
        for alias, document in (
            (self.search_alias, SearchDocument),
            (self.suggestion_alias, SuggestionDocument),
        ):
            if not self.client.indices.exists_alias(name=alias):
                name = f"{alias}-{int(time.time() * 1000)}"
                build_index(name, document).create(using=self.client)
                self.client.indices.put_alias(index=name, name=alias)

    def _bulk(self, actions: Iterable[dict], refresh: bool | str = False) -> None:
        from elasticsearch.helpers import bulk

        bulk(self.client, actions, refresh=refresh, raise_on_error=True, raise_on_exception=True)

    @staticmethod
    def index_actions(index: str, documents: list[Document]) -> list[dict]:
        return [
            SearchDocument.from_document(doc).to_dict(include_meta=True) | {"_index": index}
            for doc in documents
        ]

    @staticmethod
    def suggestion_actions(index: str, suggestions: Iterable[Suggestion]) -> list[dict]:
        return [
            SuggestionDocument.from_suggestion(s).to_dict(include_meta=True) | {"_index": index}
            for s in suggestions
            if s.key
        ]

    def index_documents(self, documents: list[Document]) -> None:
        if not documents:
            return
        self._ensure_indexes()
        self._bulk(self.index_actions(self.search_alias, documents))
        suggestions = [s for doc in documents for s in doc.suggestions]
        if suggestions:
            self._bulk(self.suggestion_actions(self.suggestion_alias, suggestions))

    def remove(self, kind: str, ids: Iterable[int]) -> None:
        ids = list(ids)
        if not ids:
            return
        self._ensure_indexes()
        actions = [
            {"_op_type": "delete", "_index": self.search_alias, "_id": f"{kind}-{i}"} for i in ids
        ]
        if kind in ("catalogue", "community"):
            suggestion_kind = "title" if kind == "catalogue" else "community"
            actions += [
                {
                    "_op_type": "delete",
                    "_index": self.suggestion_alias,
                    "_id": f"{suggestion_kind}-{i}",
                }
                for i in ids
            ]
        from elasticsearch.helpers import bulk

        bulk(self.client, actions, raise_on_error=False)  # already gone: fine

    def expunge_deleted(self) -> None:
        """A deleted document stays in its segment (and its terms in the segment's term
        dictionary, which suggestions and fuzzy matching read) until segments merge: make
        the deletions visible, then merge away the segments' deleted documents."""
        indexes = [self.search_alias, self.suggestion_alias]
        self.client.indices.refresh(index=indexes)
        self.client.indices.forcemerge(index=indexes, only_expunge_deletes=True)

    def replace_interest_suggestions(self, suggestions: list[Suggestion]) -> None:
        self._ensure_indexes()
        self.client.delete_by_query(
            index=self.suggestion_alias,
            body={"query": {"term": {"kind": "interest"}}},
            conflicts="proceed",
        )
        self._bulk(self.suggestion_actions(self.suggestion_alias, suggestions))

    def rebuild(
        self,
        batches: Iterable[list[Document]],
        progress: Callable[[int], None] | None = None,
        extra_suggestions: Iterable[Suggestion] = (),
    ) -> int:
        """Fill fresh indexes, then swap both aliases in one atomic request."""
        stamp = int(time.time() * 1000)
        names = {
            self.search_alias: f"{self.search_alias}-{stamp}",
            self.suggestion_alias: f"{self.suggestion_alias}-{stamp}",
        }
        build_index(names[self.search_alias], SearchDocument).create(using=self.client)
        build_index(names[self.suggestion_alias], SuggestionDocument).create(using=self.client)
        for name in names.values():
            self.client.indices.put_settings(index=name, body={"index": {"refresh_interval": "-1"}})
        count = 0
        try:
            for batch in batches:
                self._bulk(self.index_actions(names[self.search_alias], batch))
                suggestions = [s for doc in batch for s in doc.suggestions]
                if suggestions:
                    self._bulk(self.suggestion_actions(names[self.suggestion_alias], suggestions))
                count += len(batch)
                if progress:
                    progress(count)
            self._bulk(self.suggestion_actions(names[self.suggestion_alias], extra_suggestions))
        except Exception:
            for name in names.values():
                self.client.indices.delete(index=name, ignore_unavailable=True)
            raise
        for name in names.values():
            self.client.indices.put_settings(index=name, body={"index": {"refresh_interval": "1s"}})
            self.client.indices.refresh(index=name)
        self.client.indices.update_aliases(body={"actions": self.swap_actions(names)})
        for alias, name in names.items():
            for old in self._indexes_of(alias):
                if old != name:
                    self.client.indices.delete(index=old, ignore_unavailable=True)
        return count

    def swap_actions(self, names: dict[str, str]) -> list[dict]:
        actions: list[dict] = []
        for alias, name in names.items():
            for old in self._indexes_of(alias):
                actions.append({"remove": {"index": old, "alias": alias}})
            if self.client.indices.exists(index=alias) and not self.client.indices.exists_alias(
                name=alias
            ):
                actions.append({"remove_index": {"index": alias}})  # a plain index in the way
            actions.append({"add": {"index": name, "alias": alias}})
        return actions

    def _indexes_of(self, alias: str) -> list[str]:
        if not self.client.indices.exists_alias(name=alias):
            return []
        return list(self.client.indices.get_alias(name=alias))

    def count(self) -> int:
        if not self.client.indices.exists_alias(name=self.search_alias):
            return 0
        return int(self.client.count(index=self.search_alias)["count"])

    def refresh(self) -> None:
        self.client.indices.refresh(index=[self.search_alias, self.suggestion_alias])
