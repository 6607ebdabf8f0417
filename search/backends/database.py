"""The search index in the project's database (search/models.py), shared by the `database` and
`framework` engines: writing, suggestions, erasure, and the search itself on SQLite.

* Writing: a few multi-row statements per batch (COPY on PostgreSQL, which computes the
  weighted tsvector itself; executemany into the FTS5 tables on SQLite). Why not the ORM row
  by row: the search bench rebuilds 100,000 items at 4,000+ items/s this way, about 200
  items/s row by row (search/README.md).
* SQLite search: FTS5 (``search_fts``) over terms analysed in Python (:mod:`search.analysis`),
  ranked with BM25 (title > people > keywords > body); typo correction through a trigram
  FTS5 table over the vocabulary. Why raw SQL: Django has no full-text API on SQLite. Every
  query is one statement for the hits and one for the facet counts (a materialised CTE of
  the matching ids grouped by each facet), plus one per facet with an active filter (its
  counts ignore its own filter, so that values can be combined).
* Any other database: ``LIKE`` matching (works, slowly; no ranking).

Searching on PostgreSQL is the engines' own: search/backends/handwritten_sql.py (`database`)
and search/backends/framework.py (`framework`). Both use `_pg_groups` below: the query's
words analysed by PostgreSQL's ``affinites_fr`` configuration in one statement (Django has
no API to analyse a list of words).
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

    # --- matching -----------------------------------------------------------------------------

    def _match(self, query: ParsedQuery) -> _Match:
        vendor = self.vendor
        if query.isbns:
            return _Match.isbn(vendor, query.isbns)
        if not query.groups:
            if query.title_key:  # nothing but stop words ("Nous", "Elle et lui"): whole title
                return _Match.title(query.title_key)
            return _Match.everything()
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
        """The words that are in the vocabulary."""
        found: set[str] = set()
        for chunk in _chunks(list(words)):
            found.update(SearchTerm.objects.filter(term__in=chunk).values_list("term", flat=True))
        return found

    def _nearest_by_trigrams(self, word: str) -> str | None:
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
        where, params = self._where_columns(filters, now)
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

    @staticmethod
    def _where_columns(filters: Filters, now: dt.datetime) -> tuple[list[str], list]:
        """The conditions on the entry's own columns: not expired, kinds, facets, years."""
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
    ) -> list[RawHit]:
        """A page of hits (see _hits_statement)."""
        sql, params = self._hits_statement(match, filters, sort, now, offset, limit)
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
    ) -> tuple[str, list]:
        """The statement of a page of hits and its parameters. Columns: kind, object_id,
        score, title_key, id, date."""
        where, params = self._where(filters, now)
        score = match.score if match.ranked else "0"
        order = (
            "e.date DESC NULLS LAST, e.id"
            if sort == "date" or not match.ranked
            else "score DESC, e.date DESC NULLS LAST, e.id"
        )
        conditions = " AND ".join(match.where + where)
        sql = (
            f"SELECT e.kind, e.object_id, {score} * e.boost AS score, e.title_key, e.id, e.date "
            f"FROM {match.source} WHERE {conditions} ORDER BY {order} LIMIT %s OFFSET %s"
        )
        return sql, match.score_params + match.params + params + [limit, offset]

    def _details(self, hits: list[RawHit]) -> None:
        """The branches and interests of the hits (re-ranking)."""
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
            f" FROM {match.source} WHERE {' AND '.join(match.where + where)}"
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
            ),
            "interest": (
                "SELECT 'interest', CAST(i.interest_id AS TEXT), COUNT(*) FROM m "
                f"{join} search_searchentryinterest i ON i.entry_id = m.id GROUP BY i.interest_id",
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
        return cls.like(isbns[:1])
