"""``manage.py write_error_pages``: the "try again in a moment" page as a static file
(STATIC_ROOT/errors/503.html), for the proxy to show when no web worker answers at all
(deploy/nginx/affinites.conf: ``error_page 502 504``). Run after ``collectstatic``."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from cms.serving import unavailable


class Command(BaseCommand):
    help = "Write the 503 page for the proxy into STATIC_ROOT/errors/."

    def handle(self, *args, **options) -> None:
        folder = Path(settings.STATIC_ROOT) / "errors"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "503.html"
        path.write_bytes(unavailable.page(settings.LANGUAGE_CODE))
        self.stdout.write(f"Wrote {path}")
