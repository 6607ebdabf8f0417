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
  counted by one ``.aggregate()`` over their union: the first set's facet values as one
  ``StringAgg`` of lines, each other set's own facet as one ``StringAgg``, counted in
  Python by column. A query with at most about ``EXACT_LIMIT`` matches (nearly all) is
  counted exactly in that one statement: an ``Exists`` over the 1/16 sample (its partial
  indexes, migration 0004) guards it, and PostgreSQL skips the scan when the query is broad;
  a broad one is counted over the sample (see _run);
* broad queries: the page ranked among candidates fixed by the data, read by id (one
  array parameter, `AnyOf`);
* facet labels (médiathèques, interests): from the cache (search/facet_labels.py).

Measured beside the `database` engine (search/README.md has the figures): the same totals,
counts and hits; a narrow query costs the same number of statements as there (the words,
the counts, the hits, then the hydration), a broad one two more (the sample's counts and
the titles' candidates); what remains is the ORM's time to build them.

On SQLite Django has no full-text API: the engine answers with the `database` engine's
FTS5 statements.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.contrib.postgres.aggregates import StringAgg
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
from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    Exists,
    F,
    Func,
    Lookup,
    Q,
    QuerySet,
    TextField,
    Value,
    When,
)
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


def _tsv() -> RawSQL:
    # The weighted tsvector PostgreSQL generates and GIN-indexes (migration 0002): a column
    # of the table but not a model field, because SQLite has no tsvector type. Unqualified,
    # so that in a subquery (whose table Django renames) it names the subquery's own row.
    return RawSQL('"tsv"', [], output_field=SearchVectorField())


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
        """The counts and a page of hits: two statements when the query is not broad (nearly
        always), four or five for a broad one, whatever the number of active facets.

        The filter sets: the filters, then each active facet without its own filter (its
        counts ignore it). Every set is a subset of their union, so their counts come from
        one aggregate over the union (`_lines`): the first set's entries as lines of text
        (their facet values, `FacetLine`) gathered by one ``StringAgg``, each other set's
        own facet by one ``StringAgg`` and one ``Count``, counted in Python column by column
        (`_count_lines`): a few aggregates for the ORM to build, no row to read in Python.

        1. That aggregate over every match of the union, guarded: PostgreSQL skips the scan
           (a one-time filter) when the union has more than EXACT_LIMIT / SAMPLE_MODULUS
           matches in the 1/SAMPLE_MODULUS sample (its partial indexes, migrations
           0004–0005), i.e. about EXACT_LIMIT matches. Lines back: every count is exact.
        2. Otherwise (a broad query, or no match at all), the same aggregate over the
           sample: a set with more than EXACT_LIMIT / SAMPLE_MODULUS matches there keeps
           the sample's counts, estimated (marked approximate); the others are counted
           exactly by the aggregate over every match of those sets.
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
        in_union = found.filter(_union(conditions))
        sample = _sample(in_union, matches is not None)
        broad_union = Exists(sample.order_by()[sample_limit : sample_limit + 1])
        exact, _ids = _count_lines(_lines(in_union.filter(~broad_union), sets, conditions), sets)
        broad = [False] * len(sets)
        if not exact[0]["_total"][""] and not any(c["_total"][""] for c in exact[1:]):
            # a broad union, or no match at all: the sample says which sets are broad
            sampled, sampled_ids = _count_lines(_lines(sample, sets, conditions), sets)
            broad = [counts["_total"][""] > sample_limit for counts in sampled]
            narrow = [n for n, is_broad in enumerate(broad) if not is_broad]
            if narrow and any(broad):
                chosen = found.filter(_any([conditions[n] for n in narrow]))
                exact, _ids = _count_lines(_lines(chosen, sets, conditions), sets)
            for n, is_broad in enumerate(broad):
                if is_broad:
                    exact[n] = {
                        name: {
                            value: _estimate(count * database.SAMPLE_MODULUS)
                            for value, count in values.items()
                        }
                        for name, values in sampled[n].items()
                    }
        counts: dict[str, dict[str, int]] = {}
        for n, (facet, _filter_set) in enumerate(sets):
            if facet is None:
                counts.update(exact[n])
            else:
                counts[facet] = exact[n].get(facet, {})
        total = counts.pop("_total", {}).get("", 0)
        approximate = any(broad)
        if not total:
            return BackendResult(0, [], offset, counts, approximate=approximate)
        ranked = tsquery is not None and sort != "date"
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
            # the first RANK_CANDIDATES matches of the sample by id (its lines hold the ids)
            first = sampled_ids[: database.RANK_CANDIDATES]
            # every entry whose title matches, when there are at most RANK_CANDIDATES (the
            # title's GIN index of migration 0004), none when there are more: the sample has
            # a share of them. A title that matches is a match.
            titled = list(
                SearchEntry.objects.filter(_live(now), conditions[0])
                .alias(title_tsv=_title_tsv())
                .filter(title_tsv=_raw(tsquery))
                .values_list("id", flat=True)[: database.RANK_CANDIDATES + 1]
            )
            if len(titled) <= database.RANK_CANDIDATES:
                first = sorted(set(first).union(titled))
            candidate_count = len(first)
            first = Q(AnyOf(F("id"), Value(first, output_field=ArrayField(BigIntegerField()))))
            candidates = first
            if title_key:
                candidates |= Q(title_key=title_key)
            if offset + limit <= candidate_count:  # the page lies within the candidates
                # the sample's are matches of the filters already: read by id alone (the
                # full-text index would read every match of a broad word)
                within = first
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


def _union(conditions: list[Q]) -> Q:
    """The entries of any filter set: the first (the filters) lies within every other, so
    the others' union when there are others."""
    return _any(conditions[1:] or conditions)


def _sample(entries: QuerySet, words: bool = True) -> QuerySet:
    """The entries of the 1/SAMPLE_MODULUS sample: with words, the partial GIN index of
    migration 0004; filters alone, the covering partial index of migration 0005 (its extra,
    always true, condition on the kind keeps the planner from choosing it for words), read
    without visiting the table."""
    sample = entries.alias(sample=F("id") % database.SAMPLE_MODULUS).filter(sample=0)
    return sample if words else sample.exclude(kind="")


class AnyOf(Lookup):
    """``lhs = ANY(rhs)``, `rhs` an array: a list of ids as one parameter (``IN (…)`` would
    give the ORM and psycopg 1,000 placeholders to handle), matched on the primary key's
    index."""

    lookup_name = "any_of"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", [*lhs_params, *rhs_params]


class FacetLine(Func):
    """An entry's facet values as one line of text, `|` between them (codes and ids: no
    `|` in them), a NULL as an empty value."""

    function = "CONCAT"
    arg_joiner = ", '|', "
    output_field = TextField()


# the fields of a FacetLine, then one flag per filter set
LINE_FIELDS = (
    "kind",
    "doc_type",
    "audience",
    "language",
    "year",
    "available",
    "branch_ids",
    "available_branch_ids",
    "interest_ids",
    "id",
)
FIELD = {name: n for n, name in enumerate(LINE_FIELDS)}


def _lines(entries: QuerySet, sets: list[tuple[str | None, Filters]], conditions: list[Q]):
    """What `_count_lines` counts, among `entries`, in one statement: the facet lines of the
    first set's entries, and for each other set its own facet's values (space-separated)
    and its total."""
    fields: list = [F(name) for name in LINE_FIELDS]
    # available (at the chosen médiathèques if any: the sets that count "available" all
    # have the same) as "t"
    branches = sets[0][1].branches
    available = Q(_overlap("available_branch_ids", branches)) if branches else Q(available=True)
    fields[FIELD["available"]] = Case(When(available, then=Value("t")), default=Value("f"))
    first = (conditions[0] or None) if len(sets) > 1 else None
    aggregates = {
        "lines": StringAgg(
            FacetLine(*fields),
            delimiter="\n",
            filter=first,
            default=Value(""),
            output_field=TextField(),
        )
    }
    for n, ((facet, filter_set), condition) in enumerate(zip(sets, conditions, strict=True)):
        if facet is None:
            continue
        if facet == "branch":
            value = F("available_branch_ids" if filter_set.available else "branch_ids")
        elif facet == "interest":
            value = F("interest_ids")
        else:
            value = fields[FIELD[facet]]
        aggregates[f"s{n}"] = StringAgg(
            Cast(value, TextField()), delimiter=" ", filter=condition or None, default=Value("")
        )
        aggregates[f"s{n}_total"] = Count("id", filter=condition or None)
    return entries.aggregate(**aggregates)


def _count_lines(
    values: dict, sets: list[tuple[str | None, Filters]]
) -> tuple[list[dict[str, dict[str, int]]], list[int]]:
    """Each filter set's counts from what `_lines` read: the first set's total and every
    facet, the others' total and own facet only; and the first set's entry ids in order.
    Counted column by column (``split`` and ``Counter`` run in C), never row by row."""
    lines = values["lines"]
    # every value of every line in one list (split in C), each column a slice of it
    flat = lines.replace("\n", "|").split("|") if lines else []
    width = len(LINE_FIELDS)
    rows = len(flat) // width
    columns = [flat[n::width] for n in range(width)]
    out = []
    for n, (facet, filter_set) in enumerate(sets):
        if facet is None:
            counts = {"_total": {"": rows}}
            counted = {name: columns[FIELD[name]] for name in FACETS if name in FIELD}
            counted["branch"] = columns[
                FIELD["available_branch_ids" if filter_set.available else "branch_ids"]
            ]
            counted["interest"] = columns[FIELD["interest_ids"]]
            counted = {name: " ".join(column).split() for name, column in counted.items()}
        else:
            counts = {"_total": {"": values[f"s{n}_total"]}}
            counted = {facet: values[f"s{n}"].split()}
        for name, found in counted.items():
            if name == "available":  # "t": available (at the chosen médiathèques if any)
                available = found.count("t")
                counts[name] = {"1": available} if available else {}
                continue
            tally = Counter(found)
            if name == "year":
                years: Counter = Counter()
                for year, count in tally.items():
                    bucket = _year_bucket(int(year))
                    if bucket:
                        years[bucket] += count
                tally = years
            counts[name] = dict(tally)
        out.append(counts)
    return out, sorted(map(int, columns[FIELD["id"]]))


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
