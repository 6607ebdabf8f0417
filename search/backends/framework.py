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
  entry's boost (above ``EXACT_LIMIT`` matches, of the candidates only: see _candidates); the shared re-ranking (exact title, personal boosts) then applies as on
  every backend (search/backends/base.py);
* typos: a word the vocabulary does not know is replaced by the nearest known term, one
  edit away first (rapidfuzz), else by ``TrigramSimilarity`` (pg_trgm's GIN index);
* filters: ORM conditions; médiathèques and interests as an overlap of the entries' id
  lists (``string_to_array``, GIN-indexed by migration 0005);
* facets: for each filter set (each active facet counted without its own filter), the
  facet columns of the matches in the 1/16 sample (its partial index, migration 0004); more
  than ``EXACT_LIMIT`` / 16 there and the counts are estimated from them (marked
  approximate), otherwise every match is read once, for the filters themselves with its
  score and hit columns, and the page of hits is sorted from those rows;
* broad queries: the page ranked among candidates (the entries whose title is the query,
  the sample's first ``RANK_CANDIDATES`` by id), read among them alone when it lies within.

Measured beside the `database` engine (search/backends/handwritten_sql.py gives the
figures): the same results, 1.8× its time at the median; the gap is the statements per
filter set and the facet counts made in Python.

On SQLite Django has no full-text API: the engine answers with the `database` engine's
FTS5 statements.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.search import (
    SearchQuery,
    SearchQueryField,
    SearchRank,
    SearchVectorField,
    TrigramSimilarity,
)
from django.db.models import Case, F, FloatField, Func, Q, QuerySet, TextField, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Extract, Length
from django.utils import timezone
from rapidfuzz.distance import OSA

from ..analysis import ParsedQuery
from ..models import SearchEntry, SearchTerm
from . import database
from .base import YEAR_RANGES, BackendResult, Filters, MemberProfile, RawHit
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
# read with FACET_COLUMNS when every match is read: the page is sorted from the same rows
HIT_EXTRA = ("object_id", "score", "title_key", "id", "newest")
FACET_COLUMNS = (
    "kind",
    "doc_type",
    "audience",
    "language",
    "year",
    "available",
    "branch_ids",
    "available_branch_ids",
    "interest_ids",
)


def _tsv() -> RawSQL:
    # The weighted tsvector PostgreSQL generates and GIN-indexes (migration 0002): a column
    # of the table but not a model field, because SQLite has no tsvector type.
    return RawSQL('"search_searchentry"."tsv"', [], output_field=SearchVectorField())


def _id_list(column: str) -> Func:
    """An entry's space-separated id list as a text array (the expression of the GIN
    indexes of migration 0005)."""
    return Func(
        F(column),
        Value(" "),
        function="string_to_array",
        output_field=ArrayField(TextField()),
    )


def _words(groups: list[list[str]], operator: str) -> tuple[Q, Cast]:
    """The condition matching lexeme groups (OR within a group, `operator` across) and the
    same tsquery as a constant, to rank by."""
    tsquery = operator.join(
        "(" + " | ".join(_ts_quote(lexeme) for lexeme in group) + ")" for group in groups
    )
    matches = Q(tsv=SearchQuery(tsquery, config="simple", search_type="raw"))
    return matches, Cast(Value(tsquery), output_field=SearchQueryField())


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
        matches, rank, groups = self._matches(query)
        result = self._run(matches, rank, filters, sort, now, offset, limit, query.title_key)
        if result.total == 0 and len(groups) > 1:  # no entry has every word: any of them
            relaxed = self._run(
                *_words(groups, " | "), filters, sort, now, offset, limit, query.title_key
            )
            if relaxed.total:
                relaxed.relaxed = True
                return relaxed
        return result

    # --- matching -----------------------------------------------------------------------

    def _matches(self, query: ParsedQuery) -> tuple[Q | None, Cast | None, list[list[str]]]:
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

    def _entries(self, filters: Filters, now: dt.datetime) -> QuerySet:
        entries = SearchEntry.objects.alias(tsv=_tsv()).filter(
            Q(expires_at__isnull=True) | Q(expires_at__gte=now)
        )
        for name, values in (
            ("kind", filters.kinds),
            ("doc_type", filters.doc_types),
            ("audience", filters.audiences),
            ("language", filters.languages),
        ):
            if values:
                entries = entries.filter(**{f"{name}__in": values})
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
            entries = entries.filter(years)
        if filters.interests:
            entries = entries.alias(interest_list=_id_list("interest_ids")).filter(
                interest_list__overlap=[str(i) for i in filters.interests]
            )
        if filters.branches:
            column = "available_branch_ids" if filters.available else "branch_ids"
            entries = entries.alias(branch_list=_id_list(column)).filter(
                branch_list__overlap=[str(b) for b in filters.branches]
            )
        elif filters.available:
            entries = entries.filter(available=True)
        return entries

    # --- one search ---------------------------------------------------------------------

    def _run(
        self,
        matches: Q | None,
        rank: Cast | None,
        filters: Filters,
        sort: str,
        now: dt.datetime,
        offset: int,
        limit: int,
        title_key: str = "",
    ) -> BackendResult:
        """The counts and a page of hits. For each filter set (the filters, then each active
        facet without its own filter), the matches' facet columns are read from the
        1/SAMPLE_MODULUS sample first: more than EXACT_LIMIT / SAMPLE_MODULUS rows there and
        the counts are estimated from them; otherwise every match is read, and for the
        filters themselves with the hit columns and the score: the page is then sorted from
        those rows, without another statement."""

        def matching(filter_set: Filters) -> QuerySet:
            entries = self._entries(filter_set, now)
            return entries.filter(matches) if matches is not None else entries

        ranked = rank is not None and sort != "date"
        score = SearchRank(_tsv(), rank, weights=WEIGHTS, normalization=1) * F("boost")
        entries = matching(filters)
        approximate = broad = False
        in_sample: list[int] = []
        counts: dict[str, dict[str, int]] = {}
        rows: list[tuple] = []
        for facet, filter_set in [(None, filters)] + [
            (facet, filters.without(facet)) for facet in filters.active()
        ]:
            found = entries if facet is None else matching(filter_set)
            sample = list(_sample(found, matches is not None).values_list(*FACET_COLUMNS, "id"))
            sampled = len(sample) > database.EXACT_LIMIT // database.SAMPLE_MODULUS
            if sampled:
                set_rows = sample
            elif facet is None:  # every match, with what the page of hits needs
                # the date as seconds (a float8: no timestamp to parse per row), to sort by
                hit_entries = found.annotate(
                    score=score if ranked else Value(0.0),
                    newest=Cast(Extract("date", "epoch"), FloatField()),
                )
                set_rows = rows = list(hit_entries.values_list(*FACET_COLUMNS, *HIT_EXTRA))
            else:
                set_rows = list(found.values_list(*FACET_COLUMNS))
            set_counts = _facet_counts(set_rows, filter_set, sampled)
            approximate = approximate or sampled
            if facet is None:
                broad, in_sample = sampled, sorted(row[-1] for row in sample)
                counts.update(set_counts)
            else:
                counts[facet] = set_counts.get(facet, {})
        total = counts.pop("_total", {}).get("", 0)
        if not total:
            return BackendResult(0, [], offset, counts, approximate=approximate)
        if not broad:
            return BackendResult(
                total, _page(rows, ranked, offset, limit), offset, counts, approximate=approximate
            )
        # Broad: ranked among candidates fixed by the data (the entries whose title is the
        # query and the first RANK_CANDIDATES matches of the sample by id), then the other
        # matches by date. Ranking every match (16,000 rows for "mer" in 100,000 items) is
        # what made a broad query 3× slower; reading them all, even unranked, is what the
        # page costs: when it lies within the candidates, only those are read.
        if ranked:
            first = in_sample[: database.RANK_CANDIDATES]  # read with the sample's counts
            candidates = Q(id__in=first)
            if title_key:
                candidates |= Q(title_key=title_key)
            hit_entries = entries.filter(candidates) if offset + limit <= len(first) else entries
            hit_entries = hit_entries.annotate(
                score=Case(When(candidates, then=score), default=Value(0.0))
            )
            order = ("-score", F("date").desc(nulls_last=True), "id")
        else:
            hit_entries = entries.annotate(score=Value(0.0))
            order = (F("date").desc(nulls_last=True), "id")
        page = hit_entries.order_by(*order).values_list(*HIT_COLUMNS)[offset : offset + limit]
        hits: list[RawHit] = [_raw_hit(*row) for row in page]
        return BackendResult(total, hits, offset, counts, approximate=approximate)


def _sample(entries: QuerySet, words: bool = True) -> QuerySet:
    """The entries of the 1/SAMPLE_MODULUS sample: with words, the partial GIN index of
    migration 0004; filters alone, the covering partial index of migration 0005 (its extra,
    always true, condition on the kind keeps the planner from choosing it for words), read
    without visiting the table."""
    sample = entries.alias(sample=F("id") % database.SAMPLE_MODULUS).filter(sample=0)
    return sample if words else sample.exclude(kind="")


def _page(rows: list[tuple], ranked: bool, offset: int, limit: int) -> list[RawHit]:
    """A page of hits from every match's row (FACET_COLUMNS then HIT_EXTRA): by score, then
    newest first (no date last), then id — the order the broad path asks PostgreSQL for."""
    n = len(FACET_COLUMNS)

    def newest_first(row):
        seconds = row[n + 4]
        return (seconds is None, -seconds if seconds is not None else 0.0, row[n + 3])

    if ranked:
        ordered = sorted(rows, key=lambda row: (-row[n + 1], *newest_first(row)))
    else:
        ordered = sorted(rows, key=newest_first)
    # HIT_COLUMNS' order: kind, object_id, score, title_key, id, date, the id lists
    return [
        _raw_hit(row[0], row[n], row[n + 1], row[n + 2], row[n + 3], row[n + 4], *row[6:9])
        for row in ordered[offset : offset + limit]
    ]


def _facet_counts(rows: list[tuple], filters: Filters, sampled: bool) -> dict[str, dict[str, int]]:
    """Every facet's counts over `rows` (FACET_COLUMNS first), scaled and rounded when they
    are the sample's."""
    kinds, doc_types, audiences, languages, years = (Counter() for _ in range(5))
    branches, interests = Counter(), Counter()
    available_count = 0
    chosen = {str(b) for b in filters.branches}
    branch_column = 7 if filters.available else 6
    buckets: dict[int, str | None] = {}
    for row in rows:
        kinds[row[0]] += 1
        doc_types[row[1]] += 1
        audiences[row[2]] += 1
        languages[row[3]] += 1
        year = row[4]
        if year is not None:
            bucket = buckets.get(year, "")
            if bucket == "":
                bucket = buckets[year] = _year_bucket(year)
            if bucket:
                years[bucket] += 1
        if chosen:
            if row[7] and not chosen.isdisjoint(row[7].split()):
                available_count += 1
        elif row[5]:
            available_count += 1
        if row[branch_column]:
            branches.update(row[branch_column].split())
        if row[8]:
            interests.update(row[8].split())
    counts = {
        "_total": {"": len(rows)},
        "kind": kinds,
        "doc_type": doc_types,
        "audience": audiences,
        "language": languages,
        "year": years,
        "available": {"1": available_count} if available_count else {},
        "branch": branches,
        "interest": interests,
    }
    for name in ("doc_type", "audience", "language"):  # no value: not counted
        counts[name].pop("", None)
        counts[name].pop(None, None)
    out = {name: dict(values) for name, values in counts.items()}
    if sampled:
        modulus = database.SAMPLE_MODULUS
        out = {
            name: {value: _estimate(n * modulus) for value, n in values.items()}
            for name, values in out.items()
        }
    return out


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
