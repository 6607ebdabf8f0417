"""HTTP behaviour of every ``/api/v1/`` response, whichever package's router answered.

- **Problem details** for the errors Django answers before or after the API (an unknown path,
  a method the path does not take, the 503 page while the database is away): the same
  ``application/problem+json`` body as the API's own errors, headers (``Allow``,
  ``Retry-After``) kept.
- **ETag**: a successful GET carries a strong ETag of its body; ``If-None-Match`` with it
  answers 304 without a body (Django's ``get_conditional_response``). ``Cache-Control:
  no-cache`` makes caches revalidate; ``private`` when a token was sent.
- **CORS** for the declared origins only (:mod:`cms.api.cors`): preflight (OPTIONS) and
  ``Access-Control-Allow-Origin`` on responses. Tokens travel in ``Authorization``, never in
  cookies, so credentials are not allowed.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.cache import (
    get_conditional_response,
    patch_cache_control,
    patch_vary_headers,
    set_response_etag,
)
from django.utils.translation import gettext as _

from . import cors
from .problems import MEDIA_TYPE, problem_response

PREFIX = "/api/v1/"
ALLOWED_METHODS = "GET, POST, PUT, DELETE, OPTIONS"
ALLOWED_HEADERS = "Authorization, Content-Type, If-None-Match, Accept-Language"
EXPOSED_HEADERS = "ETag, Retry-After, WWW-Authenticate"
PREFLIGHT_MAX_AGE = "600"
KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")


def _error_detail(status: int) -> tuple[str, str]:
    if status == 404:
        return "introuvable", _("There is nothing at this address in the API.")
    if status == 405:
        return "methode-non-permise", _("This address does not accept this HTTP method.")
    if status == 503:
        return "indisponible", _("The service is briefly unavailable: try again shortly.")
    if status >= 500:
        return "erreur-serveur", _("The server could not answer this request.")
    return "requete-invalide", _("This request cannot be answered.")


class ApiMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(PREFIX):
            return self.get_response(request)
        origin = request.headers.get("Origin", "")
        allowed = bool(origin) and cors.is_allowed(origin)
        if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
            response = self._preflight(request, allowed)
        else:
            response = self._as_problem(request, self.get_response(request))
            if request.method in ("GET", "HEAD") and response.status_code == 200:
                response = self._conditional(request, response)
        if allowed:
            response["Access-Control-Allow-Origin"] = origin
            response["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
        patch_vary_headers(response, ["Origin", "Authorization"])
        return response

    def _preflight(self, request: HttpRequest, allowed: bool) -> HttpResponse:
        if not allowed:
            return problem_response(
                request,
                403,
                "origine-non-declaree",
                _(
                    "This site is not among the partner sites declared to the network: "
                    "its pages cannot call the API from a browser."
                ),
            )
        response = HttpResponse(status=204)
        response["Access-Control-Allow-Methods"] = ALLOWED_METHODS
        response["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
        response["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
        return response

    def _as_problem(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if response.status_code < 400:
            return response
        content_type = response.get("Content-Type", "")
        if content_type.startswith(MEDIA_TYPE):
            return response
        code, detail = _error_detail(response.status_code)
        headers = {name: response[name] for name in KEPT_HEADERS if response.has_header(name)}
        return problem_response(request, response.status_code, code, detail, headers=headers)

    def _conditional(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if response.streaming or not response.get("Content-Type", "").startswith(
            "application/json"
        ):
            return response
        if "Authorization" in request.headers:
            patch_cache_control(response, private=True, no_cache=True)
        else:
            patch_cache_control(response, no_cache=True)
        if not response.has_header("ETag"):
            set_response_etag(response)
        return get_conditional_response(request, etag=response["ETag"], response=response)
