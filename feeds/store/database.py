"""Feed store in the database: the `FeedEntry` table (the embedded default)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from feeds.models import FeedEntry
from feeds.store.base import FeedStore, Position, StoredEntry

BATCH = 2000
UPSERT_BATCH = 500  # rows per INSERT (8 parameters each: under SQLite's and psycopg's limits)
UNNEST_BATCH = 10000  # rows per INSERT … SELECT FROM unnest (PostgreSQL)
TRIM_BATCH = 900

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
_OVER_ANY = (
    f"SELECT member_id FROM {_TABLE} WHERE member_id = ANY(%s::bigint[]) "
    "GROUP BY member_id HAVING COUNT(*) > %s"
)
_OVER = (
    f"SELECT member_id FROM {_TABLE} WHERE member_id IN (%s) "
    "GROUP BY member_id HAVING COUNT(*) > %%s"
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
    name = "database"

    def add_many(self, entries: Iterable[tuple[int, StoredEntry]]) -> int:
        """One multi-row ``INSERT … ON CONFLICT DO UPDATE`` per `BATCH` rows (SQLite and
        PostgreSQL), then the cap; a fan-out to thousands of members is a handful of
        statements. Within one call the last entry for a (member, content) wins."""
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
        self.trim({row[0] for row in values})
        return len(values)

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
        self.trim({row.member_id for row in objects})
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
        member_ids = list(member_ids)
        over: list[int] = []
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql" and member_ids:
                cursor.execute(_OVER_ANY, [member_ids, self.max_entries])  # one array
                over += [row[0] for row in cursor.fetchall()]
            else:
                for start in range(0, len(member_ids), TRIM_BATCH):
                    chunk = member_ids[start : start + TRIM_BATCH]
                    placeholders = ", ".join(["%s"] * len(chunk))
                    cursor.execute(_OVER % placeholders, [*chunk, self.max_entries])
                    over += [row[0] for row in cursor.fetchall()]
        removed = 0
        for member_id in over:
            extra = list(
                FeedEntry.objects.filter(member_id=member_id)
                .order_by("-score", "-pk")
                .values_list("pk", flat=True)[self.max_entries :]
            )
            removed += FeedEntry.objects.filter(pk__in=extra).delete()[0]
        return removed

    def clear(self, member_id: int | None = None) -> None:
        rows = FeedEntry.objects.all()
        if member_id is not None:
            rows = rows.filter(member_id=member_id)
        rows.delete()

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

    def count_above(self, member_id: int, position: Position) -> int:
        return (
            FeedEntry.objects.filter(member_id=member_id)
            .exclude(_below(position))
            .exclude(pk=int(position.tiebreak or 0))
            .count()
        )

    def count(self, member_id: int) -> int:
        return FeedEntry.objects.filter(member_id=member_id).count()
