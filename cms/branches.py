"""Nearest-branch computation (great-circle distance, branches are few: done in Python)."""

from dataclasses import dataclass

from django.conf import settings

from cms import geo
from cms.models.branches import Branch


@dataclass(frozen=True)
class BranchDistance:
    branch: Branch
    distance_km: float

    @property
    def is_near(self) -> bool:
        return self.distance_km <= settings.AFFINITES_NEAR_BRANCH_KM


def nearest_branches(lat: float, lon: float, branches=None) -> list[BranchDistance]:
    """Every branch with its distance from (lat, lon), nearest first."""
    if branches is None:
        branches = Branch.objects.all()
    ranked = [
        BranchDistance(b, geo.haversine_km(lat, lon, b.latitude, b.longitude)) for b in branches
    ]
    ranked.sort(key=lambda bd: (bd.distance_km, bd.branch.name))
    return ranked


def nearest_branch(lat: float, lon: float) -> BranchDistance | None:
    ranked = nearest_branches(lat, lon)
    return ranked[0] if ranked else None


def communes_with_nearest_branch(query: str, limit: int = 10) -> list[dict]:
    """Communes matching ``query`` (name or postcode, typing mistakes allowed), each with
    its nearest branch: the communes lookup of the site's forms and of the API."""
    from cms.places import suggest_places

    branches = list(Branch.objects.all())
    results = []
    for commune in suggest_places(query, limit=limit):
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
                "slug": ranked[0].branch.slug,
                "distance_km": round(ranked[0].distance_km, 1),
            }
        results.append(item)
    return results
