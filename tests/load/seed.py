"""Accounts for the members of the load scenario (``make load``), on top of the demo network.

    python -m tests.load.seed --members 40

Idempotent: loads the demo network first when the database has none (``load_demo``), then
``load-member-NNN@affinites.local`` accounts (password ``LOAD_PASSWORD``), with a verified
address, onboarded like the demo members (their interests, commune, nearest médiathèque and
communities, taken in turn), and their feeds built. Only for a load-test database: the
accounts have a published password.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LOAD_PASSWORD = "affinites-charge"
EMAIL = "load-member-{:03d}@affinites.local"


def seed(count: int) -> list[str]:
    from allauth.account.models import EmailAddress
    from django.core.management import call_command
    from django.db import transaction

    from cms import geo
    from cms.branches import nearest_branch
    from cms.models import Interest
    from community.actions.memberships import join_community
    from community.actions.onboarding import complete_onboarding, save_interests_and_place
    from community.demo import data
    from community.models import CommunityPage, User
    from feeds.feed.build import build_feed

    if not CommunityPage.objects.live().exists():
        call_command("load_demo")
    emails = []
    for index in range(count):
        email = EMAIL.format(index)
        emails.append(email)
        if User.objects.filter(email=email, onboarded_at__isnull=False).exists():
            continue
        model = data.MEMBERS[index % len(data.MEMBERS)]
        with transaction.atomic():
            user = User.objects.filter(email=email).first()
            if user is None:
                user = User(email=email, username=f"load-member-{index:03d}")
                user.display_name = f"Membre de test {index}"
                user.set_password(LOAD_PASSWORD)
                user.save()
                EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
            commune = geo.resolve(model["commune"])
            interests = list(Interest.objects.filter(slug__in=model["interests"]))
            save_interests_and_place(user, interests=interests, commune=commune)
            complete_onboarding(user, branch=nearest_branch(commune.lat, commune.lon).branch)
            for community in CommunityPage.objects.filter(slug__in=model["communities"]):
                join_community(user, community)
        build_feed(user)
    return emails


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=40)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.production")
    import django

    django.setup()
    emails = seed(args.members)
    print(f"{len(emails)} load-test members ready ({emails[0]} … {emails[-1]})")


if __name__ == "__main__":
    main()
