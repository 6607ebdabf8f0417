"""Full-text structures that depend on the database (see search/models.py).

SQLite: FTS5 virtual tables. PostgreSQL: the unaccent and pg_trgm extensions, the
``affinites_fr`` text search configuration (French stop words, unaccent, French Snowball
stemmer), a generated weighted tsvector column with a GIN index, and GIN indexes for
suggestions and typo correction. Other databases: nothing (the backend falls back to
``icontains`` queries).
"""

from django.db import migrations

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5("
    "title, people, keywords, body, tokenize = 'unicode61 remove_diacritics 2')",
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_suggest_fts USING fts5("
    "key, tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3')",
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_term_fts USING fts5(term, tokenize = 'trigram')",
]
SQLITE_BACKWARD = [
    "DROP TABLE IF EXISTS search_fts",
    "DROP TABLE IF EXISTS search_suggest_fts",
    "DROP TABLE IF EXISTS search_term_fts",
]

PG_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    """
    DO $$
    BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_ts_dict WHERE dictname = 'affinites_fr_stop') THEN
        CREATE TEXT SEARCH DICTIONARY affinites_fr_stop (
          TEMPLATE = simple, STOPWORDS = french, ACCEPT = false
        );
      END IF;
      IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'affinites_fr') THEN
        CREATE TEXT SEARCH CONFIGURATION affinites_fr (COPY = french);
        ALTER TEXT SEARCH CONFIGURATION affinites_fr
          ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part
          WITH affinites_fr_stop, unaccent, french_stem;
      END IF;
    END
    $$
    """,
    """
    ALTER TABLE search_searchentry ADD COLUMN tsv tsvector GENERATED ALWAYS AS (
      setweight(to_tsvector('affinites_fr'::regconfig, coalesce(title, '')), 'A') ||
      setweight(to_tsvector('affinites_fr'::regconfig, coalesce(people, '')), 'B') ||
      setweight(to_tsvector('affinites_fr'::regconfig, coalesce(keywords, '')), 'C') ||
      setweight(to_tsvector('affinites_fr'::regconfig, coalesce(body, '')), 'D')
    ) STORED
    """,
    "CREATE INDEX search_entry_tsv ON search_searchentry USING gin (tsv)",
    "CREATE INDEX search_term_trgm ON search_searchterm USING gin (term gin_trgm_ops)",
    "CREATE INDEX search_suggestion_tsv ON search_searchsuggestion "
    "USING gin (to_tsvector('simple'::regconfig, key))",
    "CREATE INDEX search_suggestion_key ON search_searchsuggestion (key text_pattern_ops)",
]
PG_BACKWARD = [
    "DROP INDEX IF EXISTS search_suggestion_key",
    "DROP INDEX IF EXISTS search_suggestion_tsv",
    "DROP INDEX IF EXISTS search_term_trgm",
    "DROP INDEX IF EXISTS search_entry_tsv",
    "ALTER TABLE search_searchentry DROP COLUMN IF EXISTS tsv",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor, [])
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": PG_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": PG_BACKWARD}),
            elidable=False,
        )
    ]
