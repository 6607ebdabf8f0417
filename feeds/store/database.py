"""Feed store in the database: the `FeedEntry` table (the embedded default).

Writes are plain SQL where the ORM has no equivalent: upserts from one array per column
(PostgreSQL's unnest), counters added to on conflict, trims by window function, and
deletes that skip the collector (no cascade, no signal to send)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from feeds.models import FeedCount, FeedEntry
from feeds.store.base import FeedStore, Position, StoredEntry

BATCH = 2000
UPSERT_BATCH = 500  # rows per INSERT (8 parameters each: under SQLite's and psycopg's limits)
UNNEST_BATCH = 10000  # rows per INSERT … SELECT FROM unnest (PostgreSQL)
TRIM_BATCH = 900  # member ids per IN (…) list (SQLite)
TRIM_PER_WRITE = 500  # members trimmed by one write at most: the most over first, the rest
# next time they are written to (a synchronised audience never stalls one fan-out)
COUNT_BATCH = 5000  # (member, added) pairs per counter upsert (2 parameters each)

_TABLE = FeedEntry._meta.db_table
_COLUMNS = (
    "member_id",
    "kind",
    "object_id",
    "score",
    "reason",
    "interest_id",
    "community_id",
    "created_at",
)
_ROW = "(" + ", ".join(["%s"] * len(_COLUMNS)) + ")"
_UPSERT = (
    f"INSERT INTO {_TABLE} ({', '.join(_COLUMNS)}) VALUES %s "
    "ON CONFLICT (member_id, kind, object_id) DO UPDATE SET score = excluded.score, "
    "reason = excluded.reason, interest_id = excluded.interest_id, "
    "community_id = excluded.community_id"
)
_UPSERT_UNNEST = (
    f"INSERT INTO {_TABLE} ({', '.join(_COLUMNS)}) SELECT * FROM unnest("
    "%s::bigint[], %s::varchar[], %s::bigint[], %s::float8[], %s::varchar[], "
    "%s::bigint[], %s::bigint[], %s::timestamptz[]) "
    "ON CONFLICT (member_id, kind, object_id) DO UPDATE SET score = excluded.score, "
    "reason = excluded.reason, interest_id = excluded.interest_id, "
    "community_id = excluded.community_id"
)
_COUNTS = FeedCount._meta.db_table
# Counters: add what was written, get the new bounds back (one statement per batch).
_COUNT_UP = (
    f"INSERT INTO {_COUNTS} (member_id, entries) VALUES %s "
    f"ON CONFLICT (member_id) DO UPDATE SET entries = {_COUNTS}.entries + excluded.entries "
    "RETURNING member_id, entries"
)
_COUNT_UP_UNNEST = (
    f"INSERT INTO {_COUNTS} (member_id, entries) "
    "SELECT * FROM unnest(%s::bigint[], %s::integer[]) "
    f"ON CONFLICT (member_id) DO UPDATE SET entries = {_COUNTS}.entries + excluded.entries "
    "RETURNING member_id, entries"
)
# Trims: everything below the cap goes, for a set of members at once ({members}: "IN (…)"
# on SQLite, "= ANY(%s)" on PostgreSQL), then the counters are set to the exact count.
_TRIM = (
    f"DELETE FROM {_TABLE} WHERE id IN (SELECT id FROM (SELECT id, ROW_NUMBER() OVER "
    "(PARTITION BY member_id ORDER BY score DESC, id DESC) AS rank "
    f"FROM {_TABLE} WHERE member_id {{members}}) ranked WHERE rank > %s)"
)
_RECOUNT = (
    f"INSERT INTO {_COUNTS} (member_id, entries) SELECT member_id, COUNT(*) FROM {_TABLE} "
    "WHERE member_id {members} GROUP BY member_id "
    "ON CONFLICT (member_id) DO UPDATE SET entries = excluded.entries"
)
_RECOUNT_ALL = (
    f"INSERT INTO {_COUNTS} (member_id, entries) SELECT member_id, COUNT(*) FROM {_TABLE} "
    "WHERE true GROUP BY member_id "
    "ON CONFLICT (member_id) DO UPDATE SET entries = excluded.entries"
)


def _stored(row: FeedEntry) -> StoredEntry:
    return StoredEntry(
        kind=row.kind,
        object_id=row.object_id,
        score=row.score,
        reason=row.reason,
        interest_id=row.interest_id,
        community_id=row.community_id,
        created_at=row.created_at,
        tiebreak=str(row.pk),
    )


def _below(position: Position) -> Q:
    tiebreak = int(position.tiebreak or 0)
    return Q(score__lt=position.score) | Q(score=position.score, pk__lt=tiebreak)


class DatabaseFeedStore(FeedStore):
    """The cap is kept off the hot path: every write adds to the members' `FeedCount`
    (an upper bound, returned by the same upsert), and only the members whose bound passes
    ``max_entries + slack`` are trimmed, together, back to ``max_entries``. With the default
    10 % slack a member is trimmed once every ~80 fan-outs instead of being counted on each."""

    name = "database"

    def __init__(self, max_entries: int) -> None:
        super().__init__(max_entries)
        self.slack = max_entries // 10

    def add_many(self, entries: Iterable[tuple[int, StoredEntry]]) -> int:
        """One multi-row ``INSERT … ON CONFLICT DO UPDATE`` per `BATCH` rows (SQLite and
        PostgreSQL), then the counters and the trims they call for; a fan-out to thousands
        of members is a handful of statements. Within one call the last entry for a
        (member, content) wins."""
        ops = connection.ops
        now = timezone.now()
        adapted: dict[datetime, object] = {}  # a fan-out writes one date thousands of times
        rows: dict[tuple[int, str, int], tuple] = {}
        for member_id, e in entries:
            when = e.created_at or now
            created = adapted.get(when)
            if created is None:
                created = adapted[when] = ops.adapt_datetimefield_value(when)
            rows[(member_id, e.kind, e.object_id)] = (
                member_id,
                e.kind,
                e.object_id,
                float(e.score),
                e.reason[:300],
                e.interest_id,
                e.community_id,
                created,
            )
        if not rows:
            return 0
        if connection.vendor not in ("sqlite", "postgresql"):  # pragma: no cover
            return self._add_many_orm(rows.values())
        values = list(rows.values())
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # One array per column: 8 parameters whatever the number of rows (a query
                # with thousands of placeholders costs more to bind than to run).
                for start in range(0, len(values), UNNEST_BATCH):
                    chunk = values[start : start + UNNEST_BATCH]
                    cursor.execute(_UPSERT_UNNEST, [list(c) for c in zip(*chunk, strict=True)])
            else:
                for start in range(0, len(values), UPSERT_BATCH):
                    chunk = values[start : start + UPSERT_BATCH]
                    placeholders = ", ".join([_ROW] * len(chunk))
                    cursor.execute(
                        _UPSERT % placeholders, [value for row in chunk for value in row]
                    )
            added: dict[int, int] = {}
            for row in values:
                added[row[0]] = added.get(row[0], 0) + 1
            over = self._count_up(cursor, added)
            if over:
                self._trim(cursor, over)
        return len(values)

    def _count_up(self, cursor, added: dict[int, int]) -> list[int]:
        """Add `added` (member → rows written) to the counters; the members now over the
        cap plus the slack (`TRIM_PER_WRITE` at most, the most over first)."""
        limit = self.max_entries + self.slack
        pairs = sorted(added.items())  # one lock order for concurrent fan-outs (PostgreSQL)
        over: list[tuple[int, int]] = []
        if connection.vendor == "postgresql":
            for start in range(0, len(pairs), UNNEST_BATCH):
                chunk = pairs[start : start + UNNEST_BATCH]
                cursor.execute(_COUNT_UP_UNNEST, [list(c) for c in zip(*chunk, strict=True)])
                over += [(bound, member) for member, bound in cursor.fetchall() if bound > limit]
        else:
            for start in range(0, len(pairs), COUNT_BATCH):
                chunk = pairs[start : start + COUNT_BATCH]
                cursor.execute(
                    _COUNT_UP % ", ".join(["(%s, %s)"] * len(chunk)),
                    [value for pair in chunk for value in pair],
                )
                over += [(bound, member) for member, bound in cursor.fetchall() if bound > limit]
        over.sort(reverse=True)
        return [member for _, member in over[:TRIM_PER_WRITE]]

    def _trim(self, cursor, member_ids: list[int]) -> int:
        """Cut these members' feeds down to `max_entries` (lowest scores go) and set their
        counters to the exact count. A couple of statements per batch of members."""
        removed = 0
        if connection.vendor == "postgresql":
            batches = [(" = ANY(%s::bigint[])", [member_ids])]
        else:
            batches = [
                (f" IN ({', '.join(['%s'] * len(chunk))})", chunk)
                for chunk in (
                    member_ids[start : start + TRIM_BATCH]
                    for start in range(0, len(member_ids), TRIM_BATCH)
                )
            ]
        for members, params in batches:
            cursor.execute(_TRIM.format(members=members), [*params, self.max_entries])
            removed += max(cursor.rowcount, 0)
            cursor.execute(_RECOUNT.format(members=members), params)
        return removed

    def recount(self, member_ids: Iterable[int] | None = None) -> None:
        """Set the counters to the exact number of entries (every member, or these)."""
        with connection.cursor() as cursor:
            if member_ids is None:
                cursor.execute(_RECOUNT_ALL)
                return
            member_ids = list(member_ids)
            for start in range(0, len(member_ids), TRIM_BATCH):
                chunk = member_ids[start : start + TRIM_BATCH]
                cursor.execute(
                    _RECOUNT.format(members=f" IN ({', '.join(['%s'] * len(chunk))})"), chunk
                )

    def _add_many_orm(self, rows) -> int:
        objects = [
            FeedEntry(
                member_id=member_id,
                kind=kind,
                object_id=object_id,
                score=score,
                reason=reason,
                interest_id=interest_id,
                community_id=community_id,
            )
            for member_id, kind, object_id, score, reason, interest_id, community_id, _ in rows
        ]
        FeedEntry.objects.bulk_create(
            objects,
            batch_size=BATCH,
            update_conflicts=True,
            unique_fields=["member", "kind", "object_id"],
            update_fields=["score", "reason", "interest_id", "community_id"],
        )
        self.trim({row.member_id for row in objects})  # no counters here: exact trim
        return len(objects)

    def remove_content(
        self, kind: str, object_id: int, members: Iterable[int] | None = None
    ) -> int:
        rows = FeedEntry.objects.filter(kind=kind, object_id=object_id)
        if members is not None:
            members = list(members)
            if not members:
                return 0
            rows = rows.filter(member_id__in=members)
        deleted, _ = rows.delete()
        return deleted

    def members_with(self, kind: str, object_id: int) -> set[int]:
        return set(
            FeedEntry.objects.filter(kind=kind, object_id=object_id).values_list(
                "member_id", flat=True
            )
        )

    def replace_member(self, member_id: int, entries: Iterable[StoredEntry]) -> int:
        entries = list(entries)
        with transaction.atomic():
            with connection.cursor() as cursor:  # no cascade, no signal: skip the collector
                cursor.execute(f"DELETE FROM {_TABLE} WHERE member_id = %s", [member_id])
                cursor.execute(f"DELETE FROM {_COUNTS} WHERE member_id = %s", [member_id])
            return self.add_many((member_id, e) for e in entries)

    def sink(
        self, member_id, *, kind, object_id, interest_id, community_id, penalty, similar_penalty
    ):
        mine = FeedEntry.objects.filter(member_id=member_id)
        touched = mine.filter(kind=kind, object_id=object_id).update(score=F("score") - penalty)
        similar = Q(pk__in=[])
        if interest_id is not None:
            similar |= Q(kind=kind, interest_id=interest_id)
        if community_id is not None:
            similar |= Q(community_id=community_id)
        touched += (
            mine.filter(similar)
            .exclude(kind=kind, object_id=object_id)
            .update(score=F("score") - similar_penalty)
        )
        return touched

    def trim(self, member_ids: Iterable[int]) -> int:
        """Exactly `max_entries` at most for these members (no slack); the counters spare
        the members known to be under the cap."""
        member_ids = list(dict.fromkeys(member_ids))
        if not member_ids:
            return 0
        under: set[int] = set()
        for start in range(0, len(member_ids), BATCH):
            under.update(
                FeedCount.objects.filter(
                    member_id__in=member_ids[start : start + BATCH],
                    entries__lte=self.max_entries,
                ).values_list("member_id", flat=True)
            )
        over = [m for m in member_ids if m not in under]
        if not over:
            return 0
        with connection.cursor() as cursor:
            return self._trim(cursor, over)

    def clear(self, member_id: int | None = None) -> None:
        rows, counts = FeedEntry.objects.all(), FeedCount.objects.all()
        if member_id is not None:
            rows, counts = rows.filter(member_id=member_id), counts.filter(member_id=member_id)
        rows.delete()
        counts.delete()

    def page(self, member_id: int, *, before: Position | None, limit: int) -> list[StoredEntry]:
        rows = FeedEntry.objects.filter(member_id=member_id)
        if before is not None:
            rows = rows.filter(_below(before))
        return [_stored(row) for row in rows.order_by("-score", "-pk")[:limit]]

    def get_many(self, member_id: int, keys: Iterable[str]) -> list[StoredEntry]:
        query = Q(pk__in=[])
        for key in keys:
            kind, _, object_id = key.partition(":")
            if object_id.isdigit():
                query |= Q(kind=kind, object_id=int(object_id))
        return [_stored(row) for row in FeedEntry.objects.filter(query, member_id=member_id)]

    def count(self, member_id: int) -> int:
        return FeedEntry.objects.filter(member_id=member_id).count()
