"""Absolute links: the one builder, fed by ``SITE_URL``, and the Wagtail site kept in step.

Every link that leaves a page — emails (prospects, notifications, digest, account,
Wagtail's workflow), the partner questionnaire's answer, Facebook posts, feeds and
calendars — is built here from ``settings.SITE_URL`` (the environment variable, e.g.
``https://affinites.example.org``), never from the request's Host header or from a
hard-coded host.

Wagtail builds page addresses from its default ``Site`` (hostname and port; the scheme is
``https`` for port 443, ``http`` otherwise), and so do its workflow emails
(``page.full_url``). :func:`sync_default_site` writes ``SITE_URL``'s host and port there: a
data migration did it for existing databases, every ``migrate`` does it again (``make run``,
``make serve``), and ``load_demo`` too. ``manage.py check`` warns (``cms.W010``) when the two
disagree, or when ``SITE_URL`` cannot be expressed as a Wagtail site (HTTPS on another port
than 443, a path).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks

DEFAULT_PORTS = {"http": 80, "https": 443}


def site_url() -> str:
    """``SITE_URL`` normalised: ``scheme://host[:port]``, lower case, no trailing slash."""
    raw = str(settings.SITE_URL or "http://127.0.0.1:8000").strip()
    parts = urlsplit(raw)
    scheme = (parts.scheme or "http").lower()
    host = (parts.hostname or "127.0.0.1").lower()
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    base = f"{scheme}://{host}"
    if port and port != DEFAULT_PORTS.get(scheme):
        base += f":{port}"
    return base + parts.path.rstrip("/")


def absolute_url(url: str) -> str:
    """``SITE_URL`` + ``url`` for a path; an address that is already absolute is kept."""
    if not url:
        return site_url() + "/"
    if url.startswith(("http://", "https://", "//")):
        return url
    return site_url() + (url if url.startswith("/") else "/" + url)


def page_url(page) -> str:
    """The absolute address of a Wagtail page ("" when it has none: not routable)."""
    parts = page.get_url_parts()
    if parts is None:
        return ""
    site_id, root_url, path = parts
    default = _default_site()
    if default is not None and site_id not in (None, default.pk):
        return root_url + path  # a page of another Wagtail site keeps that site's address
    return absolute_url(path)


def rebase(url: str) -> str:
    """``url`` moved onto ``SITE_URL`` (same path, query and fragment)."""
    parts = urlsplit(url)
    rest = parts.path or "/"
    if parts.query:
        rest += "?" + parts.query
    if parts.fragment:
        rest += "#" + parts.fragment
    return absolute_url(rest)


# --- The Wagtail site ----------------------------------------------------------------------


def site_location() -> tuple[str, int]:
    """(hostname, port) of ``SITE_URL``, as a Wagtail ``Site`` stores them."""
    parts = urlsplit(site_url())
    return parts.hostname or "127.0.0.1", parts.port or DEFAULT_PORTS.get(parts.scheme, 80)


def _default_site():
    from wagtail.models import Site

    return Site.objects.filter(is_default_site=True).first()


def sync_default_site(using: str = "default") -> bool:
    """Give the default Wagtail site ``SITE_URL``'s hostname and port; True if it changed.

    Another site already holding that hostname and port (a second Wagtail site) is left
    alone, and so is the default one: the check then says so.
    """
    from wagtail.models import Site

    hostname, port = site_location()
    site = Site.objects.using(using).filter(is_default_site=True).first()
    if site is None or (site.hostname, site.port) == (hostname, port):
        return False
    taken = (
        Site.objects.using(using).filter(hostname=hostname, port=port).exclude(pk=site.pk).exists()
    )
    if taken:
        return False
    site.hostname, site.port = hostname, port
    site.save(update_fields=["hostname", "port"])
    Site.clear_site_root_paths_cache()
    return True


def mismatch() -> str | None:
    """Why the default Wagtail site's address is not ``SITE_URL``, or None when it is."""
    base = site_url()
    parts = urlsplit(base)
    if parts.path:
        return f"SITE_URL ({base}) has a path: the site must be served at the root of its host."
    if parts.scheme == "https" and (parts.port or 443) != 443:
        return (
            f"SITE_URL ({base}) is HTTPS on a port other than 443: Wagtail cannot build "
            "page addresses for it (it reads port 443 as HTTPS, any other as HTTP)."
        )
    site = _default_site()
    if site is None:
        return "There is no default Wagtail site."
    if site.root_url != base:
        return (
            f"The default Wagtail site answers {site.root_url} while SITE_URL is {base}: "
            "links built from pages (emails, the partner questionnaire, Facebook) would "
            "point elsewhere."
        )
    return None


@checks.register(checks.Tags.urls)
def site_url_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """cms.W010: the Wagtail site and SITE_URL disagree."""
    from django.db import DatabaseError

    try:
        problem = mismatch()
    except DatabaseError:  # no database yet (before the first migrate): nothing to compare
        return []
    if problem is None:
        return []
    return [
        checks.Warning(
            problem,
            hint=(
                "Set SITE_URL to the address visitors use (https://your.host, no path), then "
                "run `manage.py migrate` (it writes SITE_URL's host and port into the "
                "default Wagtail site)."
            ),
            obj="SITE_URL",
            id="cms.W010",
        )
    ]
