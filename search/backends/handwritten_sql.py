"""The `database` search engine on PostgreSQL (the default): hand-written SQL over the index.

Why it is not Django's full-text search API: the `framework` engine
(search/backends/framework.py) answers the same searches through
``django.contrib.postgres.search`` and the ORM with the same results and relevance, but in the
search bench (both engines, the same 101,953 items, one run, taking turns on each query)
it took 1.46× this engine's time at the median and 1.56× at p95 (p50 44.4 against 30.4 ms,
p95 94.1 against 60.3 ms, load average 5.5 on 2 CPUs; search/README.md): a narrow query
costs it the same statements as here, a broad one two more (the guard of its exact counts,
the titles' candidates), and the ORM spends a few ms of CPU building them where this engine
builds its SQL in about 0.2 ms and computes every count, the page of hits and the facet
labels in one statement. It stays the default until the
framework engine is within 1.2× of it; both run the behaviour tests (the `engine` fixture).
On SQLite it is the shared FTS5 path of search/backends/database.py.

How a search runs (_search_postgresql): the words analysed and checked against the
vocabulary in one statement (database.DatabaseBackend._pg_groups), then one statement that
counts the matches in the 1/SAMPLE_MODULUS sample for the filters and for each active facet
without its own filter, then one that computes every facet count (one materialised CTE per
filter set, GROUPING SETS and an unnest of the id lists) with the page of hits and the
médiathèque and interest labels. Above EXACT_LIMIT matches, the counts are estimated from the
sample and the hits ranked among fixed candidates (search/README.md).
"""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.utils import timezone

from ..analysis import ParsedQuery
from . import database
from .base import YEAR_RANGES, BackendResult, Filters, MemberProfile, RawHit
from .database import (
    TYPO_SIMILARITY,
    DatabaseBackend,
    _estimate,
    _Match,
    _raw_hit,
    _ts_quote,
    _year_when,
)

PG_WEIGHTS = "{0.1, 0.25, 0.5, 1.0}"  # D (body), C (keywords), B (people), A (title)


class _PgMatch(_Match):
    """A match as PostgreSQL SQL fragments, with its tsquery (full-text matches) and the
    condition of the sample."""

    tsquery: str | None = None

    @property
    def sample(self) -> str:
        """PostgreSQL: the condition selecting the 1/SAMPLE_MODULUS sample. Matching words:
        the partial GIN index. Filters alone: the partial btree index, whose extra condition
        (always true) keeps the planner from choosing it for word matches (migration 0005)."""
        if self.where:
            return f"e.id %% {database.SAMPLE_MODULUS} = 0"
        return f"e.id %% {database.SAMPLE_MODULUS} = 0 AND e.kind <> ''"

    @classmethod
    def postgresql(cls, groups: list[list[str]], operator: str = " & ") -> _PgMatch:
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
    def isbn_numbers(cls, isbns: list[str]) -> _PgMatch:
        tsquery = " | ".join(_ts_quote(i) for i in isbns)
        return cls("search_searchentry e", ["e.tsv @@ %s::tsquery"], [tsquery], ranked=False)


class HandwrittenSQLBackend(DatabaseBackend):
    name = "database"

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
        match = self._match(query)
        # the hits' branches and interests only for a member's re-ranking
        details = with_details and not profile.is_neutral
        return self._search_postgresql(
            query, match, filters, sort, now, offset, limit, details=details
        )

    def _match(self, query: ParsedQuery) -> _Match:
        if self.vendor != "postgresql":
            return super()._match(query)
        if query.isbns:
            return _PgMatch.isbn_numbers(query.isbns)
        if not query.groups:
            if query.title_key:  # nothing but stop words ("Nous", "Elle et lui"): whole title
                return _PgMatch.title(query.title_key)
            return _PgMatch.everything()
        # the words analysed and the vocabulary checked in one statement; analysed again
        # only when a typo was corrected
        groups, known = self._pg_groups(query, check=self._typo_candidates(query))
        if self._correct(query, known=known):
            groups, _known = self._pg_groups(query)
        return _PgMatch.postgresql(groups)

    def _known_terms_among(self, words: list[str]) -> set[str]:
        """The words that are in the vocabulary: a join on the unique btree index (with
        `term IN (…500 edits…)` the planner may pick the trigram GIN index, which answers
        equality by trigrams: seconds instead of a millisecond)."""
        if self.vendor != "postgresql":
            return super()._known_terms_among(words)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT t.term FROM unnest(%s::text[]) AS c(word) "
                "JOIN search_searchterm t ON t.term = c.word",
                [list(words)],
            )
            return {row[0] for row in cursor.fetchall()}

    def _nearest_by_trigrams(self, word: str) -> str | None:
        if self.vendor != "postgresql":
            return super()._nearest_by_trigrams(word)
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

    def _where(self, filters: Filters, now: dt.datetime) -> tuple[list[str], list]:
        if self.vendor != "postgresql":
            return super()._where(filters, now)
        where, params = self._where_columns(filters, now)
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
        Columns: kind, object_id, score, title_key, id, date, branch_ids,
        available_branch_ids, interest_ids."""
        if self.vendor != "postgresql":
            return super()._hits_statement(match, filters, sort, now, offset, limit)
        where, params = self._where(filters, now)
        score = match.score if match.ranked else "0"
        order = (
            "e.date DESC NULLS LAST, e.id"
            if sort == "date" or not match.ranked
            else "score DESC, e.date DESC NULLS LAST, e.id"
        )
        conditions = " AND ".join(match.where + where)
        # what re-ranking needs, without another query
        lists = ", e.branch_ids, e.available_branch_ids, e.interest_ids"

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
                + [match.tsquery, database.RANK_CANDIDATES + 1, database.RANK_CANDIDATES]
                + match_params
                + [database.RANK_CANDIDATES]
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
        limit = database.EXACT_LIMIT // database.SAMPLE_MODULUS
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
            decoders.append((names, wanted, database.SAMPLE_MODULUS if sample else 1))
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
