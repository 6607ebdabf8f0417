"""``manage.py send_event_reminders``: remind every participant whose event starts within 24 h.

Meant for cron (e.g. every 15 minutes). Idempotent: a registration is reminded once.
``--enqueue`` hands the sweep to the task backend instead of running it here.
"""

from django.core.management.base import BaseCommand

from community.tasks import send_due_reminders, sweep_reminders


class Command(BaseCommand):
    help = "Send the event reminders that are due (events starting within 24 hours)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Enqueue the sweep as a background task instead of running it now.",
        )

    def handle(self, *args, **options) -> None:
        if options["enqueue"]:
            result = send_due_reminders.enqueue()
            self.stdout.write(f"Reminder sweep enqueued ({result.id}).")
            return
        sent = sweep_reminders()
        self.stdout.write(f"{sent} reminder(s) sent.")
