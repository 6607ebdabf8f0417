"""The ``NinjaAPI`` of ``/api/v1/``: problem-details error handlers, quotas, the schema.

Each package contributes a ninja ``Router``; the composition root (``cms/urls.py``) creates
the API with :func:`create_api` and adds them. The OpenAPI document
(``/api/v1/openapi.json``) lists, for every operation, the problem-details answers it may
give (``application/problem+json``), so that clients and the schema fuzzer
(tests/api/test_fuzz.py) know every status code the API can answer.
"""

from __future__ import annotations

import logging

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema, Swagger
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError
from ninja.throttling import BaseThrottle

from . import validation
from .problems import MEDIA_TYPE, ApiProblem, from_exception, problem_response
from .throttling import QuotaThrottle

logger = logging.getLogger(__name__)

DESCRIPTION = """API ouverte du réseau des médiathèques : médiathèques et horaires, agenda,
actualités, coups de cœur, communautés, catalogue, communes ; et, avec un jeton d’accès
personnel (`Authorization: Bearer …`), le fil, les notifications, les inscriptions, les centres
d’intérêt et les communautés d’un membre. Pagination par curseur (`next`), ETag, quotas,
erreurs au format RFC 9457 (`application/problem+json`)."""


class Problem(Schema):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None


PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


class AffinitesAPI(NinjaAPI):
    """A ``NinjaAPI`` whose schema documents the problem answers of every operation."""

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["Problem"] = Problem.model_json_schema()
        for item in schema.get("paths", {}).values():
            for method, operation in item.items():
                if method not in ("get", "post", "put", "patch", "delete"):
                    continue
                self._document_problems(operation)
        return schema

    @staticmethod
    def _document_problems(operation: dict) -> None:
        responses = operation.setdefault("responses", {})
        codes = {400, 404, 422, 429}
        if operation.get("security"):
            codes |= {401, 403}
        if operation.get("requestBody"):
            codes |= {413, 415}
        for code in sorted(codes):
            responses.setdefault(
                str(code),
                {"description": str(_problem_description(code)), "content": {}},
            )
        for code, response in responses.items():
            if int(code) >= 400:
                response["content"] = {MEDIA_TYPE: {"schema": PROBLEM_REF}}


def _problem_description(code: int) -> str:
    return {
        400: "Requête invalide (problème RFC 9457)",
        401: "Jeton absent, invalide ou révoqué",
        403: "Portée du jeton insuffisante",
        404: "Introuvable",
        413: "Corps de requête trop grand",
        415: "Type de contenu non pris en charge",
        422: "Paramètres invalides",
        429: "Quota dépassé (voir Retry-After)",
    }[code]


def _plain_errors(errors: list[dict]) -> list[dict]:
    plain = []
    for error in errors[:50]:
        plain.append(
            {
                "loc": [str(part) for part in error.get("loc", ())],
                "msg": validation.message(error),
                "type": str(error.get("type", "")),
            }
        )
    return plain


def _install_handlers(api: NinjaAPI) -> None:
    def on_problem(request: HttpRequest, exc: ApiProblem) -> HttpResponse:
        return from_exception(request, exc)

    def on_validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return problem_response(
            request,
            422,
            "parametres-invalides",
            _("Some parameters are missing or invalid: see errors."),
            errors=_plain_errors(exc.errors),
        )

    def on_authentication(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return problem_response(
            request,
            401,
            "authentification-requise",
            _(
                "This endpoint needs a personal access token "
                "(Authorization: Bearer …); this one is missing, unknown or revoked."
            ),
            headers={"WWW-Authenticate": 'Bearer realm="api"'},
        )

    def on_authorization(request: HttpRequest, exc: AuthorizationError) -> HttpResponse:
        return problem_response(request, 403, "interdit", str(exc))

    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if exc.status_code == 429:
            return problem_response(
                request,
                429,
                "quota-depasse",
                _("Too many requests: wait for the number of seconds in Retry-After."),
            )
        if exc.status_code == 400:  # ninja: a body that does not parse (invalid JSON)
            return problem_response(
                request,
                400,
                "corps-invalide",
                _("The request body cannot be read: send valid JSON."),
            )
        return problem_response(request, exc.status_code, "erreur-http", str(exc))

    def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return problem_response(
            request, 404, "introuvable", str(exc) or _("This object does not exist.")
        )

    def on_error(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.exception("API error on %s", request.path, exc_info=exc)
        return problem_response(
            request, 500, "erreur-serveur", _("The server could not answer this request.")
        )

    api.add_exception_handler(ApiProblem, on_problem)
    api.add_exception_handler(ValidationError, on_validation)
    api.add_exception_handler(AuthenticationError, on_authentication)
    api.add_exception_handler(AuthorizationError, on_authorization)
    api.add_exception_handler(HttpError, on_http_error)
    api.add_exception_handler(Http404, on_not_found)
    api.add_exception_handler(Exception, on_error)


def create_api(throttle: list[BaseThrottle] | None = None) -> NinjaAPI:
    api = AffinitesAPI(
        title="Affinités",
        version="1",
        description=DESCRIPTION,
        urls_namespace="api-v1",
        throttle=throttle if throttle is not None else [QuotaThrottle()],
        # The Swagger UI bundled with ninja, served from the site's static files (ninja in
        # INSTALLED_APPS): the Content-Security-Policy allows no other origin.
        docs=Swagger(settings={"persistAuthorization": False, "tryItOutEnabled": False}),
    )
    _install_handlers(api)
    return api


def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Any other address under /api/v1/: 404 as problem details (not the site's page, and
    no redirect to an address with a slash)."""
    return problem_response(
        request, 404, "introuvable", _("There is nothing at this address in the API.")
    )
