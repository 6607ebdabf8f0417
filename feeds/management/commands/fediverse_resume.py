"""Send again the Fediverse deliveries that are due (retries after a failure, rows left by a
worker that died). The scheduler runs it every minute."""

from django.core.management.base import BaseCommand

from feeds.fediverse.delivery import resume_due


class Command(BaseCommand):
    help = "Enqueue the Fediverse deliveries that are due."

    def handle(self, *args, **options):
        self.stdout.write(f"enqueued {resume_due()} Fediverse delivery(ies)")
