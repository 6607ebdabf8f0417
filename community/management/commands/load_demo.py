"""``manage.py load_demo``: the demo médiathèques, interests, communities and accounts.

Idempotent: run it again and nothing is duplicated (see :mod:`community.demo.loader`).
"""

from django.core.management.base import BaseCommand, CommandError

from cms.links import site_url, sync_default_site
from community.demo import data
from community.demo.loader import DemoDataError, demo_logins, load_all


class Command(BaseCommand):
    help = (
        "Load (or refresh) the demo data: branches, interests, communities, demo accounts, "
        "and the library content (catalogue, branch pages, events, news, curated lists)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--no-library",
            action="store_true",
            help="Skip the library content (catalogue, events, news, curated lists).",
        )

    def handle(self, *args, **options) -> None:
        self.stdout.write("Loading the Affinités demo data…")
        try:
            load_all(self.stdout, library=not options["no_library"])
        except DemoDataError as exc:
            raise CommandError(str(exc)) from exc
        if sync_default_site():  # page links (emails, questionnaire, Facebook) use SITE_URL
            self.stdout.write(f"Wagtail site set to {site_url()} (SITE_URL).")
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {data.DEMO_PASSWORD}):")
        for role, email in demo_logins():
            self.stdout.write(f"  {role:<14} {email}")
        self.stdout.write("")
        self.stdout.write(f"Open {site_url()} (Wagtail admin: {site_url()}/admin/)")
