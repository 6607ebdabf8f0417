"""The `framework` search engine: the database index queried through Django's own full-text
search API (``django.contrib.postgres.search``), beside the `database` engine it is meant to
replace (``SEARCH_BACKEND=framework``; `database` stays the default until this one is within
1.2× of it in the search bench).

It reads and writes the same index as the `database` engine (search/models.py, the
tsvector, GIN and trigram indexes of migrations 0002–0005) and shares its indexing and its
suggestions; what differs is how a search is asked, on PostgreSQL:

* matching: each word of the query and its singular / plural as ``SearchQuery`` objects in
  the ``affinites_fr`` configuration (unaccent + French Snowball), OR within a word, AND
  across words (OR when no entry has every word), against the entries' weighted ``tsv``;
* ranking: ``SearchRank`` with the weights title > people > keywords > body, times the
  entry's boost (above ``EXACT_LIMIT`` matches, of the candidates only: see _run); the
  shared re-ranking (exact title, personal boosts) then applies as on every backend
  (search/backends/base.py);
* typos: a word the vocabulary does not know is replaced by the nearest known term, one
  edit away first (rapidfuzz), else by ``TrigramSimilarity`` (pg_trgm's GIN index);
* filters: ORM conditions; médiathèques and interests as an ``Overlap`` of the entries' id
  lists (``string_to_array``, GIN-indexed by migration 0005);
* facets: every filter set (the filters, then each active facet without its own filter)
  counted by one ``.aggregate()`` with ``filter=`` per set, over the 1/16 sample first
  (its partial indexes, migration 0004), then over every match of the sets that are not
  broad (see _run);
* broad queries: the page ranked among candidates fixed by the data, read by id.

Measured beside the `database` engine (search/backends/handwritten_sql.py gives the
figures): the same totals, counts and hits, 1.6× its time at p50 and p95; the gap is a
fixed cost per search (two or three statements more, the ORM building them).

On SQLite Django has no full-text API: the engine answers with the `database` engine's
FTS5 statements.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.contrib.postgres.aggregates import ArrayAgg, StringAgg
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.lookups import Overlap
from django.contrib.postgres.search import (
    SearchConfig,
    SearchQuery,
    SearchQueryField,
    SearchRank,
    SearchVectorField,
    TrigramSimilarity,
)
from django.db.models import Case, Count, F, Func, Q, QuerySet, TextField, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Length
from django.utils import timezone
from rapidfuzz.distance import OSA

from ..analysis import ParsedQuery
from ..models import SearchEntry, SearchTerm
from . import database
from .base import FACETS, YEAR_RANGES, BackendResult, Filters, MemberProfile, RawHit
from .database import (
    MIN_TYPO_LENGTH,
    TYPO_SIMILARITY,
    DatabaseBackend,
    _estimate,
    _raw_hit,
    _ts_quote,
    similarity,
)

CONFIG = "affinites_fr"
WEIGHTS = [0.1, 0.25, 0.5, 1.0]  # D (body), C (keywords), B (people), A (title)
HIT_COLUMNS = (
    "kind",
    "object_id",
    "score",
    "title_key",
    "id",
    "date",
    "branch_ids",
    "available_branch_ids",
    "interest_ids",
)
# facet → the entry's column holding its value(s) ("available" is a condition)
FACET_COLUMN = {
    "kind": "kind",
    "doc_type": "doc_type",
    "interest": "interest_ids",
    "branch": "branch_ids",
    "audience": "audience",
    "language": "language",
    "year": "year",
}


def _tsv() -> RawSQL:
    # The weighted tsvector PostgreSQL generates and GIN-indexes (migration 0002): a column
    # of the table but not a model field, because SQLite has no tsvector type.
    return RawSQL('"search_searchentry"."tsv"', [], output_field=SearchVectorField())


def _title_tsv() -> Func:
    """The title's own tsvector, as its GIN index computes it (migration 0004)."""
    return Func(
        SearchConfig(CONFIG),
        F("title"),
        function="to_tsvector",
        output_field=SearchVectorField(),
    )


def _id_list(column: str) -> Func:
    """An entry's space-separated id list as a text array (the expression of the GIN
    indexes of migration 0005)."""
    return Func(
        F(column),
        Value(" "),
        function="string_to_array",
        output_field=ArrayField(TextField()),
    )


def _words(groups: list[list[str]], operator: str) -> tuple[Q, str]:
    """The condition matching lexeme groups (OR within a group, `operator` across) and the
    same tsquery's text, to rank by."""
    tsquery = operator.join(
        "(" + " | ".join(_ts_quote(lexeme) for lexeme in group) + ")" for group in groups
    )
    matches = Q(tsv=_raw(tsquery))
    return matches, tsquery


def _raw(tsquery: str) -> SearchQuery:
    return SearchQuery(tsquery, config="simple", search_type="raw")


class FrameworkBackend(DatabaseBackend):
    name = "framework"

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
        if self.vendor != "postgresql":
            return super()._search(
                query,
                filters,
                sort,
                offset=offset,
                limit=limit,
                profile=profile,
                with_details=with_details,
            )
        now = timezone.now()
        matches, tsquery, groups = self._matches(query)
        result = self._run(matches, tsquery, filters, sort, now, offset, limit, query.title_key)
        if result.total == 0 and len(groups) > 1:  # no entry has every word: any of them
            relaxed = self._run(
                *_words(groups, " | "), filters, sort, now, offset, limit, query.title_key
            )
            if relaxed.total:
                relaxed.relaxed = True
                return relaxed
        return result

    # --- matching -----------------------------------------------------------------------

    def _matches(self, query: ParsedQuery) -> tuple[Q | None, str | None, list[list[str]]]:
        """The condition on the entries, the query to rank by when ranked, and the lexeme
        groups of the words (one per word: its lexemes and its singular's / plural's)."""
        if query.isbns:
            return _words([query.isbns], " | ")[0], None, []
        if not query.groups:
            if query.title_key:  # nothing but stop words ("Nous", "Elle et lui"): whole title
                return Q(title_key=query.title_key), None, []
            return None, None, []
        # The words analysed by PostgreSQL (affinites_fr) and checked against the vocabulary
        # in one statement, then turned into one constant tsquery: SearchQuery(word,
        # config=…) objects would be analysed again for every ranked row (to_tsquery is
        # only STABLE), which made a search with ranking 2–3× slower.
        groups, known = self._pg_groups(query, check=self._typo_candidates(query))
        if self._correct(query, known=known):
            groups, _known = self._pg_groups(query)
        if not groups:
            return Q(pk__in=[]), None, []
        return (*_words(groups, " & "), groups)

    def _nearest_term(self, word: str) -> str | None:
        """The nearest term of the vocabulary: one edit away (a letter swapped, missing,
        extra or wrong: "dnue" → "dune") among the terms that start with its first or second
        letter, else the most similar by trigrams (pg_trgm)."""
        if self.vendor != "postgresql":
            return super()._nearest_term(word)
        one_edit = (
            SearchTerm.objects.alias(length=Length("term")).filter(
                Q(term__startswith=word[0]) | Q(term__startswith=word[1]),
                length__gte=len(word) - 1,
                length__lte=len(word) + 1,
            )
            if len(word) >= MIN_TYPO_LENGTH
            else SearchTerm.objects.none()
        )
        kinds = ("transpose", "delete", "insert", "replace")[: 4 if len(word) > 4 else 2]
        close = sorted(
            (
                (kinds.index(kind), -similarity(word, term), term)
                for term in one_edit.values_list("term", flat=True)
                if OSA.distance(word, term) == 1 and (kind := _edit_kind(word, term)) in kinds
            ),
        )
        if close:
            return close[0][2]
        similar = (
            SearchTerm.objects.filter(term__trigram_similar=word)
            .annotate(similarity=TrigramSimilarity("term", word))
            .filter(similarity__gte=TYPO_SIMILARITY)
            .order_by("-similarity", "term")
            .values_list("term", flat=True)
            .first()
        )
        return similar

    # --- filters ------------------------------------------------------------------------

    def _conditions(self, filters: Filters, now: dt.datetime) -> Q:
        """The filters as one condition on the entries (AND across facets, OR within one): a
        filter of a query, or of one aggregate. Empty without filters."""
        condition = Q()
        for name, values in (
            ("kind", filters.kinds),
            ("doc_type", filters.doc_types),
            ("audience", filters.audiences),
            ("language", filters.languages),
        ):
            if values:
                condition &= Q(**{f"{name}__in": values})
        bounds = filters.year_bounds()
        if bounds:
            years = Q()
            for low, high in bounds:
                bound = Q(year__isnull=False)
                if low is not None:
                    bound &= Q(year__gte=low)
                if high is not None:
                    bound &= Q(year__lte=high)
                years |= bound
            condition &= years
        if filters.interests:
            condition &= Q(_overlap("interest_ids", filters.interests))
        if filters.branches:
            column = "available_branch_ids" if filters.available else "branch_ids"
            condition &= Q(_overlap(column, filters.branches))
        elif filters.available:
            condition &= Q(available=True)
        return condition

    # --- one search ---------------------------------------------------------------------

    def _run(
        self,
        matches: Q | None,
        tsquery: str | None,
        filters: Filters,
        sort: str,
        now: dt.datetime,
        offset: int,
        limit: int,
        title_key: str = "",
    ) -> BackendResult:
        """The counts and a page of hits, in two to four statements whatever the number of
        matches and of active facets.

        The filter sets: the filters, then each active facet without its own filter (its
        counts ignore it). Every set is a subset of their union, so one aggregate over the
        union counts them all, each aggregate filtered by its set (``filter=``): the total,
        the available ones, and each facet column gathered with ``StringAgg`` then counted
        in Python (``Counter`` over a split string: no row reaches Python).

        1. Over the 1/SAMPLE_MODULUS sample (its partial indexes, migrations 0004–0005):
           a set with more than EXACT_LIMIT / SAMPLE_MODULUS matches there is broad, its
           counts estimated from the sample (marked approximate).
        2. When some set is not broad, the same aggregate over every match of those sets:
           their exact counts.
        3. The page of hits: every match ranked (at most about EXACT_LIMIT of them), or for
           a broad query ranked among candidates fixed by the data (the entries whose title
           is the query, every entry whose title matches when at most RANK_CANDIDATES do —
           one more statement —, the first RANK_CANDIDATES matches of the sample by id),
           then the other matches by date."""
        sets = [(None, filters)] + [(facet, filters.without(facet)) for facet in filters.active()]
        conditions = [self._conditions(filter_set, now) for _, filter_set in sets]
        found = SearchEntry.objects.alias(tsv=_tsv()).filter(_live(now))
        if matches is not None:
            found = found.filter(matches)
        sample_limit = database.EXACT_LIMIT // database.SAMPLE_MODULUS
        ranked = tsquery is not None and sort != "date"
        sampled, in_sample = _aggregate(
            _sample(found, matches is not None), sets, conditions, ids=ranked
        )
        broad = [counts["_total"][""] > sample_limit for counts in sampled]
        exact_sets = [n for n, is_broad in enumerate(broad) if not is_broad]
        exact = {}
        if exact_sets:
            chosen = [conditions[n] for n in exact_sets]
            exact_counts, _ids = _aggregate(found, [sets[n] for n in exact_sets], chosen)
            exact = dict(zip(exact_sets, exact_counts, strict=True))
        counts: dict[str, dict[str, int]] = {}
        for n, (facet, _filter_set) in enumerate(sets):
            if broad[n]:
                set_counts = {
                    name: {
                        value: _estimate(count * database.SAMPLE_MODULUS)
                        for value, count in values.items()
                    }
                    for name, values in sampled[n].items()
                }
            else:
                set_counts = exact[n]
            if facet is None:
                counts.update(set_counts)
            else:
                counts[facet] = set_counts.get(facet, {})
        total = counts.pop("_total", {}).get("", 0)
        approximate = any(broad)
        if not total:
            return BackendResult(0, [], offset, counts, approximate=approximate)
        # the tsquery as a constant: SearchQuery(word, config=…) objects would be analysed
        # again for every ranked row (to_tsquery is only STABLE)
        rank = Cast(Value(tsquery), output_field=SearchQueryField())
        score = SearchRank(_tsv(), rank, weights=WEIGHTS, normalization=1) * F("boost")
        entries = found.filter(conditions[0])
        by_date = (F("date").desc(nulls_last=True), "id")
        if not ranked:
            hit_entries, order = entries.annotate(score=Value(0.0)), by_date
        elif not broad[0]:
            hit_entries, order = entries.annotate(score=score), ("-score", *by_date)
        else:
            # Broad: ranking every match (16,000 rows for "mer" in 100,000 items) is what
            # made a broad query 3× slower; the candidates are sets fixed by the data, never
            # "the first N rows" of a scan: page 2 is ranked from the same ones as page 1.
            first = in_sample[: database.RANK_CANDIDATES]
            # every entry whose title matches, when there are at most RANK_CANDIDATES (the
            # title's GIN index of migration 0004), none when there are more: the sample has
            # a share of them
            titled = list(
                SearchEntry.objects.filter(
                    _live(now), conditions[0]
                )  # a title that matches: a match
                .alias(title_tsv=_title_tsv())
                .filter(title_tsv=_raw(tsquery))
                .values_list("id", flat=True)[: database.RANK_CANDIDATES + 1]
            )
            if len(titled) <= database.RANK_CANDIDATES:
                first = sorted(set(first).union(titled))
            candidates = Q(id__in=first)
            if title_key:
                candidates |= Q(title_key=title_key)
            if offset + limit <= len(first):  # the page lies within the candidates
                # the sample's are matches of the filters already: read by id alone (the
                # full-text index would read every match of a broad word)
                within = Q(id__in=first)
                if title_key:
                    within |= Q(title_key=title_key) & matches & conditions[0] & _live(now)
                hit_entries = (
                    SearchEntry.objects.alias(tsv=_tsv()).filter(within).annotate(score=score)
                )
            else:
                hit_entries = entries.annotate(
                    score=Case(When(candidates, then=score), default=Value(0.0))
                )
            order = ("-score", *by_date)
        page = hit_entries.order_by(*order).values_list(*HIT_COLUMNS)[offset : offset + limit]
        hits: list[RawHit] = [_raw_hit(*row) for row in page]
        return BackendResult(total, hits, offset, counts, approximate=approximate)


def _overlap(column: str, ids) -> Overlap:
    """An entry's space-separated id list (`column`) shares an id with `ids`: the
    expression of the GIN indexes of migration 0005."""
    return Overlap(_id_list(column), Value([str(i) for i in ids]))


def _live(now: dt.datetime) -> Q:
    """Not expired (events past their date)."""
    return Q(expires_at__isnull=True) | Q(expires_at__gte=now)


def _any(conditions: list[Q]) -> Q:
    """Any of the conditions; an empty one (no filter) is every entry, so their union too."""
    if not all(conditions):
        return Q()
    union = Q()
    for condition in conditions:
        union |= condition
    return union


def _sample(entries: QuerySet, words: bool = True) -> QuerySet:
    """The entries of the 1/SAMPLE_MODULUS sample: with words, the partial GIN index of
    migration 0004; filters alone, the covering partial index of migration 0005 (its extra,
    always true, condition on the kind keeps the planner from choosing it for words), read
    without visiting the table."""
    sample = entries.alias(sample=F("id") % database.SAMPLE_MODULUS).filter(sample=0)
    return sample if words else sample.exclude(kind="")


SEPARATOR = " "  # facet values are codes and ids: no spaces


def _aggregate(
    entries: QuerySet,
    sets: list[tuple[str | None, Filters]],
    conditions: list[Q],
    *,
    ids: bool = False,
) -> tuple[list[dict[str, dict[str, int]]], list[int]]:
    """Each filter set's counts among `entries` in one statement: the first set's total and
    every facet, the others' total and own facet only (each aggregate filtered by its set's
    condition). Each facet's values come back joined in one string per set and are counted
    here. With `ids`, also the first set's entry ids in order (the sample's candidates to
    rank)."""
    # the entries of the union of the sets: the first set (the filters) lies within every
    # other, so theirs alone when there are others; a set equal to the union needs no filter
    wider = [c for (facet, _), c in zip(sets, conditions, strict=True) if facet is not None]
    wider = wider or conditions
    entries = entries.filter(_any(wider))
    conditions = [None if not c or (len(wider) == 1 and c is wider[0]) else c for c in conditions]
    aggregates = {}
    if ids:
        aggregates["ids"] = ArrayAgg("id", filter=conditions[0], order_by="id", default=[])
    for n, ((facet, filter_set), condition) in enumerate(zip(sets, conditions, strict=True)):
        wanted = FACETS if facet is None else (facet,)
        aggregates[f"s{n}_total"] = Count("id", filter=condition)
        for name in wanted:
            if name == "available":
                if filter_set.branches:  # available at one of the chosen médiathèques
                    available = Q(_overlap("available_branch_ids", filter_set.branches))
                else:
                    available = Q(available=True)
                aggregates[f"s{n}_available"] = Count(
                    "id", filter=available if condition is None else condition & available
                )
                continue
            column = FACET_COLUMN[name]
            if name == "branch" and filter_set.available:
                column = "available_branch_ids"
            expression = Cast(column, TextField()) if name == "year" else F(column)
            aggregates[f"s{n}_{name}"] = StringAgg(
                expression, delimiter=SEPARATOR, filter=condition, default=Value("")
            )
    row = entries.aggregate(**aggregates)
    out = []
    for n, (facet, _filter_set) in enumerate(sets):
        counts: dict[str, dict[str, int]] = {"_total": {"": row[f"s{n}_total"]}}
        for name in FACETS if facet is None else (facet,):
            if name == "available":
                available = row[f"s{n}_available"]
                counts[name] = {"1": available} if available else {}
                continue
            values = Counter(row[f"s{n}_{name}"].split(SEPARATOR))
            values.pop("", None)
            if name == "year":
                years: Counter = Counter()
                for year, count in values.items():
                    bucket = _year_bucket(int(year))
                    if bucket:
                        years[bucket] += count
                values = years
            counts[name] = dict(values)
        out.append(counts)
    return out, row["ids"] if ids else []


def _edit_kind(word: str, term: str) -> str:
    """The kind of the one edit that turns `word` into `term`."""
    if len(term) < len(word):
        return "delete"
    if len(term) > len(word):
        return "insert"
    return "transpose" if sorted(term) == sorted(word) else "replace"


def _year_bucket(year: int) -> str | None:
    for key, (_label, low, high) in YEAR_RANGES.items():
        if (low is None or year >= low) and (high is None or year <= high):
            return key
    return None
