"""The site's own origins, for the websocket handshake (`cms/asgi.py`).

A browser opening a websocket sends the page's Origin; a page on another site (a partner's
portal, a page on another port of the same machine) could otherwise open `/ws/fil/` with the
member's cookie and read what is pushed to them. Only exact origins are accepted (scheme,
host and port): the site's address (``SITE_URL``) and ``CSRF_TRUSTED_ORIGINS``; in
development (``DEBUG``) also the address the server was reached at, so that `make run` works
on any port. A handshake without an Origin header is refused: browsers always send one, and
a client that omits it gains nothing a browser page could not do.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host

_DEFAULT_PORTS = {"http": 80, "https": 443}


def normalise_origin(url: str) -> str | None:
    """``scheme://host[:port]`` in lower case, without a default port; None if not HTTP(S)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname or "*" in parts.hostname:
        return None
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    if port is None or port == _DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def site_origins() -> list[str]:
    """The origins of the site's own pages: SITE_URL's, then CSRF_TRUSTED_ORIGINS."""
    site_url = settings.SITE_URL or settings.WAGTAILADMIN_BASE_URL
    origins = [normalise_origin(o) for o in [site_url, *settings.CSRF_TRUSTED_ORIGINS]]
    return list(dict.fromkeys(o for o in origins if o))


def _header(scope, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin1")
    return ""


def _own_origin(scope) -> str | None:
    """The origin of the address the server was reached at, when its host is allowed."""
    host = _header(scope, b"host")
    domain, _port = split_domain_port(host)
    if not domain or not validate_host(domain, settings.ALLOWED_HOSTS):
        return None
    scheme = "https" if scope.get("scheme") in ("wss", "https") else "http"
    return normalise_origin(f"{scheme}://{host}")


def is_site_origin(scope) -> bool:
    """Whether the handshake's Origin is exactly one of the site's own origins."""
    origin = normalise_origin(_header(scope, b"origin"))
    if origin is None:
        return False
    if origin in site_origins():
        return True
    return settings.DEBUG and origin == _own_origin(scope)


class SiteOriginValidator:
    """ASGI middleware: websocket handshakes from the site's own origins only, compared
    exactly (channels' ``OriginValidator`` fails on an Origin with a malformed port), with
    the list read from the settings at each handshake; others are denied (HTTP 403)."""

    def __init__(self, application) -> None:
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket" and is_site_origin(scope):
            return await self.application(scope, receive, send)
        return await WebsocketDenier()(scope, receive, send)
