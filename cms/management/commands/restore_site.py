"""``DATABASE_URL=<a fresh database> manage.py restore_site FOLDER``: a backup of
``backup_site`` restored into the database DATABASE_URL names (created when absent, refused
when it already has tables) and MEDIA_ROOT; then ``check``, every table's count compared
with the backup's, and the feeds and the search index rebuilt (cms/ops/backup.py)."""

import json
import os
import time
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from cms.ops import backup


class Command(BaseCommand):
    help = "Restore a backup_site folder into a fresh database, compare counts, rebuild feeds and search."

    def add_arguments(self, parser) -> None:
        parser.add_argument("folder", type=Path)
        parser.add_argument(
            "--skip-rebuild", action="store_true", help="Do not rebuild the feeds and the index."
        )

    def handle(self, *args, folder: Path, skip_rebuild: bool, **options) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("restore_site needs PostgreSQL (DATABASE_URL).")
        manifest_path = folder / backup.MANIFEST
        if not manifest_path.exists():
            raise CommandError(f"{folder} holds no {backup.MANIFEST}: not a backup_site folder.")
        manifest = json.loads(manifest_path.read_text())
        started = time.monotonic()
        try:
            backup.restore_database(folder, environ=dict(os.environ))
        except RuntimeError as error:
            raise CommandError(str(error)) from error
        connection.close()
        media_files = backup.restore_media(folder)
        self.stdout.write(f"Database and {media_files} media files restored.")
        call_command("check", stdout=self.stdout)
        differences = backup.compare_counts(manifest["counts"])
        if differences:
            raise CommandError("Counts differ:\n  " + "\n  ".join(differences))
        self.stdout.write(
            f"Counts identical: {len(manifest['counts'])} tables, "
            f"{sum(manifest['counts'].values())} rows."
        )
        if not skip_rebuild:
            call_command("rebuild_feeds", all=True, stdout=self.stdout)
            call_command("search_index", rebuild=True, stdout=self.stdout)
        self.stdout.write(f"Restore done in {time.monotonic() - started:.1f} s.")
