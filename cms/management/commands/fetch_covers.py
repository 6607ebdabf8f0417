"""``manage.py fetch_covers``: look for the covers of a bounded batch of due catalogue items.

Due: no cover yet, a source (the record's 856 address, or an ISBN when a cover service is
configured in Paramètres › Réseau), and never looked at or last looked at long enough ago
(cms/catalogue/covers.py). The scheduler runs it with ``--enqueue`` (handed to the task
worker); without it, the covers are fetched here and the outcome is printed.
"""

from django.core.management.base import BaseCommand

from cms.catalogue.cover_tasks import enqueue_claimed
from cms.catalogue.covers import claim_due, fetch_covers


class Command(BaseCommand):
    help = "Fetch the missing covers of a bounded batch of catalogue items."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--limit", type=int, default=100, help="Items to look at in this run (100)."
        )
        parser.add_argument(
            "--enqueue", action="store_true", help="Hand the batch to the task worker."
        )

    def handle(self, *args, limit: int, enqueue: bool, **options) -> None:
        pks = claim_due(max(limit, 0))
        if enqueue:
            enqueue_claimed(pks)
            self.stdout.write(f"{len(pks)} item(s) handed to the task worker.")
            return
        counts = fetch_covers(pks)
        summary = ", ".join(f"{outcome}: {n}" for outcome, n in sorted(counts.items()))
        self.stdout.write(f"{len(pks)} item(s) looked at. {summary}".strip())
