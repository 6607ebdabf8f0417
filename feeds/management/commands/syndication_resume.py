"""Resume Facebook syndication: due retries, rows of dead workers, missed publications.

Run it every minute or so (cron, systemd timer), or with --loop as a small daemon:

    python manage.py syndication_resume            # once
    python manage.py syndication_resume --loop 60  # every 60 seconds
"""

import time

from django.core.management.base import BaseCommand

from feeds.syndication.outbox import resume_due


class Command(BaseCommand):
    help = "Enqueue Facebook syndication rows that are due, abandoned or missing."

    def add_arguments(self, parser):
        parser.add_argument("--loop", type=int, default=0, metavar="SECONDS")
        parser.add_argument("--no-reconcile", action="store_true")

    def handle(self, *args, loop: int = 0, no_reconcile: bool = False, **options):
        while True:
            counts = resume_due(reconcile=not no_reconcile)
            self.stdout.write(
                f"recorded {counts['recorded']} missed publication(s), "
                f"enqueued {counts['enqueued']} row(s)"
            )
            if not loop:
                return
            time.sleep(loop)
