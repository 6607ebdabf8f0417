"""Rebuild members' feeds from scratch (after a ranking change, a store switch, a restore).

python manage.py rebuild_feeds              # every active member
python manage.py rebuild_feeds --member 42  # one member
python manage.py rebuild_feeds --all        # also members inactive for FEED_INACTIVE_DAYS
"""

import time

from django.core.management.base import BaseCommand, CommandError

from community.models import User
from feeds.fanout import active_members
from feeds.feed.build import build_feed


class Command(BaseCommand):
    help = "Rebuild the personalised feeds (all active members, or one with --member ID)."

    def add_arguments(self, parser):
        parser.add_argument("--member", type=int, help="Only this member (user id).")
        parser.add_argument(
            "--all",
            action="store_true",
            help="Include members inactive for FEED_INACTIVE_DAYS (rebuilt on their visit otherwise).",
        )

    def handle(self, *args, member=None, all=False, **options):
        if member is not None:
            members = User.objects.filter(pk=member, is_active=True)
            if not members.exists():
                raise CommandError(f"No active member with id {member}.")
        else:
            members = User.objects.filter(is_active=True) if all else active_members()
        ids = list(members.order_by("pk").values_list("pk", flat=True).distinct())
        total = len(ids)
        started = time.monotonic()
        entries = 0
        step = max(1, total // 20)
        for done, pk in enumerate(ids, start=1):
            entries += build_feed(User.objects.get(pk=pk))
            if done % step == 0 or done == total:
                self.stdout.write(
                    f"{done}/{total} members, {entries} entries, {time.monotonic() - started:.1f} s"
                )
        self.stdout.write(self.style.SUCCESS(f"Rebuilt {total} feeds ({entries} entries)."))
