"""PostgreSQL indexes for searches with filters (search/backends/database.py):

* GIN indexes over the entries' id lists, so that a médiathèque or interest filter is an
  index condition (combined with the full-text index in one bitmap) instead of a join
  reading every match. The join tables are no longer written on PostgreSQL (the id lists
  are the only copy there), so their rows are removed.
* The sample index for searches without words becomes a covering one (index-only scans of
  the 1/16 sample: counts without reading the table), with a condition of its own
  (``kind <> ''``, always true): with the same condition as the GIN sample index, the
  planner chose it for full-text searches too, reading and testing every sampled row
  instead of using the GIN index.
* Entries by date, newest first, as results sorted by date (or without words) are listed:
  the first page without sorting every match.

Nothing on other databases.
"""

from django.db import migrations

PG_FORWARD = [
    "CREATE INDEX IF NOT EXISTS search_entry_branches ON search_searchentry "
    "USING gin (string_to_array(branch_ids, ' '))",
    "CREATE INDEX IF NOT EXISTS search_entry_available_branches ON search_searchentry "
    "USING gin (string_to_array(available_branch_ids, ' '))",
    "CREATE INDEX IF NOT EXISTS search_entry_interests ON search_searchentry "
    "USING gin (string_to_array(interest_ids, ' '))",
    "DROP INDEX IF EXISTS search_entry_sample",
    "CREATE INDEX IF NOT EXISTS search_entry_filters_sample ON search_searchentry (kind) "
    "INCLUDE (id, doc_type, audience, language, year, available, expires_at, branch_ids, "
    "available_branch_ids, interest_ids) WHERE id % 16 = 0 AND kind <> ''",
    "CREATE INDEX IF NOT EXISTS search_entry_date_order ON search_searchentry "
    "(date DESC NULLS LAST, id)",
    "TRUNCATE search_searchentrybranch, search_searchentryinterest",
]
PG_BACKWARD = [
    "DROP INDEX IF EXISTS search_entry_date_order",
    "DROP INDEX IF EXISTS search_entry_filters_sample",
    "CREATE INDEX IF NOT EXISTS search_entry_sample ON search_searchentry (id) WHERE id % 16 = 0",
    "DROP INDEX IF EXISTS search_entry_interests",
    "DROP INDEX IF EXISTS search_entry_available_branches",
    "DROP INDEX IF EXISTS search_entry_branches",
    # the join tables are refilled by `manage.py search_index --rebuild`
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0004_postgresql_sample_and_title_indexes")]

    operations = [migrations.RunPython(_run(PG_FORWARD), _run(PG_BACKWARD), elidable=False)]
