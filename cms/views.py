"""Public views of the cms layer: the communes API."""

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _

from cms.branches import nearest_branches
from cms.models import Branch
from cms.places import suggest_places

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
    branches = list(Branch.objects.all())
    results = []
    for commune in suggest_places(query, limit=10):
        item = {
            "insee": commune.insee,
            "name": commune.name,
            "postcodes": list(commune.postcodes),
            "lat": round(commune.lat, 5),
            "lon": round(commune.lon, 5),
            "nearest_branch": None,
        }
        ranked = nearest_branches(commune.lat, commune.lon, branches)
        if ranked:
            item["nearest_branch"] = {
                "name": ranked[0].branch.name,
                "distance_km": round(ranked[0].distance_km, 1),
            }
        results.append(item)
    return JsonResponse(results, safe=False)
