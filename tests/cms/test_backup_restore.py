"""backup_site then restore_site into a fresh database: same counts, media back, feeds and
search rebuilt (PostgreSQL only)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

from cms.ops import backup
from tests.conftest import make_user

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.postgres
# serialized_rollback: the flush after a transactional test must leave the migrations' data for
# the live-server tests that follow (a flush that re-creates content types breaks their reload)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_backup_then_restore_into_a_fresh_database(tmp_path, settings):
    if connection.vendor != "postgresql":
        pytest.skip("pg_dump needs PostgreSQL")
    settings.MEDIA_ROOT = str(tmp_path / "media")
    (tmp_path / "media" / "images").mkdir(parents=True)
    (tmp_path / "media" / "images" / "affiche.txt").write_text("affiche")
    make_user("lectrice@example.org")

    call_command("backup_site", str(tmp_path / "backup"))
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert manifest["counts"]["community_user"] == 1
    assert manifest["media_files"] == 1

    info = backup.conninfo()
    target = f"{info['dbname']}_restore_{os.getpid()}"
    url = "postgres://{user}@{host}:{port}/{target}".format(
        user=info.get("user", "postgres"), host=info.get("host", "127.0.0.1"),
        port=info.get("port", "5432"), target=target,
    )  # fmt: skip
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "cms.settings.dev",
        "DATABASE_URL": url,
        "MEDIA_ROOT": str(tmp_path / "restored-media"),
    }
    env.pop("REDIS_URL", None)  # the rebuilt feeds go to the restored database's table
    try:
        done = subprocess.run(
            [sys.executable, "manage.py", "restore_site", str(tmp_path / "backup")],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr[-2000:]
        assert "Counts identical" in done.stdout
        assert "Rebuilt" in done.stdout and "indexed" in done.stdout
        assert (tmp_path / "restored-media" / "images" / "affiche.txt").read_text() == "affiche"
        again = subprocess.run(
            [sys.executable, "manage.py", "restore_site", str(tmp_path / "backup")],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert again.returncode != 0
        assert "restore into a fresh one" in again.stderr
    finally:
        admin = {**info, "dbname": "postgres"}
        with psycopg.connect(**admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
