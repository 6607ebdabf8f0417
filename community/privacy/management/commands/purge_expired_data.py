"""``manage.py purge_expired_data``: the daily retention sweep (prospects, inactive
accounts, expired sessions), logged in the purge log (counts only).

``run_scheduler`` calls it every minute; it does nothing when the last sweep finished less
than 20 hours ago, so it runs once a day. ``--force`` runs it anyway; ``--enqueue`` hands
it to the task backend instead of running it in this process.
"""

from django.core.management.base import BaseCommand

from community.privacy.retention import run_retention
from community.privacy.tasks import purge_expired_data


class Command(BaseCommand):
    help = "Delete the personal data whose retention period is over (once a day)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--force", action="store_true", help="Run even if it ran today.")
        parser.add_argument(
            "--enqueue", action="store_true", help="Enqueue it as a background task."
        )

    def handle(self, *args, force: bool, enqueue: bool, **options) -> None:
        if enqueue:
            result = purge_expired_data.enqueue(force=force)
            self.stdout.write(f"Retention sweep enqueued ({result.id}).")
            return
        log = run_retention(force=force)
        if log is None:
            self.stdout.write("Retention sweep already ran in the last 20 hours: nothing to do.")
            return
        self.stdout.write(
            f"prospects deleted: {log.prospects_deleted} (consents: {log.consents_deleted}), "
            f"accounts warned: {log.accounts_warned}, warnings cancelled: "
            f"{log.warnings_cancelled}, accounts deleted: {log.accounts_deleted}, "
            f"sessions deleted: {log.sessions_deleted}, unmet search counts deleted: "
            f"{log.unmet_searches_deleted}, failures: {log.failures}"
        )
