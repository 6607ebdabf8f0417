"""The `database` backend: the index lives in the project's database (search/models.py).

* SQLite: FTS5 (``search_fts``) over terms analysed in Python (:mod:`search.analysis`),
  ranked with BM25 (title > people > keywords > body); typo correction through a trigram
  FTS5 table over the vocabulary.
* PostgreSQL: a weighted tsvector generated with the ``affinites_fr`` configuration
  (unaccent + French Snowball stemmer) and a GIN index, ranked with ``ts_rank``; typo
  correction with pg_trgm ``similarity`` over the vocabulary (GIN trigram index).
* Any other database: ``LIKE`` matching (works, slowly; no ranking).

SQLite and other databases: every query is one statement for the hits and one for the facet
counts (a materialised CTE of the matching ids grouped by each facet), plus one per facet
with an active filter (its counts ignore its own filter, so that values can be combined).

PostgreSQL (see _search_postgresql): the query's words analysed (and checked against the
vocabulary for typos) in one statement, then two whatever the filters — the sample counts
that tell exact from estimated, then every facet count (one materialised CTE per filter set)
and the page of hits: from the same rows when exact, ranked among candidates when broad.
Médiathèque and interest filters are conditions on the entries' id lists (GIN indexes,
migration 0005): the join tables SearchEntryBranch / SearchEntryInterest are not written
there.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterable, Sequence

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from ..analysis import (
    ParsedQuery,
    add_vocabulary,
    analyze,
    analyze_for_index,
    fold,
    prefix_terms,
    variants,
)
from ..documents import Document, Suggestion
from ..models import (
    SearchEntry,
    SearchEntryBranch,
    SearchEntryInterest,
    SearchSuggestion,
    SearchTerm,
)
from .base import (
    YEAR_RANGES,
    BackendResult,
    Filters,
    MemberProfile,
    RawHit,
    SearchBackend,
    SuggestionHit,
)

CHUNK = 500  # ids per IN (...) list
MIN_TYPO_LENGTH = 4
TYPO_SIMILARITY = 0.3
SQLITE_WEIGHTS = (10.0, 5.0, 2.5, 1.0)  # title, people, keywords, body
PG_WEIGHTS = "{0.1, 0.25, 0.5, 1.0}"  # D (body), C (keywords), B (people), A (title)
SUGGESTION_CAPS = {"interest": 2, "community": 2, "author": 3, "title": 8}
# PostgreSQL, very broad queries (see _search_postgresql): up to EXACT_LIMIT matching entries
# everything is exact; above, the total and the facet counts are estimated from the entries
# whose id is a multiple of SAMPLE_MODULUS (a partial GIN index, migration 0004), and the
# ranking looks at the entries whose title matches (when at most RANK_CANDIDATES do) plus up to
# RANK_CANDIDATES of the sample's matches
EXACT_LIMIT = 2000
SAMPLE_MODULUS = 16
RANK_CANDIDATES = 1000

_lock = threading.Lock()


def _fts_quote(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _ts_quote(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def _trigrams(word: str) -> set[str]:
    padded = f"  {word} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def similarity(a: str, b: str) -> float:
    """pg_trgm's similarity: shared trigrams / all trigrams (words padded with spaces)."""
    ta, tb = _trigrams(a), _trigrams(b)
    return len(ta & tb) / len(ta | tb) if ta and tb else 0.0


_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _edits(word: str) -> dict[str, set[str]]:
    """Every word one edit away from `word`, by kind of edit."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    return {
        "transpose": {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1 and b[0] != b[1]},
        "delete": {a + b[1:] for a, b in splits if b},
        "insert": {a + c + b for a, b in splits for c in _LETTERS},
        "replace": {a + c + b[1:] for a, b in splits if b for c in _LETTERS if c != b[0]},
    }


def _chunks(seq: Sequence, size: int = CHUNK):
    for i in range(0, len(seq), size):
        yield seq[i : i + size]


def _placeholders(n: int) -> str:
    return ", ".join(["%s"] * n)


def entry_fields(doc: Document) -> dict:
    """The `SearchEntry` columns of one document (the ORM paths: other databases, and the
    row-by-row baseline of the search bench)."""
    return {
        "kind": doc.kind,
        "object_id": doc.object_id,
        "title": doc.title[:500],
        "title_key": doc.title_key,
        "people": doc.people,
        "keywords": doc.keywords,
        "body": doc.body,
        "doc_type": doc.doc_type,
        "audience": doc.audience,
        "language": doc.language,
        "year": doc.year,
        "date": doc.date,
        "expires_at": doc.expires_at,
        "available": doc.available,
        "branch_ids": " ".join(str(b) for b in doc.branches),
        "available_branch_ids": " ".join(str(b) for b, ok in doc.branches.items() if ok),
        "interest_ids": " ".join(str(i) for i in doc.interests),
        "boost": doc.boost,
    }


class DatabaseBackend(SearchBackend):
    name = "database"

    def __init__(self, **options) -> None:
        super().__init__(**options)
        self._known_terms: set[str] = set()
        self._rebuild_authors: set[tuple[str, str]] = set()

    @property
    def vendor(self) -> str:
        return connection.vendor

    # ==== searching ==========================================================================

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
        now = timezone.now()
        match = self._match(query)
        if self.vendor == "postgresql":
            # the hits' branches and interests only for a member's re-ranking
            details = with_details and not profile.is_neutral
            return self._search_postgresql(
                query, match, filters, sort, now, offset, limit, details=details
            )
        relaxed = False
        counts = self._counts(match, filters, now)
        total = counts.pop("_total", {}).get("", 0)
        if total == 0 and match.relaxable:
            match = match.relaxed()
            counts = self._counts(match, filters, now)
            total = counts.pop("_total", {}).get("", 0)
            relaxed = total > 0
        hits = self._hits(match, filters, sort, now, offset, limit) if total else []
        if with_details and hits and not profile.is_neutral:
            self._details(hits)
        return BackendResult(total, hits, offset, counts, relaxed)

    # --- PostgreSQL -------------------------------------------------------------------------

    def _search_postgresql(
        self,
        query: ParsedQuery,
        match: _Match,
        filters: Filters,
        sort: str,
        now: dt.datetime,
        offset: int,
        limit: int,
        *,
        details: bool = True,
    ) -> BackendResult:
        """Counts and hits with a cost bounded by EXACT_LIMIT, whatever the number of matches.

        Visiting every matching row (to count it, to rank it, to add it to the facets) is what
        costs: a word found in 15 % of 100,000 items meant 15,000 rows read, ranked and
        unnested per search. So a first statement counts the matches in the sample (its
        partial index), up to EXACT_LIMIT / SAMPLE_MODULUS + 1, for the filters and for each
        facet's own counts (which ignore that facet's filter). Up to about EXACT_LIMIT
        matches, everything is exact, and the hits are ranked from the same rows as the
        counts, in the same statement. Above, the total and the facet counts are estimated
        from the 1/SAMPLE_MODULUS sample (flagged `approximate`: the page shows "≈"), and
        hits are ranked among the entries whose title is the query, all the entries whose
        title matches when there are at most RANK_CANDIDATES, and the first RANK_CANDIDATES
        by id of the sample's matches (sort by date stays exact: it needs no ranking).
        """
        result = self._pg_run(query, match, filters, sort, now, offset, limit, details)
        if result.total == 0 and match.relaxable:
            relaxed = self._pg_run(
                query, match.relaxed(), filters, sort, now, offset, limit, details
            )
            if relaxed.total:
                relaxed.relaxed = True
                return relaxed
        return result

    def _pg_run(
        self,
        query: ParsedQuery,
        match: _Match,
        filters: Filters,
        sort: str,
        now: dt.datetime,
        offset: int,
        limit: int,
        details: bool = True,
    ) -> BackendResult:
        # the filters, then each active facet without its own filter (its counts)
        sets: list[tuple[str | None, Filters]] = [(None, filters)]
        sets += [(facet, filters.without(facet)) for facet in filters.active()]
        broad = self._pg_broad(match, [f for _, f in sets], now)
        sample = broad[0]  # the others match more entries: broad too
        specs = [
            (f, None if facet is None else [facet], sample or is_broad)
            for (facet, f), is_broad in zip(sets, broad, strict=True)
        ]
        if sample:  # the page ranked among candidates (see _hits), in the same statement
            candidates = match.ranked and sort != "date"
            page = self._hits_statement(
                match,
                filters,
                sort,
                now,
                offset,
                limit,
                candidates=query.title_key if candidates else None,
            )
            order = (
                "date DESC NULLS LAST, id"
                if sort == "date" or not match.ranked
                else "score DESC, date DESC NULLS LAST, id"
            )
            by_set, hits, labels = self._pg_facets(
                match, specs, now, None, (*page, order), details=details
            )
        else:
            by_set, hits, labels = self._pg_facets(
                match, specs, now, (sort, offset, limit), details=details
            )
        counts = by_set[0]
        estimated = set(counts) if sample else set()
        for (facet, _f), set_counts, (_, _, sampled) in zip(
            sets[1:], by_set[1:], specs[1:], strict=True
        ):
            counts.update(set_counts)
            if sampled:
                estimated.add(facet)
        total = counts.pop("_total", {}).get("", 0)
        if sample:  # estimates: two significant digits, no false precision
            total = _estimate(total)
        for facet in estimated - {"_total"}:
            counts[facet] = {v: _estimate(n) for v, n in counts.get(facet, {}).items()}
        return BackendResult(
            total, hits or [], offset, counts, False, bool(estimated), labels=labels
        )

    def _pg_broad(self, match: _Match, filter_sets: list[Filters], now) -> list[bool]:
        """Whether more than about EXACT_LIMIT entries match, for each filter set, judged on
        the sample (cheap: its partial index, at most EXACT_LIMIT / SAMPLE_MODULUS + 1 rows
        read each), in one statement. The first set is the strictest: when it is broad, the
        others are not counted (CASE evaluates their subquery only when needed)."""
        limit = EXACT_LIMIT // SAMPLE_MODULUS
        counts: list[tuple[str, list]] = []
        for n, filters in enumerate(filter_sets):
            where, params = self._where(filters, now)
            where.append(match.sample)
            counts.append(
                (
                    f"(SELECT COUNT(*) FROM (SELECT 1 FROM {match.source} "
                    f"WHERE {' AND '.join(match.where + where)} LIMIT %s) s{n})",
                    match.params + params + [limit + 1],
                )
            )
        columns, params = ["b.c0"], []
        for sql, sql_params in counts[1:]:
            columns.append(f"CASE WHEN b.c0 > %s THEN %s ELSE {sql} END")
            params += [limit, limit + 1, *sql_params]
        # MATERIALIZED: the first count once (inlined, each mention would count again)
        sql = f"WITH b AS MATERIALIZED (SELECT {counts[0][0]} AS c0) SELECT {', '.join(columns)} FROM b"
        with connection.cursor() as cursor:
            cursor.execute(sql, counts[0][1] + params)
            return [count > limit for count in cursor.fetchone()]

    def _pg_facets(
        self,
        match: _Match,
        specs: list[tuple[Filters, list[str] | None, bool]],
        now: dt.datetime,
        hits: tuple[str, int, int] | None,
        page: tuple[str, list, str] | None = None,
        *,
        details: bool = True,
    ) -> tuple[
        list[dict[str, dict[str, int]]], list[RawHit] | None, dict[str, dict[str, str | None]]
    ]:
        """Facet counts of every filter set in one statement, one pass over the matches of
        each: GROUPING SETS for the one-value facets, a set-returning unnest in the select
        list (no per-row function scan) for branches and interests. A spec is (filters,
        facets wanted or None for all and the total, over the sample). With `hits`
        (sort, offset, limit), the first set's rows also give the page of hits; with `page`
        (a statement of _hits_statement, its parameters and its order on the statement's
        columns), the page of hits comes from it, in the same statement; without `details`,
        the hits come without their id lists (branches, interests: a member's re-ranking
        only). Also returns the labels of the médiathèque and interest values counted (None:
        no such row)."""
        ctes, cte_params, parts, part_params = [], [], [], []
        decoders = []
        # the date orders the hits but is not read back (no timestamp to parse per hit)
        lists = (
            "branch_list, available_list, interest_list"
            if details
            else "NULL::text, NULL::text, NULL::text"
        )
        hit_columns = f"kind, object_id, score, title_key, id, NULL::timestamptz, {lists}"
        # the hit columns after the first (kind, or a médiathèque or interest label)
        hit_rest = (
            ", NULL::bigint, NULL::float8, NULL::text, NULL::bigint, "
            "NULL::timestamptz, NULL::text, NULL::text, NULL::text"
        )
        empty_hit = ", NULL::text" + hit_rest
        year_case = (
            "CASE "
            + " ".join(
                _year_when(key, low, high).replace("m.year", "e.year")
                for key, (_, low, high) in YEAR_RANGES.items()
            )
            + " END"
        )
        score = match.score if match.ranked else "0"
        score_params = match.score_params if match.ranked else []
        # The first set (the filters) is a subset of every other (the filters without one
        # facet's): when one of them is read at the same scale (both exact or both over the
        # sample), the first set's rows are picked among its rows in memory instead of
        # being read from the table again (index and heap) — e.g. "montagne" available at
        # a médiathèque: the matches at that médiathèque, then those available there.
        # Words only: filters alone read a covering index of the sample, cheaper than rows.
        source = next(
            (
                n
                for n, (_, _, sample) in enumerate(specs)
                if n and sample == specs[0][2] and match.tsquery is not None
            ),
            None,
        )
        ctes_by_set: dict[int, list[tuple[str, list]]] = {}
        for n, (filters, groups, sample) in enumerate(specs):
            alias = f"m{n}"
            where, params = self._where(filters, now)
            if sample:
                where.append(match.sample)
            if filters.branches:
                available = "string_to_array(e.available_branch_ids, ' ') && %s::text[]"
                available_params = [[str(b) for b in filters.branches]]
            else:
                available, available_params = "e.available", []
            branch_column = "available_branch_ids" if filters.available else "branch_ids"
            columns = (
                f"e.kind, e.doc_type, e.audience, e.language, "
                f"{year_case} AS year, CASE WHEN {available} THEN '1' END AS available, "
                f"e.{branch_column} AS branches, e.interest_ids AS interests"
            )
            derived = source is not None and n in (0, source)
            extra, extra_params = "", []
            if n == 0 and hits is not None:
                extra = (
                    f", e.object_id, {'e.score' if derived else f'{score} * e.boost'} AS score, "
                    "e.title_key, e.id, e.date, e.branch_ids AS branch_list, "
                    "e.available_branch_ids AS available_list, e.interest_ids AS interest_list"
                )
                extra_params = [] if derived else score_params
            if not derived:
                ctes_by_set[n] = [
                    (
                        f"{alias} AS MATERIALIZED (SELECT {columns}{extra} "
                        f"FROM {match.source} WHERE {' AND '.join(match.where + where)})",
                        available_params + extra_params + match.params + params,
                    )
                ]
            elif n == source:
                # its rows with the columns either set needs, then its own columns
                raw_hit, raw_params = "", []
                if hits is not None:
                    raw_hit = (
                        f", e.id, e.object_id, e.title_key, e.date, {score} * e.boost AS score"
                    )
                    raw_params = score_params
                ctes_by_set[n] = [
                    (
                        f"r{n} AS MATERIALIZED (SELECT e.kind, e.doc_type, e.audience, "
                        "e.language, e.year, e.available, e.branch_ids, e.available_branch_ids, "
                        f"e.interest_ids, e.expires_at{raw_hit} "
                        f"FROM {match.source} WHERE {' AND '.join(match.where + where)})",
                        raw_params + match.params + params,
                    ),
                    (f"{alias} AS MATERIALIZED (SELECT {columns} FROM r{n} e)", available_params),
                ]
            else:  # the first set, among the source's rows: its filters (not the match)
                where, params = self._where(filters, now)
                ctes_by_set[n] = [
                    (
                        f"{alias} AS MATERIALIZED (SELECT {columns}{extra} FROM r{source} e "
                        f"WHERE {' AND '.join(where)})",
                        available_params + extra_params + params,
                    )
                ]
            single = ["kind", "doc_type", "audience", "language", "year", "available"]
            names = ["_total", *single, "branch", "interest"] if groups is None else groups
            wanted = [name for name in single if name in names]
            decoders.append((names, wanted, SAMPLE_MODULUS if sample else 1))
            m = alias
            if wanted or "_total" in names:
                sets = ", ".join(f"({m}.{name})" for name in wanted)
                grouping = (
                    f"GROUPING({', '.join(f'{m}.{name}' for name in wanted)})" if wanted else "0"
                )
                value = (
                    f"COALESCE({', '.join(f'{m}.{name}' for name in wanted)})" if wanted else "''"
                )
                every = ["()"] if "_total" in names else []  # the grand total: all grouped
                parts.append(
                    f"SELECT {n}, {grouping}, CAST({value} AS TEXT), COUNT(*){empty_hit} "
                    f"FROM {m} GROUP BY GROUPING SETS ({', '.join([sets] * bool(sets) + every)})"
                )
            for name, column, code in (
                ("branch", "branches", -1),
                ("interest", "interests", -2),
            ):
                if name in names:
                    parts.append(
                        f"SELECT {n}, {code}, x.id, COUNT(*){empty_hit} FROM (SELECT "
                        f"unnest(string_to_array({m}.{column}, ' ')) AS id FROM {m}) x "
                        "GROUP BY x.id"
                    )
        # every médiathèque's and interest's label (a few dozen short rows, planned in no
        # time), in the first hit column: label_facets needs no statement of its own
        parts += [f"SELECT 0, {code}, {sql}" for code, sql in _facet_label_rows(hit_rest)]
        order_of_sets = (
            [source, *(n for n in ctes_by_set if n != source)] if source else ctes_by_set
        )
        for n in order_of_sets:
            for sql_, params_ in ctes_by_set[n]:
                ctes.append(sql_)
                cte_params += params_
        if hits is not None:
            sort, offset, limit = hits
            order = (
                "date DESC NULLS LAST, id"
                if sort == "date" or not match.ranked
                else "score DESC, date DESC NULLS LAST, id"
            )
            parts.append(
                f"(SELECT 0, -3, NULL::text, row_number() OVER (ORDER BY {order}), "
                f"{hit_columns} FROM m0 ORDER BY {order} LIMIT %s OFFSET %s)"
            )
            part_params += [limit, offset]
        elif page is not None:
            page_sql, page_params, order = page
            lists = (
                "branch_ids, available_branch_ids, interest_ids"
                if details
                else "NULL::text, NULL::text, NULL::text"
            )
            parts.append(
                f"(SELECT 0, -3, NULL::text, row_number() OVER (ORDER BY {order}), kind, "
                f"object_id, score, title_key, id, NULL::timestamptz, {lists} "
                f"FROM ({page_sql}) p)"
            )
            part_params += page_params
        sql = f"WITH {', '.join(ctes)} " + " UNION ALL ".join(parts)
        out = [{name: {} for name in names} for names, _, _ in decoders]
        ranked: list[tuple[int, RawHit]] = []
        labels: dict[str, dict[str, str | None]] = {"branch": {}, "interest": {}}
        with connection.cursor() as cursor:
            cursor.execute(sql, cte_params + part_params)
            rows = cursor.fetchall()
        for n, code, value, count, *hit in rows:
            if code == -3:  # a hit: its rank in `count`
                ranked.append((count, _raw_hit(*hit)))
                continue
            if code in (-4, -5):  # a label
                labels["branch" if code == -4 else "interest"][str(value)] = hit[0]
                continue
            names, wanted, scale = decoders[n]
            all_grouped = (1 << len(wanted)) - 1
            if code in (-1, -2):
                facet = "branch" if code == -1 else "interest"
            elif code == all_grouped:
                if "_total" not in names:
                    continue
                facet, value = "_total", ""
            else:  # GROUPING(): a bit set for every column not grouped, first is highest
                position = next(
                    i for i in range(len(wanted)) if not code & (1 << (len(wanted) - 1 - i))
                )
                facet = wanted[position]
            if value is None or value == "":
                if facet != "_total":
                    continue
                value = ""
            out[n].setdefault(facet, {})[str(value)] = int(count) * scale
        for (names, _, _), counts in zip(decoders, out, strict=True):
            if "_total" in names:
                counts.setdefault("_total", {}).setdefault("", 0)
            for facet, known in labels.items():  # counted but gone since: no label
                for value in counts.get(facet, ()):
                    known.setdefault(value, None)
        if hits is None and page is None:
            return out, None, labels
        return out, [hit for _, hit in sorted(ranked, key=lambda pair: pair[0])], labels

    # --- matching -----------------------------------------------------------------------------

    def _match(self, query: ParsedQuery) -> _Match:
        vendor = self.vendor
        if query.isbns:
            return _Match.isbn(vendor, query.isbns)
        if not query.groups:
            if query.title_key:  # nothing but stop words ("Nous", "Elle et lui"): whole title
                return _Match.title(query.title_key)
            return _Match.everything()
        if vendor == "postgresql":
            # the words analysed and the vocabulary checked in one statement; analysed again
            # only when a typo was corrected
            groups, known = self._pg_groups(query, check=self._typo_candidates(query))
            if self._correct(query, known=known):
                groups, _known = self._pg_groups(query)
            return _Match.postgresql(groups)
        self._correct(query)
        if vendor == "sqlite":
            return _Match.sqlite(query.groups)
        return _Match.like([group[0] for group in query.groups])

    @staticmethod
    def _typo_candidates(query: ParsedQuery) -> list[str]:
        return [w for w in query.words if len(w) >= MIN_TYPO_LENGTH and w.isalpha()]

    def _correct(self, query: ParsedQuery, known: set[str] | None = None) -> bool:
        """Replace words the index does not know by the nearest known word (typos); whether
        any was. `known`: the candidates found in the vocabulary, when already looked up."""
        candidates = self._typo_candidates(query)
        if not candidates:
            return False
        if known is None:
            known = self._known_terms_among(candidates)
        corrections = {}
        for word in candidates:
            if word in known:
                continue
            best = self._nearest_term(word)
            if best and best != word:
                corrections[word] = best
        if corrections:
            query.apply_corrections(corrections)
        return bool(corrections)

    def _nearest_term(self, word: str) -> str | None:
        """One edit away first (a letter swapped, missing, extra or wrong: "dnue" → "dune"),
        else the most similar word by trigrams (pg_trgm on PostgreSQL, FTS5 on SQLite)."""
        edits = _edits(word)
        found = self._known_terms_among(sorted(set().union(*edits.values())))
        kinds = (
            ("transpose", "delete", "insert", "replace")
            if len(word) > 4
            else ("transpose", "delete")
        )
        for kind in kinds:
            hits = sorted(found & edits[kind], key=lambda t: (-similarity(word, t), t))
            if hits:
                return hits[0]
        return self._nearest_by_trigrams(word)

    def _known_terms_among(self, words: list[str]) -> set[str]:
        """The words that are in the vocabulary. On PostgreSQL a join on the unique btree
        index: with `term IN (…500 edits…)` the planner may pick the trigram GIN index,
        which answers equality by trigrams (seconds instead of a millisecond)."""
        found: set[str] = set()
        if self.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT t.term FROM unnest(%s::text[]) AS c(word) "
                    "JOIN search_searchterm t ON t.term = c.word",
                    [list(words)],
                )
                return {row[0] for row in cursor.fetchall()}
        for chunk in _chunks(list(words)):
            found.update(SearchTerm.objects.filter(term__in=chunk).values_list("term", flat=True))
        return found

    def _nearest_by_trigrams(self, word: str) -> str | None:
        if self.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT term FROM search_searchterm WHERE term %% %s "
                    "AND similarity(term, %s) >= %s "
                    "ORDER BY similarity(term, %s) DESC, abs(length(term) - length(%s)), term "
                    "LIMIT 1",
                    [word, word, TYPO_SIMILARITY, word, word],
                )
                row = cursor.fetchone()
            return row[0] if row else None
        if self.vendor == "sqlite":
            grams = sorted({word[i : i + 3] for i in range(len(word) - 2)})
            if not grams:
                return None
            expression = " OR ".join(_fts_quote(g) for g in grams)
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT term FROM search_term_fts WHERE search_term_fts MATCH %s "
                    "ORDER BY rank LIMIT 200",
                    [expression],
                )
                rows = [r[0] for r in cursor.fetchall()]
            scored = [(similarity(word, t), -abs(len(t) - len(word)), t) for t in rows]
            scored = [s for s in scored if s[0] >= TYPO_SIMILARITY]
            if not scored:
                return None
            scored.sort(key=lambda s: (-s[0], -s[1], s[2]))
            return scored[0][2]
        return None

    def _pg_groups(
        self, query: ParsedQuery, check: Sequence[str] = ()
    ) -> tuple[list[list[str]], set[str]]:
        """The query's words and their singular / plural, analysed by PostgreSQL itself; and
        which of the words of `check` are in the vocabulary (as _known_terms_among), in the
        same statement."""
        words_ = query.corrected_words
        rows = [(n, v) for n, word in enumerate(words_) for v in variants(word)]
        if not rows and not check:
            return [], set()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT v.n, tsvector_to_array(to_tsvector('affinites_fr', v.word)) "
                "FROM unnest(%s::int[], %s::text[]) AS v(n, word) "
                "UNION ALL SELECT -1, ARRAY[t.term] FROM unnest(%s::text[]) AS c(word) "
                "JOIN search_searchterm t ON t.term = c.word",
                [[n for n, _ in rows], [v for _, v in rows], list(check)],
            )
            analysed = cursor.fetchall()
        groups: dict[int, list[str]] = {}
        known: set[str] = set()
        for n, lexemes in analysed:
            if n == -1:
                known.update(lexemes)
                continue
            for lexeme in lexemes or []:
                if lexeme not in groups.setdefault(n, []):
                    groups[n].append(lexeme)
        return [groups[n] for n in sorted(groups) if groups[n]], known

    # --- filters ------------------------------------------------------------------------------

    def _where(self, filters: Filters, now: dt.datetime) -> tuple[list[str], list]:
        where = ["(e.expires_at IS NULL OR e.expires_at >= %s)"]
        params: list = [connection.ops.adapt_datetimefield_value(now)]
        for column, values in (
            ("e.kind", filters.kinds),
            ("e.doc_type", filters.doc_types),
            ("e.audience", filters.audiences),
            ("e.language", filters.languages),
        ):
            if values:
                where.append(f"{column} IN ({_placeholders(len(values))})")
                params.extend(values)
        bounds = filters.year_bounds()
        if bounds:
            parts = []
            for low, high in bounds:
                conds = []
                if low is not None:
                    conds.append("e.year >= %s")
                    params.append(low)
                if high is not None:
                    conds.append("e.year <= %s")
                    params.append(high)
                parts.append("(" + " AND ".join(conds or ["e.year IS NOT NULL"]) + ")")
            where.append("(" + " OR ".join(parts) + ")")
        if self.vendor == "postgresql":
            # the entry's id lists, GIN-indexed (migration 0005): an index condition, combined
            # with the full-text index in one bitmap
            if filters.interests:
                where.append("string_to_array(e.interest_ids, ' ') && %s::text[]")
                params.append([str(i) for i in filters.interests])
            if filters.branches:
                column = "available_branch_ids" if filters.available else "branch_ids"
                where.append(f"string_to_array(e.{column}, ' ') && %s::text[]")
                params.append([str(b) for b in filters.branches])
            elif filters.available:
                where.append("e.available = %s")
                params.append(True)
            return where, params
        # uncorrelated IN (…): evaluated once, whatever the number of matching entries
        if filters.interests:
            where.append(
                "e.id IN (SELECT i.entry_id FROM search_searchentryinterest i WHERE "
                f"i.interest_id IN ({_placeholders(len(filters.interests))}))"
            )
            params.extend(filters.interests)
        if filters.branches:
            available = " AND b.available = %s" if filters.available else ""
            where.append(
                "e.id IN (SELECT b.entry_id FROM search_searchentrybranch b WHERE "
                f"b.branch_id IN ({_placeholders(len(filters.branches))}){available})"
            )
            params.extend(filters.branches)
            if filters.available:
                params.append(True)
        elif filters.available:
            where.append("e.available = %s")
            params.append(True)
        return where, params

    # --- hits ---------------------------------------------------------------------------------

    def _hits(
        self,
        match: _Match,
        filters: Filters,
        sort: str,
        now: dt.datetime,
        offset: int,
        limit: int,
        candidates: str | None = None,
    ) -> list[RawHit]:
        """A page of hits (see _hits_statement)."""
        sql, params = self._hits_statement(
            match, filters, sort, now, offset, limit, candidates=candidates
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        return [_raw_hit(*row) for row in rows]

    def _hits_statement(
        self,
        match: _Match,
        filters: Filters,
        sort: str,
        now: dt.datetime,
        offset: int,
        limit: int,
        candidates: str | None = None,
    ) -> tuple[str, list]:
        """The statement of a page of hits and its parameters. With `candidates`
        (PostgreSQL, a very broad query: see _search_postgresql), ranked among the entries
        whose title key is `candidates`, every entry whose title matches when at most
        RANK_CANDIDATES do, and the first RANK_CANDIDATES by id of the matches in the
        sample (sets fixed by the data, whatever the plan), then the other matches by date.
        Columns: kind, object_id, score, title_key, id, date and on PostgreSQL branch_ids,
        available_branch_ids, interest_ids."""
        where, params = self._where(filters, now)
        score = match.score if match.ranked else "0"
        order = (
            "e.date DESC NULLS LAST, e.id"
            if sort == "date" or not match.ranked
            else "score DESC, e.date DESC NULLS LAST, e.id"
        )
        conditions = " AND ".join(match.where + where)
        # PostgreSQL: what re-ranking needs, without another query (see _details)
        lists = (
            ", e.branch_ids, e.available_branch_ids, e.interest_ids"
            if self.vendor == "postgresql"
            else ""
        )

        def columns_scored(score_sql: str) -> str:
            return f"e.kind, e.object_id, {score_sql} AS score, e.title_key, e.id, e.date{lists}"

        columns = columns_scored(f"{score} * e.boost")
        if candidates is not None and match.tsquery is not None:
            # each source ranks its own rows; UNION removes the duplicates. Every source is
            # a set fixed by the data, never "the first N rows" of a scan (whose order
            # depends on the plan, parallel workers, synchronised scans): page 2 is ranked
            # from the same candidates as page 1.
            filters_only = " AND ".join(where)
            match_params = match.score_params + match.params + params
            parts = [
                # every entry whose title matches, when there are at most RANK_CANDIDATES
                # (the title index; a title that matches implies a match: tsv holds the
                # title), none when there are more: the sample has a share of them
                f"(SELECT {columns} FROM (SELECT e.*, count(*) OVER () AS title_matches "
                f"FROM (SELECT e.* FROM search_searchentry e WHERE {filters_only} AND "
                "to_tsvector('affinites_fr'::regconfig, e.title) @@ %s::tsquery LIMIT %s) e) e "
                "WHERE e.title_matches <= %s)",
                # the matches in the 1/SAMPLE_MODULUS sample (its partial index), the first
                # RANK_CANDIDATES by id
                f"(SELECT {columns} FROM (SELECT e.* FROM search_searchentry e "
                f"WHERE {conditions} AND {match.sample} ORDER BY e.id LIMIT %s) e)",
            ]
            all_params = (
                match.score_params
                + params
                + [match.tsquery, RANK_CANDIDATES + 1, RANK_CANDIDATES]
                + match_params
                + [RANK_CANDIDATES]
            )
            if candidates:
                parts.insert(
                    0,
                    f"(SELECT {columns} FROM search_searchentry e WHERE {conditions} "
                    "AND e.title_key = %s)",
                )
                all_params = match_params + [candidates] + all_params
            # Past the candidates (a deep page), the other matches follow by date: one total
            # order over every match, candidates first (their score is positive, the others'
            # 0). The one-time filter skips reading them when the page lies within the
            # candidates, as nearly every page does.
            rest_columns = columns_scored("0::float8")
            order = order.replace("e.date", "date").replace("e.id", "id")
            sql = (
                f"WITH candidates AS MATERIALIZED ({' UNION '.join(parts)}) "
                "SELECT * FROM (SELECT * FROM candidates UNION ALL "
                f"SELECT {rest_columns} FROM {match.source} WHERE {conditions} "
                "AND (SELECT COUNT(*) FROM candidates) < %s "
                "AND NOT EXISTS (SELECT 1 FROM candidates c WHERE c.id = e.id)) e "
                f"ORDER BY {order} LIMIT %s OFFSET %s"
            )
            all_params += match.params + params + [offset + limit, limit, offset]
        else:
            sql = (
                f"SELECT {columns} FROM {match.source} WHERE {conditions} "
                f"ORDER BY {order} LIMIT %s OFFSET %s"
            )
            all_params = match.score_params + match.params + params + [limit, offset]
        return sql, all_params

    def _details(self, hits: list[RawHit]) -> None:
        """The branches and interests of the hits (re-ranking). PostgreSQL: already read
        from the entries' id lists by _hits."""
        if self.vendor == "postgresql":
            return
        by_entry = {hit.entry_id: hit for hit in hits}  # type: ignore[attr-defined]
        for hit in hits:
            hit.branches, hit.interests = {}, []
        ids = list(by_entry)
        for chunk in _chunks(ids):
            for entry_id, branch_id, available in SearchEntryBranch.objects.filter(
                entry_id__in=chunk
            ).values_list("entry_id", "branch_id", "available"):
                by_entry[entry_id].branches[branch_id] = bool(available)
            for entry_id, interest_id in SearchEntryInterest.objects.filter(
                entry_id__in=chunk
            ).values_list("entry_id", "interest_id"):
                by_entry[entry_id].interests.append(interest_id)

    # --- facets -------------------------------------------------------------------------------

    def _counts(
        self, match: _Match, filters: Filters, now: dt.datetime
    ) -> dict[str, dict[str, int]]:
        counts = self._facet_query(match, filters, now, groups=None)
        for facet in filters.active():
            counts.update(self._facet_query(match, filters.without(facet), now, groups=[facet]))
        return counts

    def _facet_query(
        self, match: _Match, filters: Filters, now: dt.datetime, groups: list[str] | None
    ) -> dict[str, dict[str, int]]:
        where, params = self._where(filters, now)
        cte = (
            "SELECT e.id, e.kind, e.doc_type, e.audience, e.language, e.year, e.available"
            + (
                ", e.branch_ids, e.available_branch_ids, e.interest_ids"
                if self.vendor == "postgresql"
                else ""
            )
            + f" FROM {match.source} WHERE {' AND '.join(match.where + where)}"
        )
        cte_params = match.params + params
        year_case = (
            "CASE "
            + " ".join(_year_when(key, low, high) for key, (_, low, high) in YEAR_RANGES.items())
            + " END"
        )
        # SQLite: CROSS JOIN fixes the join order (each matched entry probes its own rows)
        join = "CROSS JOIN" if self.vendor == "sqlite" else "JOIN"
        branch_join = f"{join} search_searchentrybranch b ON b.entry_id = m.id"
        branch_params: list = []
        if filters.available:
            branch_join += " AND b.available = %s"
            branch_params.append(True)
        if filters.branches:
            available_sql = (
                "SELECT 'available', '1', COUNT(*) FROM m WHERE m.id IN (SELECT b.entry_id FROM "
                "search_searchentrybranch b WHERE b.available = %s AND "
                f"b.branch_id IN ({_placeholders(len(filters.branches))}))"
            )
            available_params = [True, *filters.branches]
        else:
            available_sql = "SELECT 'available', '1', COUNT(*) FROM m WHERE m.available = %s"
            available_params = [True]
        parts: dict[str, tuple[str, list]] = {
            "_total": ("SELECT '_total', '', COUNT(*) FROM m", []),
            "kind": ("SELECT 'kind', m.kind, COUNT(*) FROM m GROUP BY m.kind", []),
            "doc_type": (
                "SELECT 'doc_type', m.doc_type, COUNT(*) FROM m WHERE m.doc_type <> '' "
                "GROUP BY m.doc_type",
                [],
            ),
            "audience": (
                "SELECT 'audience', m.audience, COUNT(*) FROM m WHERE m.audience <> '' "
                "GROUP BY m.audience",
                [],
            ),
            "language": (
                "SELECT 'language', m.language, COUNT(*) FROM m WHERE m.language <> '' "
                "GROUP BY m.language",
                [],
            ),
            "year": (
                f"SELECT 'year', y.bucket, COUNT(*) FROM (SELECT {year_case} AS bucket FROM m "
                "WHERE m.year IS NOT NULL) y GROUP BY y.bucket",
                [],
            ),
            "available": (available_sql, available_params),
            "branch": (
                f"SELECT 'branch', CAST(b.branch_id AS TEXT), COUNT(*) FROM m {branch_join} "
                "GROUP BY b.branch_id",
                branch_params,
            )
            if self.vendor != "postgresql"
            else (
                "SELECT 'branch', x.id, COUNT(*) FROM m, unnest(string_to_array(m."
                + ("available_branch_ids" if filters.available else "branch_ids")
                + ", ' ')) AS x(id) GROUP BY x.id",
                [],
            ),
            "interest": (
                "SELECT 'interest', CAST(i.interest_id AS TEXT), COUNT(*) FROM m "
                f"{join} search_searchentryinterest i ON i.entry_id = m.id GROUP BY i.interest_id",
                [],
            )
            if self.vendor != "postgresql"
            else (
                "SELECT 'interest', x.id, COUNT(*) FROM m, "
                "unnest(string_to_array(m.interest_ids, ' ')) AS x(id) GROUP BY x.id",
                [],
            ),
        }
        names = list(parts) if groups is None else groups
        union = " UNION ALL ".join(parts[name][0] for name in names)
        union_params = [p for name in names for p in parts[name][1]]
        sql = f"WITH m AS MATERIALIZED ({cte}) {union}"
        out: dict[str, dict[str, int]] = {name: {} for name in names}
        with connection.cursor() as cursor:
            cursor.execute(sql, match.score_params_for_cte + cte_params + union_params)
            for facet, value, count in cursor.fetchall():
                out.setdefault(facet, {})[str(value) if value is not None else ""] = int(count)
        return out

    # ==== suggestions ========================================================================

    def suggest(self, prefix: str, limit: int = 8) -> list[SuggestionHit]:
        terms = prefix_terms(prefix)
        if not terms or sum(len(t) for t in terms) < 2:
            return []
        vendor = self.vendor
        fetch = 60
        if vendor == "sqlite":
            expression = (
                " ".join(_fts_quote(t) for t in terms[:-1]) + " " + _fts_quote(terms[-1]) + "*"
            )
            sql = (
                "SELECT s.kind, s.label, s.url, s.detail, s.key, s.weight FROM search_suggest_fts f "
                "JOIN search_searchsuggestion s ON s.id = f.rowid "
                "WHERE search_suggest_fts MATCH %s ORDER BY s.weight DESC, s.id LIMIT %s"
            )
            params = [expression.strip(), fetch]
        elif vendor == "postgresql":
            expression = " & ".join(
                [_ts_quote(t) for t in terms[:-1]] + [_ts_quote(terms[-1]) + ":*"]
            )
            sql = (
                "SELECT s.kind, s.label, s.url, s.detail, s.key, s.weight "
                "FROM search_searchsuggestion s "
                "WHERE to_tsvector('simple'::regconfig, s.key) @@ to_tsquery('simple', %s) "
                "ORDER BY s.weight DESC, s.id LIMIT %s"
            )
            params = [expression, fetch]
        else:
            sql = (
                "SELECT s.kind, s.label, s.url, s.detail, s.key, s.weight "
                "FROM search_searchsuggestion s WHERE s.key LIKE %s ORDER BY s.weight DESC LIMIT %s"
            )
            params = ["%" + " ".join(terms) + "%", fetch]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        return pick_suggestions(rows, " ".join(terms), limit)

    # ==== indexing ===========================================================================

    def index_documents(self, documents: list[Document]) -> None:
        if not documents:
            return
        with transaction.atomic():
            by_kind: dict[str, list[int]] = {}
            for doc in documents:
                by_kind.setdefault(doc.kind, []).append(doc.object_id)
            for kind, ids in by_kind.items():
                self._delete_entries(kind, ids)
            self._insert(documents)

    def remove(self, kind: str, ids: Iterable[int]) -> None:
        ids = [int(i) for i in ids]
        if not ids:
            return
        with transaction.atomic():
            self._delete_entries(kind, ids)
            if kind in ("catalogue", "community"):
                suggestion_kind = "title" if kind == "catalogue" else "community"
                for chunk in _chunks([str(i) for i in ids]):
                    self._delete_suggestions(
                        SearchSuggestion.objects.filter(kind=suggestion_kind, ref__in=chunk)
                    )

    def clear(self) -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            for table in (
                "search_searchentrybranch",
                "search_searchentryinterest",
                "search_searchentry",
                "search_searchsuggestion",
                "search_searchterm",
            ):
                cursor.execute(f"DELETE FROM {table}")
            if self.vendor == "sqlite":
                for table in ("search_fts", "search_suggest_fts", "search_term_fts"):
                    cursor.execute(f"DELETE FROM {table}")
        self._known_terms.clear()

    def rebuild(
        self,
        batches: Iterable[list[Document]],
        progress: Callable[[int], None] | None = None,
        extra_suggestions: Iterable[Suggestion] = (),
    ) -> int:
        """Clear and refill the index in one transaction: searches see the old index until
        the new one is committed."""
        count = 0
        self._rebuild_authors: set[tuple[str, str]] = set()
        with transaction.atomic():
            self.clear()
            if self.vendor == "postgresql":
                # GIN entries go to the pending list, merged in bulk at the end (much faster
                # than updating the index row by row)
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL gin_pending_list_limit = '2GB'")
            for batch in batches:
                self._insert(batch, rebuilding=True)
                count += len(batch)
                if progress:
                    progress(count)
            self._upsert_suggestions(list(extra_suggestions), rebuilding=True)
            if self.vendor == "postgresql":
                with connection.cursor() as cursor:
                    for index in (
                        "search_entry_tsv",
                        "search_entry_tsv_sample",
                        "search_entry_title_tsv",
                        "search_entry_branches",
                        "search_entry_available_branches",
                        "search_entry_interests",
                        "search_term_trgm",
                        "search_suggestion_tsv",
                    ):
                        cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [index])
        self._rebuild_authors = set()
        return count

    def after_rebuild(self) -> None:
        """PostgreSQL, outside a transaction: VACUUM (ANALYZE) of the search tables — planner
        statistics of the new rows, and the visibility map that lets searches without words
        count on the covering sample index alone (what autovacuum would do a little later)."""
        if self.vendor != "postgresql" or connection.in_atomic_block:
            return
        with connection.cursor() as cursor:
            cursor.execute(
                "VACUUM (ANALYZE) search_searchentry, search_searchsuggestion, search_searchterm"
            )

    def replace_interest_suggestions(self, suggestions: list[Suggestion]) -> None:
        with transaction.atomic():
            self._delete_suggestions(SearchSuggestion.objects.filter(kind="interest"))
            self._upsert_suggestions(suggestions)

    def count(self) -> int:
        return SearchEntry.objects.count()

    # --- erasure ------------------------------------------------------------------------------

    in_database = True

    def vocabulary_of(self, kind: str, ids: Iterable[int]) -> set[str]:
        words: set[str] = set()
        for chunk in _chunks([int(i) for i in ids]):
            rows = SearchEntry.objects.filter(kind=kind, object_id__in=chunk).values_list(
                "title", "people", "keywords", "body"
            )
            for texts in rows:
                add_vocabulary(" ".join(texts), words)
        return words

    def forget_terms(self, words: Iterable[str]) -> int:
        """Each word still in the vocabulary is looked up in the full-text index (its stem on
        SQLite, the French configuration on PostgreSQL: a superset of the entries that hold
        it); the entries found are analysed again, and the word is dropped when none holds
        it. Dropping one that is still used only costs a typo correction until the entry
        is indexed again; keeping one that is not would keep what erasure must remove."""
        candidates: set[str] = set()
        listed = sorted(set(words))
        for chunk in _chunks(listed):
            candidates.update(
                SearchTerm.objects.filter(term__in=chunk).values_list("term", flat=True)
            )
        orphans = sorted(w for w in candidates if not self._still_indexed(w))
        if not orphans:
            return 0
        with transaction.atomic():
            for chunk in _chunks(orphans):
                ids = list(SearchTerm.objects.filter(term__in=chunk).values_list("id", flat=True))
                if self.vendor == "sqlite" and ids:
                    with connection.cursor() as cursor:
                        cursor.execute(
                            f"DELETE FROM search_term_fts WHERE rowid IN ({_placeholders(len(ids))})",
                            ids,
                        )
                SearchTerm.objects.filter(id__in=ids).delete()
        with _lock:
            self._known_terms.difference_update(orphans)
        return len(orphans)

    def expunge_deleted(self) -> None:
        """SQLite: FTS5 keeps a deleted row's terms in its b-tree segments (search_fts_data)
        until they merge; 'optimize' merges them now. PostgreSQL: deleted row versions are
        unreachable at once and reclaimed by (auto)vacuum."""
        if self.vendor != "sqlite":
            return
        with connection.cursor() as cursor:
            for table in ("search_fts", "search_term_fts"):
                cursor.execute(f"INSERT INTO {table} ({table}) VALUES ('optimize')")

    def _still_indexed(self, word: str, batch: int = 200) -> bool:
        last = 0
        while True:
            ids = self._entries_matching(word, after=last, limit=batch)
            if not ids:
                return False
            for texts in SearchEntry.objects.filter(id__in=ids).values_list(
                "title", "people", "keywords", "body"
            ):
                found: set[str] = set()
                add_vocabulary(" ".join(texts), found)
                if word in found:
                    return True
            last = ids[-1]

    def _entries_matching(self, word: str, *, after: int, limit: int) -> list[int]:
        """Ids (> after, ascending) of entries that may hold `word`."""
        with connection.cursor() as cursor:
            if self.vendor == "sqlite":
                stems = analyze(word)
                if not stems:
                    return []
                cursor.execute(
                    "SELECT rowid FROM search_fts WHERE search_fts MATCH %s AND rowid > %s "
                    "ORDER BY rowid LIMIT %s",
                    [" OR ".join(_fts_quote(t) for t in stems), after, limit],
                )
                return [row[0] for row in cursor.fetchall()]
            if self.vendor == "postgresql":
                cursor.execute(
                    "SELECT id FROM search_searchentry "
                    "WHERE tsv @@ plainto_tsquery('affinites_fr', %s) AND id > %s "
                    "ORDER BY id LIMIT %s",
                    [word, after, limit],
                )
                return [row[0] for row in cursor.fetchall()]
        match = Q()
        for name in ("title", "people", "keywords", "body"):
            match |= Q(**{f"{name}__icontains": word})
        return list(
            SearchEntry.objects.filter(match, id__gt=after)
            .order_by("id")
            .values_list("id", flat=True)[:limit]
        )

    # --- writing ------------------------------------------------------------------------------

    def _delete_entries(self, kind: str, object_ids: list[int]) -> None:
        entry_ids: list[int] = []
        for chunk in _chunks(object_ids):
            entry_ids += list(
                SearchEntry.objects.filter(kind=kind, object_id__in=chunk).values_list(
                    "id", flat=True
                )
            )
        if not entry_ids:
            return
        with connection.cursor() as cursor:
            for chunk in _chunks(entry_ids):
                marks = _placeholders(len(chunk))
                if self.vendor != "postgresql":  # PostgreSQL: no rows there (_insert)
                    cursor.execute(
                        f"DELETE FROM search_searchentrybranch WHERE entry_id IN ({marks})", chunk
                    )
                    cursor.execute(
                        f"DELETE FROM search_searchentryinterest WHERE entry_id IN ({marks})",
                        chunk,
                    )
                if self.vendor == "sqlite":
                    cursor.execute(f"DELETE FROM search_fts WHERE rowid IN ({marks})", chunk)
                cursor.execute(f"DELETE FROM search_searchentry WHERE id IN ({marks})", chunk)

    def _reserve_ids(self, table: str, count: int) -> list[int]:
        """Ids for `count` new rows (inserted with explicit ids, in bulk, without the ORM)."""
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    [table, count],
                )
                return [row[0] for row in cursor.fetchall()]
            # SQLite: the transaction holds the write lock (transaction_mode IMMEDIATE)
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
            first = cursor.fetchone()[0] + 1
            return list(range(first, first + count))

    def _insert(self, documents: list[Document], *, rebuilding: bool = False) -> None:
        """Write the entries, their branches and interests, full-text rows, vocabulary and
        suggestions of new documents with a few multi-row statements."""
        if not documents:
            return
        if self.vendor not in ("sqlite", "postgresql"):
            return self._insert_orm(documents)
        ops = connection.ops
        ids = self._reserve_ids("search_searchentry", len(documents))
        vocabulary: set[str] = set()
        entries, branches, interests, fts = [], [], [], []
        for pk, doc in zip(ids, documents, strict=True):
            entries.append(
                (
                    pk,
                    doc.kind,
                    doc.object_id,
                    doc.title[:500],
                    doc.title_key,
                    doc.people,
                    doc.keywords,
                    doc.body,
                    doc.doc_type,
                    doc.audience,
                    doc.language,
                    doc.year,
                    ops.adapt_datetimefield_value(doc.date),
                    ops.adapt_datetimefield_value(doc.expires_at),
                    doc.available,
                    doc.boost,
                    " ".join(str(b) for b in doc.branches),
                    " ".join(str(b) for b, ok in doc.branches.items() if ok),
                    " ".join(str(i) for i in doc.interests),
                )
            )
            if self.vendor == "sqlite":
                # PostgreSQL: the entry's id lists are the only copy (GIN-indexed)
                branches += [(pk, b, available) for b, available in doc.branches.items()]
                interests += [(pk, interest) for interest in doc.interests]
                fts.append(
                    (
                        pk,
                        analyze_for_index(doc.title, vocabulary),
                        analyze_for_index(doc.people, vocabulary),
                        analyze_for_index(doc.keywords, vocabulary),
                        analyze_for_index(doc.body, vocabulary),
                    )
                )
            else:  # PostgreSQL analyses the texts itself: only the words, for typo correction
                add_vocabulary(f"{doc.title} {doc.people} {doc.keywords} {doc.body}", vocabulary)
        with connection.cursor() as cursor:
            self._insert_rows(
                cursor,
                "search_searchentry",
                [
                    ("id", "bigint"), ("kind", "text"), ("object_id", "bigint"),
                    ("title", "text"), ("title_key", "text"), ("people", "text"),
                    ("keywords", "text"), ("body", "text"), ("doc_type", "text"),
                    ("audience", "text"), ("language", "text"), ("year", "int"),
                    ("date", "timestamptz"), ("expires_at", "timestamptz"),
                    ("available", "boolean"), ("boost", "float8"),
                    ("branch_ids", "text"),
                    ("available_branch_ids", "text"),
                    ("interest_ids", "text"),
                ],
                entries,
            )  # fmt: skip
            self._insert_rows(
                cursor,
                "search_searchentrybranch",
                [("entry_id", "bigint"), ("branch_id", "bigint"), ("available", "boolean")],
                branches,
            )
            self._insert_rows(
                cursor,
                "search_searchentryinterest",
                [("entry_id", "bigint"), ("interest_id", "bigint")],
                interests,
            )
            if fts:
                if not rebuilding:  # rows of a flushed table may linger (ids are reused)
                    for chunk in _chunks(ids):
                        cursor.execute(
                            f"DELETE FROM search_fts WHERE rowid IN ({_placeholders(len(chunk))})",
                            chunk,
                        )
                cursor.executemany(
                    "INSERT INTO search_fts (rowid, title, people, keywords, body) "
                    "VALUES (%s, %s, %s, %s, %s)",
                    fts,
                )
        self._add_terms(vocabulary, rebuilding=rebuilding)
        self._upsert_suggestions(
            [s for doc in documents for s in doc.suggestions], rebuilding=rebuilding
        )

    def _insert_rows(self, cursor, table: str, columns: list[tuple[str, str]], rows) -> None:
        """Many rows at once: PostgreSQL COPY; SQLite executemany (a prepared statement, in
        process). `columns`: (name, PostgreSQL type) pairs."""
        if not rows:
            return
        names = ", ".join(name for name, _ in columns)
        if self.vendor == "postgresql":
            # COPY: rows formatted by psycopg's C code, no per-value SQL parameter
            with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join(["%s"] * len(columns))
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)

    def _insert_orm(self, documents: list[Document]) -> None:
        """Other databases: the ORM (slower, portable)."""
        entries = SearchEntry.objects.bulk_create(
            [SearchEntry(**entry_fields(doc)) for doc in documents],
            batch_size=CHUNK,
        )
        found = {}
        for doc in documents:
            found.update(
                {
                    (doc.kind, o): pk
                    for pk, o in SearchEntry.objects.filter(
                        kind=doc.kind, object_id=doc.object_id
                    ).values_list("pk", "object_id")
                }
            )
        for entry in entries:
            entry.pk = entry.pk or found[(entry.kind, entry.object_id)]
        SearchEntryBranch.objects.bulk_create(
            SearchEntryBranch(entry_id=e.pk, branch_id=b, available=a)
            for e, doc in zip(entries, documents, strict=True)
            for b, a in doc.branches.items()
        )
        SearchEntryInterest.objects.bulk_create(
            SearchEntryInterest(entry_id=e.pk, interest_id=i)
            for e, doc in zip(entries, documents, strict=True)
            for i in doc.interests
        )
        vocabulary: set[str] = set()
        for doc in documents:
            for text in (doc.title, doc.people, doc.keywords, doc.body):
                analyze_for_index(text, vocabulary)
        self._add_terms(vocabulary)
        self._upsert_suggestions([s for doc in documents for s in doc.suggestions])

    def _add_terms(self, vocabulary: set[str], *, rebuilding: bool = False) -> None:
        found = {
            w for w in vocabulary if len(w) >= MIN_TYPO_LENGTH and len(w) <= 100 and w.isalpha()
        }
        new = sorted(found - self._known_terms)
        if not new:
            return
        missing = new
        if not rebuilding:
            existing: set[str] = set()
            for chunk in _chunks(new):
                existing.update(
                    SearchTerm.objects.filter(term__in=chunk).values_list("term", flat=True)
                )
            missing = [w for w in new if w not in existing]
        if missing:
            if self.vendor == "sqlite":
                ids = self._reserve_ids("search_searchterm", len(missing))
                rows = list(zip(ids, missing, strict=True))
                with connection.cursor() as cursor:
                    cursor.executemany(
                        "INSERT OR IGNORE INTO search_searchterm (id, term) VALUES (%s, %s)", rows
                    )
                    cursor.executemany(
                        "INSERT OR REPLACE INTO search_term_fts (rowid, term) VALUES (%s, %s)",
                        rows,
                    )
            elif self.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(
                        "INSERT INTO search_searchterm (term) SELECT unnest(%s::text[]) "
                        "ON CONFLICT (term) DO NOTHING",
                        [missing],
                    )
            else:
                SearchTerm.objects.bulk_create(
                    [SearchTerm(term=w) for w in missing], batch_size=CHUNK, ignore_conflicts=True
                )
        with _lock:
            self._known_terms.update(new)
            if len(self._known_terms) > 500_000:
                self._known_terms.clear()

    def _upsert_suggestions(
        self, suggestions: list[Suggestion], *, rebuilding: bool = False
    ) -> None:
        if not suggestions:
            return
        # (kind, ref) → (suggestion, its key): the key folded once, and not at all for an
        # author a rebuild has already written
        latest: dict[tuple[str, str], tuple[Suggestion, str]] = {}
        written = self._rebuild_authors if rebuilding else set()
        for s in suggestions:
            ref = (s.kind, s.ref[:64])
            if ref in written:
                continue
            key = s.key
            if key:
                latest[ref] = (s, key)
        existing: dict[tuple[str, str], int] = {}
        if rebuilding:
            # authors are shared by many items: keep the first row of each
            seen = self._rebuild_authors
            latest = {k: v for k, v in latest.items() if k[0] != "author" or k not in seen}
            seen.update(k for k in latest if k[0] == "author")
        else:
            by_kind: dict[str, list[str]] = {}
            for kind, ref in latest:
                by_kind.setdefault(kind, []).append(ref)
            for kind, refs in by_kind.items():
                for chunk in _chunks(refs):
                    for pk, ref in SearchSuggestion.objects.filter(
                        kind=kind, ref__in=chunk
                    ).values_list("pk", "ref"):
                        existing[(kind, ref)] = pk
            # an author already known keeps its row; titles and communities are replaced
            stale = [pk for key, pk in existing.items() if key[0] != "author"]
            if stale:
                self._delete_suggestions(SearchSuggestion.objects.filter(pk__in=stale))
            latest = {k: v for k, v in latest.items() if k not in existing or k[0] != "author"}
        if not latest:
            return
        rows = list(latest.items())
        if self.vendor not in ("sqlite", "postgresql"):
            SearchSuggestion.objects.bulk_create(
                [
                    SearchSuggestion(
                        kind=k,
                        ref=r,
                        key=key,
                        label=s.label[:300],
                        detail=s.detail[:300],
                        url=s.url[:500],
                        weight=s.weight,
                    )
                    for (k, r), (s, key) in rows
                ],
                ignore_conflicts=True,
            )
            return
        ids = self._reserve_ids("search_searchsuggestion", len(rows))
        values = [
            (pk, kind, ref, key, s.label[:300], s.detail[:300], s.url[:500], s.weight)
            for pk, ((kind, ref), (s, key)) in zip(ids, rows, strict=True)
        ]
        with connection.cursor() as cursor:
            self._insert_rows(
                cursor,
                "search_searchsuggestion",
                [
                    ("id", "bigint"), ("kind", "text"), ("ref", "text"), ("key", "text"),
                    ("label", "text"), ("detail", "text"), ("url", "text"), ("weight", "float8"),
                ],
                values,
            )  # fmt: skip
            if self.vendor == "sqlite":
                if not rebuilding:
                    for chunk in _chunks(ids):
                        cursor.execute(
                            f"DELETE FROM search_suggest_fts WHERE rowid IN ({_placeholders(len(chunk))})",
                            chunk,
                        )
                cursor.executemany(
                    "INSERT INTO search_suggest_fts (rowid, key) VALUES (%s, %s)",
                    [(v[0], v[3]) for v in values],
                )

    def _delete_suggestions(self, queryset) -> None:
        ids = list(queryset.values_list("pk", flat=True))
        if not ids:
            return
        with connection.cursor() as cursor:
            for chunk in _chunks(ids):
                marks = _placeholders(len(chunk))
                if self.vendor == "sqlite":
                    cursor.execute(
                        f"DELETE FROM search_suggest_fts WHERE rowid IN ({marks})", chunk
                    )
                cursor.execute(f"DELETE FROM search_searchsuggestion WHERE id IN ({marks})", chunk)


def _raw_hit(kind, object_id, score, key, entry_id, _date, *lists) -> RawHit:
    """A row of (kind, object_id, score, title_key, entry id, date) and on PostgreSQL the
    entry's id lists (branches, available branches, interests: what re-ranking needs; all
    NULL when it does not need them)."""
    hit = RawHit(kind, object_id, float(score or 0.0), key)
    hit.entry_id = entry_id  # type: ignore[attr-defined]
    if lists and any(value is not None for value in lists):
        branch_ids, available_ids, interest_ids = lists
        available = set((available_ids or "").split())
        hit.branches = {int(b): b in available for b in (branch_ids or "").split()}
        hit.interests = [int(i) for i in (interest_ids or "").split()]
    return hit


def _facet_label_rows(hit_rest: str) -> list[tuple[int, str]]:
    """PostgreSQL: (code, the rest of a SELECT) giving every médiathèque's name (code -4)
    and every interest's label (-5, "Parent › Name" as label_facets words it), as rows of
    _pg_facets' statement: its value column the id, its first hit column the label."""
    from cms.models import Branch, Interest

    quote = connection.ops.quote_name
    branch, interest = Branch._meta, Interest._meta
    name = quote("name")
    pk, parent = quote(interest.pk.column), quote(interest.get_field("parent").column)
    return [
        (
            -4,
            f"b.{quote(branch.pk.column)}::text, 0, b.{name}::text{hit_rest} "
            f"FROM {quote(branch.db_table)} b",
        ),
        (
            -5,
            f"i.{pk}::text, 0, CASE WHEN COALESCE(p.{name}, '') = '' THEN i.{name}::text "
            f"ELSE p.{name} || ' › ' || i.{name} END{hit_rest} "
            f"FROM {quote(interest.db_table)} i "
            f"LEFT JOIN {quote(interest.db_table)} p ON p.{pk} = i.{parent}",
        ),
    ]


def _estimate(count: int) -> int:
    """A count estimated from a sample, rounded to two significant digits (1,234 → 1,200)."""
    if count < 100:
        return count
    step = 10 ** (len(str(count)) - 2)
    return int(round(count / step) * step)


def _year_when(key: str, low: int | None, high: int | None) -> str:
    conds = []
    if low is not None:
        conds.append(f"m.year >= {int(low)}")
    if high is not None:
        conds.append(f"m.year <= {int(high)}")
    return f"WHEN {' AND '.join(conds)} THEN '{key}'"


def pick_suggestions(rows, typed: str, limit: int) -> list[SuggestionHit]:
    """At most `limit` suggestions, a few of each kind, labels starting with what was typed
    first, then by weight."""
    typed = " ".join(fold(typed).split())
    seen: set[tuple[str, str]] = set()
    ranked = sorted(rows, key=lambda r: (not r[4].startswith(typed), -float(r[5]), len(r[1])))
    per_kind: dict[str, int] = {}
    out: list[SuggestionHit] = []
    for kind, label, url, detail, _key, _weight in ranked:
        if (kind, label) in seen or per_kind.get(kind, 0) >= SUGGESTION_CAPS.get(kind, 3):
            continue
        seen.add((kind, label))
        per_kind[kind] = per_kind.get(kind, 0) + 1
        out.append(SuggestionHit(kind, label, url, detail))
        if len(out) >= limit:
            break
    order = {"interest": 0, "community": 1, "author": 2, "title": 3}
    out.sort(key=lambda s: order.get(s.kind, 4))
    return out


class _Match:
    """How entries are matched and scored, as SQL fragments (vendor-specific)."""

    def __init__(
        self,
        source: str,
        where: list[str],
        params: list,
        score: str = "0",
        score_params: list | None = None,
        ranked: bool = True,
        relaxed_factory=None,
    ) -> None:
        self.source = source
        self.where = where
        self.params = params
        self.score = score
        self.score_params = score_params or []
        self.ranked = ranked
        self._relaxed = relaxed_factory
        self.tsquery: str | None = None  # PostgreSQL full-text matches: the tsquery

    @property
    def sample(self) -> str:
        """PostgreSQL: the condition selecting the 1/SAMPLE_MODULUS sample. Matching words:
        the partial GIN index. Filters alone: the partial btree index, whose extra condition
        (always true) keeps the planner from choosing it for word matches (migration 0005)."""
        if self.where:
            return f"e.id %% {SAMPLE_MODULUS} = 0"
        return f"e.id %% {SAMPLE_MODULUS} = 0 AND e.kind <> ''"

    # the CTE does not select the score: no score parameters
    @property
    def score_params_for_cte(self) -> list:
        return []

    @property
    def relaxable(self) -> bool:
        return self._relaxed is not None

    def relaxed(self) -> _Match:
        return self._relaxed()

    @classmethod
    def everything(cls) -> _Match:
        return cls("search_searchentry e", [], [], ranked=False)

    @classmethod
    def title(cls, key: str) -> _Match:
        return cls("search_searchentry e", ["e.title_key = %s"], [key], ranked=False)

    @classmethod
    def sqlite(cls, groups: list[list[str]], operator: str = " AND ") -> _Match:
        expression = operator.join(
            "(" + " OR ".join(_fts_quote(t) for t in group) + ")" for group in groups
        )
        weights = ", ".join(str(w) for w in SQLITE_WEIGHTS)
        relaxed = (
            (lambda: cls.sqlite(groups, " OR "))
            if operator == " AND " and len(groups) > 1
            else None
        )
        return cls(
            # CROSS JOIN: SQLite keeps this order, the full-text match runs once (never once
            # per entry row, which a selective filter could otherwise make it choose)
            "search_fts CROSS JOIN search_searchentry e ON e.id = search_fts.rowid",
            ["search_fts MATCH %s"],
            [expression],
            score=f"(-bm25(search_fts, {weights}))",
            relaxed_factory=relaxed,
        )

    @classmethod
    def postgresql(cls, groups: list[list[str]], operator: str = " & ") -> _Match:
        if not groups:
            return cls("search_searchentry e", ["1 = 0"], [], ranked=False)
        tsquery = operator.join(
            "(" + " | ".join(_ts_quote(lexeme) for lexeme in group) + ")" for group in groups
        )
        relaxed = (
            (lambda: cls.postgresql(groups, " | "))
            if operator == " & " and len(groups) > 1
            else None
        )
        match = cls(
            "search_searchentry e",
            ["e.tsv @@ %s::tsquery"],
            [tsquery],
            score=f"ts_rank('{PG_WEIGHTS}', e.tsv, %s::tsquery, 1)",
            score_params=[tsquery],
            relaxed_factory=relaxed,
        )
        match.tsquery = tsquery
        return match

    @classmethod
    def like(cls, terms: list[str]) -> _Match:
        where, params = [], []
        for term in terms:
            where.append(
                "(e.title LIKE %s OR e.people LIKE %s OR e.keywords LIKE %s OR e.body LIKE %s)"
            )
            params += [f"%{term}%"] * 4
        return cls("search_searchentry e", where, params, ranked=False)

    @classmethod
    def isbn(cls, vendor: str, isbns: list[str]) -> _Match:
        if vendor == "sqlite":
            expression = "keywords : (" + " OR ".join(_fts_quote(i) for i in isbns) + ")"
            return cls(
                "search_fts CROSS JOIN search_searchentry e ON e.id = search_fts.rowid",
                ["search_fts MATCH %s"],
                [expression],
                ranked=False,
            )
        if vendor == "postgresql":
            tsquery = " | ".join(_ts_quote(i) for i in isbns)
            return cls("search_searchentry e", ["e.tsv @@ %s::tsquery"], [tsquery], ranked=False)
        return cls.like(isbns[:1])
