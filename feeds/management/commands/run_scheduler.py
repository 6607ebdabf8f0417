"""``manage.py run_scheduler``: the periodic jobs of an embedded install, in one process.

Every minute: the tasks kept in the database during a Redis outage moved back to RQ,
Wagtail's scheduled publishing (go-live / expiry dates), Facebook rows left
behind by a crashed worker or a missed signal, event reminders that are due, (once a
week, when its day and hour have come) the weekly digest, and the covers of a small batch of
catalogue items still without one (``fetch_covers --enqueue --limit 20``). `make run`
starts it beside the task worker; in production, run it once (or use cron with the same
commands: see the README).

Once a day (at the first run, then whenever the date changes): the retention sweep of
personal data (``purge_expired_data --enqueue``: a background task, itself a no-op if a
sweep finished in the last 20 hours), and the training of the recommender's item-item
similarities (``train_recommendations --enqueue``).

Only one scheduler runs the jobs at a time (``cms.serving.leader``: a PostgreSQL advisory
lock, or a file lock with SQLite): a second one started by mistake stands by, checks every
round, and takes over when the first stops.

What each job prints is logged at INFO on the ``affinites.tasks.scheduler`` logger (a job
that fails, at ERROR): ``make run``'s console shows it only with ``AFFINITES_TASK_LOG=all``.
"""

import io
import logging
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils import timezone

from cms.serving.leader import LeaderLock

logger = logging.getLogger("affinites.tasks.scheduler")

JOBS = [
    ("requeue_fallback_tasks", []),
    ("publish_scheduled", []),
    ("syndication_resume", []),
    ("fediverse_resume", []),
    ("send_event_reminders", []),
    ("send_digests", ["--if-due"]),
    ("fetch_covers", ["--enqueue", "--limit", "20"]),
]

DAILY_JOBS = [
    ("requeue_fallback_tasks", []),
    ("purge_expired_data", ["--enqueue"]),
    ("train_recommendations", ["--enqueue"]),
]


class Command(BaseCommand):
    help = "Run the periodic jobs (scheduled publishing, Facebook resume, reminders) every minute."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--interval", type=int, default=60, help="Seconds between runs.")
        parser.add_argument("--once", action="store_true", help="Run every job once and exit.")

    def handle(self, *args, interval: int, once: bool, **options) -> None:
        last_daily = None
        lock = LeaderLock("scheduler")
        standing_by = False
        while True:
            if not lock.hold():
                if not standing_by:
                    logger.warning("Another scheduler holds the lock: standing by")
                    standing_by = True
                if once:
                    self.stderr.write("Another scheduler is running: nothing done.")
                    return
                time.sleep(max(interval, 5))
                continue
            if standing_by:
                logger.warning("Scheduler lock taken: running the periodic jobs")
                standing_by = False
            jobs = list(JOBS)
            today = timezone.localdate()
            if today != last_daily:
                jobs += DAILY_JOBS
                last_daily = today
            for name, job_args in jobs:
                output = io.StringIO()
                try:
                    call_command(name, *job_args, verbosity=0, stdout=output)
                except Exception:  # one failing job must not stop the others
                    logger.exception("Periodic job %s failed", name)
                for line in output.getvalue().splitlines():
                    if line.strip():
                        logger.info("%s: %s", name, line)
            if once:
                lock.release()
                return
            time.sleep(max(interval, 5))
