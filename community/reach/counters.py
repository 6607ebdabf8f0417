"""The reach counters' one write: add to a daily count, creating its row on the first count.

The counters (``FunnelCount``, ``UnmetSearch``) hold one row per cell — the day, what was
counted, a branch and an interest (either may be empty) — under a unique index on
``COALESCE(branch_id, 0), COALESCE(interest_id, 0)``, so that the empty branch is one cell.
Plain SQL: Django has no "insert or add to the stored value" (``bulk_create`` with
``update_conflicts=True`` can neither name that expression index nor add to the stored count:
it only copies the new values).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connection, models, transaction


def add_counts(model: type[models.Model], keys: Sequence[str], rows: Iterable[Sequence]) -> None:
    """Add to the counts of `model`'s cells. Each row: the values of `keys` (the day and what
    was counted), the branch id, the interest id (None for none), then what to add.

    One atomic ``INSERT … ON CONFLICT DO UPDATE`` per row, in one transaction: concurrent
    increments of the same cell never lose a count (PostgreSQL and SQLite).
    """
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = [quote(name) for name in (*keys, "branch_id", "interest_id", "count")]
    cell = [quote(name) for name in keys]
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))}) "
        f"ON CONFLICT ({', '.join(cell)}, COALESCE(branch_id, 0), COALESCE(interest_id, 0)) "
        f"DO UPDATE SET count = {table}.count + excluded.count"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, list(rows))
