"""Send again what the Fediverse has due: fan-outs of outbox rows (retries, rows left by a
worker that died) and deliveries (retries after a failure). The scheduler runs it every
minute."""

from django.core.management.base import BaseCommand

from feeds.fediverse import delivery, outbox


class Command(BaseCommand):
    help = "Enqueue the Fediverse publications and deliveries that are due."

    def handle(self, *args, **options):
        publications = outbox.resume_due()
        deliveries = delivery.resume_due()
        self.stdout.write(
            f"enqueued {publications} Fediverse publication(s), {deliveries} delivery(ies)"
        )
