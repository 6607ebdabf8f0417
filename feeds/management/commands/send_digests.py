"""``manage.py send_digests``: the weekly digest to every member who opted in.

- no option: send now, to every member who has not had this week's digest;
- ``--dry-run``: list who would get one and how many entries, send and record nothing;
- ``--if-due``: what the scheduler runs every minute: once the digest day and hour have come
  (``AFFINITES_DIGEST_WEEKDAY``, 0 = Monday, default 4 = Friday; ``AFFINITES_DIGEST_HOUR``,
  default 8, local time), enqueue the background sweep, at most once a week.
"""

from django.conf import settings
from django.core.cache import cache
from django.core.management.base import BaseCommand
from django.utils import timezone

from community.models import User
from feeds import digest


def is_due(now) -> bool:
    local = timezone.localtime(now)
    weekday = getattr(settings, "AFFINITES_DIGEST_WEEKDAY", 4)
    hour = getattr(settings, "AFFINITES_DIGEST_HOUR", 8)
    return (local.weekday(), local.hour) >= (weekday, hour)


class Command(BaseCommand):
    help = "Send the weekly digest to the members who opted in (once per week each)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="List the recipients, send nothing."
        )
        parser.add_argument(
            "--if-due",
            action="store_true",
            help="Enqueue the background sweep if the digest day and hour have come.",
        )

    def handle(self, *args, dry_run: bool, if_due: bool, **options) -> None:
        now = timezone.now()
        week = digest.week_of(timezone.localdate(now))
        if dry_run:
            pending = digest.pending_recipient_ids(week)
            for user in User.objects.filter(pk__in=pending).order_by("pk"):
                count = len(digest.digest_entries(user, now=now))
                self.stdout.write(f"{user.pk}\t{user.email}\t{count}")
            self.stdout.write(f"{len(pending)} member(s) pending for the week of {week}.")
            return
        if if_due:
            if not is_due(now):
                return
            # One sweep a week is enough; a second one would send nothing (deliveries are
            # unique per member and week), the cache only spares the work.
            if not cache.add(f"affinites:digest-enqueued:{week}", True, timeout=8 * 86400):
                return
            from feeds.digest_tasks import send_weekly_digests

            send_weekly_digests.enqueue()
            self.stdout.write(f"Weekly digest sweep enqueued for the week of {week}.")
            return
        sent = digest.send_digests(now=now)
        self.stdout.write(f"{sent} digest(s) sent for the week of {week}.")
