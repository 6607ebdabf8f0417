"""Public views of the cms layer: the communes lookup of the site's forms (internal JSON:
the open API's is ``/api/v1/communes``, docs/api.md)."""

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _

from cms.branches import communes_with_nearest_branch

MAX_QUERY_LENGTH = 100


def communes_api(request: HttpRequest) -> JsonResponse:
    """GET /api/communes/?q=<text>: at most 10 communes with their nearest branch."""
    query = request.GET.get("q")
    if query is None or not query.strip():
        return JsonResponse({"error": _("The q parameter is required.")}, status=400)
    if len(query) > MAX_QUERY_LENGTH:
        return JsonResponse(
            {"error": _("The q parameter is limited to 100 characters.")}, status=400
        )
    return JsonResponse(communes_with_nearest_branch(query), safe=False)
