"""Errors as RFC 9457 problem details: ``type``, ``title``, ``status``, ``detail``.

Every error the API answers, whoever raises it (validation 422, authentication 401, scope 403,
unknown object 404, quota 429, server error 500), is a JSON object of media type
``application/problem+json``. ``type`` is a stable URI naming the kind of problem (its
fragment in docs/api.md); clients branch on it, people read ``title`` and ``detail`` (French,
or the language asked for with ``Accept-Language``).
"""

from __future__ import annotations

import json
import logging

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from cms import links

logger = logging.getLogger(__name__)

MEDIA_TYPE = "application/problem+json"
# The problem types are described on the API's documentation page (``/api/v1/docs``) and in
# docs/api.md: ``{SITE_URL}/api/v1/docs#probleme-<code>``.
TYPE_PATH = "/api/v1/docs#probleme-"


class ApiProblem(Exception):
    """Raised by an endpoint or an auth check: answered as problem details."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        *,
        title: str | None = None,
        headers: dict[str, str] | None = None,
        **extra,
    ):
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail
        self.title = title
        self.headers = headers or {}
        self.extra = extra


def default_title(status: int) -> str:
    titles = {
        400: _("Bad request"),
        401: _("Authentication required"),
        403: _("Forbidden"),
        404: _("Not found"),
        405: _("Method not allowed"),
        406: _("Not acceptable"),
        409: _("Conflict"),
        413: _("Request too large"),
        415: _("Unsupported media type"),
        422: _("Invalid parameters"),
        429: _("Too many requests"),
        500: _("Server error"),
        503: _("Service unavailable"),
    }
    return str(titles.get(status, _("Error")))


def problem_body(
    status: int, code: str, detail: str, *, title: str | None = None, instance: str = "", **extra
) -> dict:
    body = {
        "type": links.site_url() + TYPE_PATH + code,
        "title": title or default_title(status),
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    body.update(extra)
    return body


def problem_response(
    request: HttpRequest | None,
    status: int,
    code: str,
    detail: str,
    *,
    title: str | None = None,
    headers: dict[str, str] | None = None,
    **extra,
) -> HttpResponse:
    body = problem_body(
        status,
        code,
        detail,
        title=title,
        instance=request.path if request is not None else "",
        **extra,
    )
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status, content_type=MEDIA_TYPE
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def from_exception(request: HttpRequest, problem: ApiProblem) -> HttpResponse:
    return problem_response(
        request,
        problem.status,
        problem.code,
        problem.detail,
        title=problem.title,
        headers=problem.headers,
        **problem.extra,
    )
