"""Site pages for the refusals Django answers without one.

- ``csrf_failure`` (``CSRF_FAILURE_VIEW``): a form sent with a stale or missing token — the
  page stayed open across a login or logout in another tab, or cookies are blocked. Django's
  own page explains CSRF cookies to developers; this one says, in the site's words, what to do
  and that nothing was saved.
- ``MethodNotAllowedPageMiddleware``: ``require_POST`` and friends answer 405 with an empty
  body. A member meets one after logging in again from an action button (the login's
  ``next`` is the action's address, opened with GET). The page says what the address is for
  and where to go. The open API keeps its own answers (problem details).
"""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import render, resolve_url

from cms.params import is_site_path


def csrf_failure(request, reason: str = ""):
    del reason  # for developers; Django has already logged it (django.security.csrf)
    return render(request, "403_csrf.html", {"back": _same_site_referer(request)}, status=403)


class MethodNotAllowedPageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code != 405
            or response.content
            or request.path_info.startswith("/api/")
            or request.method not in ("GET", "HEAD")
        ):
            return response
        page = render(request, "405.html", {"back": _same_site_referer(request)}, status=405)
        if response.has_header("Allow"):
            page["Allow"] = response["Allow"]
        return page


def _same_site_referer(request) -> str:
    """The page the visitor came from, when it is a path of this site other than the login
    page (which sent them here), else ''."""
    referer = request.META.get("HTTP_REFERER", "")
    host = request.get_host()
    for scheme in ("https://", "http://"):
        prefix = scheme + host
        if referer.startswith(prefix + "/"):
            path = referer[len(prefix) :]
            login = resolve_url(settings.LOGIN_URL)
            if path.startswith(login) or not is_site_path(request, path):
                return ""
            return path
    return ""
