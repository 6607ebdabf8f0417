"""PostgreSQL indexes that bound the cost of very broad queries (search/backends/database.py,
`_search_postgresql`): a partial GIN index over the 1/16 sample of entries (estimated totals
and facet counts), a partial index for the same sample without words (filters only), and a
GIN index over the titles alone (ranking candidates). Nothing on other databases.
"""

from django.db import migrations

PG_FORWARD = [
    "CREATE INDEX IF NOT EXISTS search_entry_tsv_sample ON search_searchentry "
    "USING gin (tsv) WHERE id % 16 = 0",
    "CREATE INDEX IF NOT EXISTS search_entry_sample ON search_searchentry (id) WHERE id % 16 = 0",
    "CREATE INDEX IF NOT EXISTS search_entry_title_tsv ON search_searchentry "
    "USING gin (to_tsvector('affinites_fr'::regconfig, title))",
]
PG_BACKWARD = [
    "DROP INDEX IF EXISTS search_entry_title_tsv",
    "DROP INDEX IF EXISTS search_entry_sample",
    "DROP INDEX IF EXISTS search_entry_tsv_sample",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0003_facet_id_lists")]

    operations = [migrations.RunPython(_run(PG_FORWARD), _run(PG_BACKWARD), elidable=False)]
