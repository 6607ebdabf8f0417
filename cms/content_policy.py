"""Content-Security-Policy: the site's policy, the admin's, and the violation reports.

django-csp writes the header (``CONTENT_SECURITY_POLICY`` enforced, or
``CONTENT_SECURITY_POLICY_REPORT_ONLY``; settings in ``cms/settings/base.py``). The public
site runs no inline script, no event-handler attribute and no style attribute: scripts and
styles come from the site itself, an inline script would need the request's nonce
(``{{ request.csp_nonce }}``). Wagtail's admin ships inline scripts (panels, date pickers)
and style attributes, so its URLs get ``ADMIN_CONTENT_SECURITY_POLICY`` instead, from
``AdminAwareCSPMiddleware`` (django-csp's documented extension point, ``get_policy_parts``).

Browsers send what the policy blocked to ``/csp-rapport/``: logged on ``cms.csp`` (directive,
blocked address, page path without its query), with a small body limit and a per-address
rate limit so the endpoint cannot be used to flood the logs.
"""

from __future__ import annotations

import json
import logging
import time
from urllib.parse import urlsplit

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

logger = logging.getLogger("cms.csp")

REPORT_MAX_BYTES = 8 * 1024
REPORTS_PER_MINUTE = 30


def admin_paths() -> tuple[str, ...]:
    return tuple(getattr(settings, "ADMIN_CSP_PATH_PREFIXES", ("/admin/",)))


class AdminAwareCSPMiddleware(CSPMiddleware):
    """django-csp's middleware; the admin's URLs get the admin's directives."""

    def get_policy_parts(
        self, request: HttpRequest, response, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if parts.config is None and request.path_info.startswith(admin_paths()):
            name = (
                "CONTENT_SECURITY_POLICY_REPORT_ONLY" if report_only else "CONTENT_SECURITY_POLICY"
            )
            if getattr(settings, name, None):  # the admin's policy in the same mode as the site's
                parts.config = dict(settings.ADMIN_CONTENT_SECURITY_POLICY)
        return parts


def _within_rate(request: HttpRequest) -> bool:
    minute = int(time.time() // 60)
    key = f"csp-report:{request.META.get('REMOTE_ADDR', '') or 'unknown'}:{minute}"
    cache.add(key, 0, timeout=120)
    try:
        return cache.incr(key) <= REPORTS_PER_MINUTE
    except ValueError:  # expired between add and incr
        return True


def _clip(value, limit: int = 300) -> str:
    return str(value if value is not None else "")[:limit]


def _path_only(url) -> str:
    """A page's address without its query or fragment (tokens live there)."""
    parts = urlsplit(_clip(url, 2000))
    return _clip(f"{parts.scheme}://{parts.netloc}{parts.path}" if parts.netloc else parts.path)


def _reports(body: dict | list) -> list[dict]:
    """The violations of a report-uri body ({"csp-report": {...}}) or a Reporting API batch
    ([{"type": "csp-violation", "body": {...}}])."""
    if isinstance(body, dict) and isinstance(body.get("csp-report"), dict):
        return [body["csp-report"]]
    if isinstance(body, list):
        return [
            r["body"]
            for r in body[:10]
            if isinstance(r, dict)
            and r.get("type") == "csp-violation"
            and isinstance(r.get("body"), dict)
        ]
    return []


@csrf_exempt  # browsers send reports without cookies or token; nothing is changed
@require_POST
def report(request: HttpRequest) -> HttpResponse:
    """Log a browser's CSP violation report; 204 whatever it holds, 413/429 past the limits."""
    length = request.META.get("CONTENT_LENGTH") or "0"
    if not length.isdigit() or int(length) > REPORT_MAX_BYTES:
        return HttpResponse(status=413)
    if not _within_rate(request):
        return HttpResponse(status=429, headers={"Retry-After": "60"})
    from cms.params import JSONRefused, load_json

    try:
        body = load_json(request.read(REPORT_MAX_BYTES), max_depth=4)
    except JSONRefused:
        return HttpResponse(status=400)
    for violation in _reports(body):
        directive = violation.get("violated-directive") or violation.get("effectiveDirective")
        blocked = violation.get("blocked-uri") or violation.get("blockedURL")
        page = violation.get("document-uri") or violation.get("documentURL")
        disposition = violation.get("disposition") or ""
        logger.warning(
            "CSP violation%s: %s blocked %s on %s",
            " (report only)" if disposition == "report" else "",
            _clip(directive, 100),
            _path_only(blocked) if "/" in _clip(blocked) else _clip(blocked, 60),
            _path_only(page),
            extra={"csp_report": json.dumps(violation, default=str)[:1000]},
        )
    return HttpResponse(status=204)
