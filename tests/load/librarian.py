"""Librarians publishing now and then during ``make load``: every ``--every`` seconds an
announcement for the interests and médiathèque of one of the load-test members, published
as the admin does (Wagtail's revision publish: the fan-out is enqueued on commit and run by
the task workers, which push "new in your feed" to the open pages).

    python -m tests.load.librarian --every 60

One Django process for the whole run (started and stopped by tests/load/locustfile.py), with
the environment of ``make load`` (DATABASE_URL, REDIS_URL).
"""

from __future__ import annotations

import argparse
import itertools
import os
import signal
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def publish_for(email: str, title: str, **fields) -> int:
    """An announcement for `email`'s interests and home médiathèque; returns its page id.
    `fields`: more of the page's fields (e.g. publish_on_facebook=True)."""
    from community.models import User
    from tests.cms.library_factories import make_announcement

    member = User.objects.get(email=email)
    branches = [member.home_branch] if member.home_branch_id else []
    page = make_announcement(
        title, interests=list(member.interests.all()), branches=branches, **fields
    )
    return page.pk


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--every", type=float, default=60)
    parser.add_argument("--members", type=int, default=int(os.environ.get("LOAD_MEMBERS", "40")))
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.dev")
    import django

    django.setup()
    from tests.load.seed import EMAIL

    stopping = []
    signal.signal(signal.SIGTERM, lambda *a: stopping.append(True))
    published = 0
    for number in itertools.count(1):
        deadline = time.monotonic() + args.every
        while time.monotonic() < deadline and not stopping:
            time.sleep(0.5)
        if stopping:
            break
        email = EMAIL.format(number % args.members)
        publish_for(email, f"Nouveauté de la médiathèque n° {number} ({time.strftime('%H:%M:%S')})")
        published += 1
    print(f"librarian: {published} announcements published", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
