"""Backups of the PostgreSQL database and the media folder, and their restore.

A backup folder holds ``db.dump`` (``pg_dump`` custom format), ``media.tar.gz`` and
``manifest.json`` (when, which migrations, and the row count of every table, read in the
very snapshot ``pg_dump`` saved, so that a restore can be compared exactly). Restoring
loads the dump into a fresh database, unpacks the media, runs ``manage.py check``,
compares every count, then rebuilds what is derived from the database: the members' feeds
(``rebuild_feeds --all``) and the search index (``search_index --rebuild``).
"""

from __future__ import annotations

import json
import subprocess
import tarfile
from datetime import UTC, datetime
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connection

DUMP = "db.dump"
MEDIA = "media.tar.gz"
MANIFEST = "manifest.json"


def conninfo(settings_dict: dict | None = None) -> dict:
    """libpq keywords of the default database (or of `settings_dict`)."""
    source = settings_dict or connection.settings_dict
    info = {
        "dbname": source["NAME"],
        "user": source.get("USER") or None,
        "password": source.get("PASSWORD") or None,
        "host": source.get("HOST") or None,
        "port": str(source.get("PORT") or "") or None,
    }
    return {k: v for k, v in info.items() if v}


def libpq_env(info: dict) -> dict[str, str]:
    """Environment for pg_dump / pg_restore (no password on the command line)."""
    names = {"dbname": "PGDATABASE", "user": "PGUSER", "password": "PGPASSWORD",
             "host": "PGHOST", "port": "PGPORT"}  # fmt: skip
    return {names[k]: v for k, v in info.items()}


def tables() -> list[str]:
    """Every table of an installed model (concrete, managed), sorted."""
    names = {
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    }
    return sorted(names)


def count_rows(cursor, names: list[str]) -> dict[str, int]:
    counts = {}
    for name in names:
        # raw SQL: one count per table in the cursor's snapshot; Django has no such API
        cursor.execute(f'SELECT count(*) FROM "{name}"')
        counts[name] = cursor.fetchone()[0]
    return counts


def applied_migrations(cursor) -> int:
    cursor.execute("SELECT count(*) FROM django_migrations")
    return cursor.fetchone()[0]


def backup(folder: Path, *, environ: dict[str, str]) -> dict:
    """Dump the database and the media into `folder`; returns the manifest."""
    import psycopg

    folder.mkdir(parents=True, exist_ok=True)
    info = conninfo()
    names = tables()
    # One snapshot for the counts and the dump: a REPEATABLE READ transaction exports it and
    # pg_dump reads that very snapshot (--snapshot), while the site goes on writing.
    with psycopg.connect(**info) as conn:
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
        with conn.cursor() as cursor:
            counts = count_rows(cursor, names)
            migrations = applied_migrations(cursor)
        subprocess.run(
            ["pg_dump", "--format=custom", "--no-owner", f"--snapshot={snapshot}",
             f"--file={folder / DUMP}"],
            check=True, env={**environ, **libpq_env(info)},
        )  # fmt: skip
        conn.rollback()
    media_root = Path(settings.MEDIA_ROOT)
    with tarfile.open(folder / MEDIA, "w:gz") as archive:
        if media_root.exists():
            archive.add(media_root, arcname=".")
    media_files = sum(1 for p in media_root.rglob("*") if p.is_file()) if media_root.exists() else 0
    manifest = {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": info["dbname"],
        "migrations": migrations,
        "media_files": media_files,
        "counts": counts,
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True))
    return manifest


def create_database(info: dict) -> None:
    """Create the (absent) target database; refuse an existing one holding tables."""
    import psycopg
    from psycopg import sql

    admin = {**info, "dbname": "postgres"}
    with psycopg.connect(**admin, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [info["dbname"]]
        ).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(info["dbname"])))
            return
    with psycopg.connect(**info) as conn:
        used = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchone()[0]
    if used:
        raise RuntimeError(
            f"the database {info['dbname']} already has {used} tables: restore into a fresh one"
        )


def restore_database(folder: Path, *, environ: dict[str, str]) -> None:
    info = conninfo()
    create_database(info)
    subprocess.run(
        ["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={info['dbname']}",
         str(folder / DUMP)],
        check=True, env={**environ, **libpq_env(info)},
    )  # fmt: skip


def restore_media(folder: Path) -> int:
    media_root = Path(settings.MEDIA_ROOT)
    media_root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(folder / MEDIA, "r:gz") as archive:
        archive.extractall(media_root, filter="data")  # no absolute paths, links out, devices
    return sum(1 for p in media_root.rglob("*") if p.is_file())


def compare_counts(expected: dict[str, int]) -> list[str]:
    """The differences between the manifest's counts and the restored database's."""
    with connection.cursor() as cursor:
        found = count_rows(cursor, sorted(expected))
    return [
        f"{name}: {expected[name]} in the backup, {found[name]} restored"
        for name in sorted(expected)
        if expected[name] != found[name]
    ]
