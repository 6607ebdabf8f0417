"""``manage.py search_index --rebuild | --status | --sync KIND ID…``.

--rebuild refills the whole index of the configured backend (database: in one transaction;
Elasticsearch: into new indexes, then the aliases are swapped) with a progress bar on a
terminal. --status prints what is indexed against what should be.
"""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cms.catalogue.progress import RawOutput
from search import indexing
from search.backends import get_backend
from search.documents import KINDS


class _Bar:
    def __init__(self, stream, total: int, enabled: bool, width: int = 30) -> None:
        self.stream, self.total, self.enabled, self.width = stream, max(total, 1), enabled, width
        self.started = time.monotonic()
        self.last = 0.0

    def __call__(self, done: int) -> None:
        now = time.monotonic()
        if not self.enabled or (now - self.last < 0.1 and done < self.total):
            return
        self.last = now
        fraction = min(done / self.total, 1.0)
        filled = round(fraction * self.width)
        rate = done / max(now - self.started, 1e-9)
        self.stream.write(
            f"\r[{'#' * filled}{'·' * (self.width - filled)}] {fraction * 100:3.0f} %  "
            f"{done}/{self.total}  {rate:,.0f} doc/s\033[K"
        )
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()


class Command(BaseCommand):
    help = "Rebuild the site search index, or show its status."

    def add_arguments(self, parser) -> None:
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--rebuild", action="store_true", help="Rebuild the whole index.")
        group.add_argument("--status", action="store_true", help="Indexed vs indexable counts.")
        group.add_argument(
            "--sync", nargs="+", metavar=("KIND", "ID"), help="Re-index some objects now."
        )
        parser.add_argument("--batch-size", type=int, default=1000)
        parser.add_argument(
            "--progress",
            action="store_true",
            help="Draw the progress bar even when not a terminal.",
        )

    def handle(self, *args, rebuild, status, sync, batch_size, progress, **options):
        backend = get_backend()
        if status:
            expected = indexing.total_to_index()
            self.stdout.write(
                f"backend: {backend.name} ({settings.SEARCH_BACKEND}); indexed: {backend.count()}; "
                f"indexable: {expected}"
            )
            return
        if sync:
            kind, *ids = sync
            if kind not in KINDS or not all(i.isdigit() for i in ids):
                raise CommandError(f"Usage: --sync KIND ID… with KIND among {', '.join(KINDS)}.")
            indexed, removed = indexing.sync(kind, [int(i) for i in ids])
            self.stdout.write(f"{indexed} indexed, {removed} removed.")
            return
        total = indexing.total_to_index()
        stream = RawOutput(self.stderr)  # the bar redraws one line
        bar = _Bar(stream, total, enabled=progress or self.stderr.isatty())
        started = time.perf_counter()
        try:
            count = indexing.rebuild(progress=bar, batch_size=batch_size)
        finally:
            bar.close()
        seconds = time.perf_counter() - started
        backend.after_rebuild()
        self.stdout.write(
            f"{count} documents indexed in {seconds:.1f} s ({count / max(seconds, 1e-9):,.0f} doc/s), "
            f"backend {backend.name}."
        )
