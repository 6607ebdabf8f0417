"""Request bodies are refused by their announced size, before they are read.

Django reads a whole upload (to a temporary file) before a form can say it is too large, and
under ASGI the server hands Django the body only once it has all arrived: a 60 MB "avatar"
was received in full before the 5 MB refusal. Here a request whose body is larger than its
limit gets the "too large" page (413, in the visitor's language) straight away, from its
``Content-Length``, without reading a byte of it; a body sent without a length (chunked) is
cut off at the limit. Nothing is saved from a refused request, and nothing saved is touched.

The limits (``cms/settings/base.py``):
- ``MAX_REQUEST_BODY_SIZE``: the site (members' pictures, 5 MB, and the rest of the form);
- ``MAX_ADMIN_REQUEST_BODY_SIZE``: the Wagtail admin (catalogue imports of 20 MB, images of
  10 MB, documents);
- a body that is not a file upload (``multipart/form-data``): ``DATA_UPLOAD_MAX_MEMORY_SIZE``,
  which Django applies anyway once it reads the body (as a 400).
The proxy in front should refuse larger bodies still (nginx: ``client_max_body_size``).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.formats import number_format

from cms.serving import unavailable

logger = logging.getLogger(__name__)


def limit_for(path: str, content_type: str) -> int:
    """The largest body, in bytes, a request to `path` with this content type may send."""
    if path.startswith(reverse("wagtailadmin_home")):
        limit = settings.MAX_ADMIN_REQUEST_BODY_SIZE
    else:
        limit = settings.MAX_REQUEST_BODY_SIZE
    data_limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE  # None: Django does not check it
    if data_limit is not None and not content_type.lower().startswith("multipart/form-data"):
        return min(limit, data_limit)
    return limit


def _parse_length(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def page(language: str, limit: int, path: str) -> bytes:
    """The 413 page; its "back" link goes to the form's own page (a GET of the same path)."""
    back = path if path.startswith("/") and not path.startswith("//") and "\\" not in path else "/"
    with translation.override(language):
        megabytes = limit / (1024 * 1024)
        shown = number_format(int(megabytes) if megabytes.is_integer() else round(megabytes, 1))
        html = render_to_string("413.html", {"megabytes": shown, "back": back})
    return html.encode()


HEADERS = {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"}


class RequestBodyLimitMiddleware:
    """Django middleware: the same refusal where the server does not go through
    `BodyLimit` (WSGI, the test client); the body has not been read yet when it runs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        length = _parse_length(request.META.get("CONTENT_LENGTH"))
        limit = limit_for(request.path, request.META.get("CONTENT_TYPE", ""))
        if length is not None and length > limit:
            logger.warning("Refused %s: a body of %d bytes (limit %d)", request.path, length, limit)
            language = translation.get_language_from_request(request)
            return HttpResponse(page(language, limit, request.path), status=413, headers=HEADERS)
        return self.get_response(request)


class BodyLimit:
    """ASGI middleware: the refusal before the body is received (see the module)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers", []))
        content_type = headers.get(b"content-type", b"").decode("latin-1")
        limit = limit_for(scope["path"], content_type)
        length = _parse_length(headers.get(b"content-length", b"").decode("latin-1"))
        if length is not None and length > limit:
            logger.warning(
                "Refused %s: a body of %d bytes (limit %d)", scope["path"], length, limit
            )
            return await self._refuse(scope, send, limit)

        received = 0
        cut = False
        started = False

        async def limited_receive():
            nonlocal received, cut
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    cut = True
                    return {"type": "http.disconnect"}  # the application stops reading
            return message

        async def watched_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        await self.app(scope, limited_receive, watched_send)
        if cut and not started:
            logger.warning("Refused %s: a body without length past %d bytes", scope["path"], limit)
            await self._refuse(scope, send, limit)

    async def _refuse(self, scope, send, limit: int) -> None:
        body = page(unavailable.language_of_scope(scope), limit, scope["path"])
        headers = [(k.lower().encode(), v.encode()) for k, v in HEADERS.items()]
        headers += [(b"content-length", str(len(body)).encode()), (b"connection", b"close")]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})
