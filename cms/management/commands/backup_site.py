"""``manage.py backup_site FOLDER``: the database (pg_dump) and the media in one folder,
with a manifest of every table's row count (cms/ops/backup.py, docs/operations.md)."""

import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from cms.ops import backup


class Command(BaseCommand):
    help = "Back up the PostgreSQL database and the media folder into FOLDER."

    def add_arguments(self, parser) -> None:
        parser.add_argument("folder", type=Path)

    def handle(self, *args, folder: Path, **options) -> None:
        if connection.vendor != "postgresql":
            raise CommandError(
                "backup_site needs PostgreSQL (DATABASE_URL); SQLite: copy the file."
            )
        if folder.exists() and any(folder.iterdir()):
            raise CommandError(f"{folder} is not empty: give a new folder for each backup.")
        manifest = backup.backup(folder, environ=dict(os.environ))
        rows = sum(manifest["counts"].values())
        self.stdout.write(
            f"Backup in {folder}: {len(manifest['counts'])} tables, {rows} rows, "
            f"{manifest['media_files']} media files, {manifest['migrations']} migrations applied."
        )
