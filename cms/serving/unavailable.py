"""The "try again in a moment" page (503 with Retry-After) of an overloaded server.

It is shown when a worker is too busy to take a request in time or when no database
connection can be had: nothing in it needs the database (no context processors, no user),
and it is rendered once per language and kept.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, parse_cookie
from django.template.loader import render_to_string
from django.utils import translation

_pages: dict[tuple[str, int], bytes] = {}


def page(language: str) -> bytes:
    """The page's HTML in `language` (one of settings.LANGUAGES)."""
    key = (language, settings.WEB_RETRY_AFTER)
    if key not in _pages:
        with translation.override(language):
            html = render_to_string("503.html", {"retry_after": settings.WEB_RETRY_AFTER})
        _pages[key] = html.encode()
    return _pages[key]


def headers() -> dict[str, str]:
    return {
        "Content-Type": "text/html; charset=utf-8",
        "Retry-After": str(settings.WEB_RETRY_AFTER),
        "Cache-Control": "no-store",
    }


def response(request: HttpRequest) -> HttpResponse:
    """The 503 response for a Django request, in the visitor's language."""
    return HttpResponse(
        page(translation.get_language_from_request(request)), status=503, headers=headers()
    )


def language_of_scope(scope: dict) -> str:
    """The visitor's language for an ASGI request scope (language cookie, then
    Accept-Language, then the site's default), as Django's LocaleMiddleware would choose."""
    request = HttpRequest()
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            request.COOKIES = parse_cookie(value.decode("latin-1"))
        elif name == b"accept-language":
            request.META["HTTP_ACCEPT_LANGUAGE"] = value.decode("latin-1")
    return translation.get_language_from_request(request)
