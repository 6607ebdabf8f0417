"""The Marketing API targeting spec for a page: its interests' Facebook ids, around its branches.

- ``flexible_spec``: one group (outer AND of one group) whose interests are ORed: the
  Facebook interest ids mapped on the page's interests (a top-level interest brings its
  sub-interests' ids too);
- ``geo_locations.custom_locations``: a circle of ``radius`` km around each branch (the
  event's branch, a curated list's; an announcement's target branches, or every branch if
  none);
- ``age_min``: 15, France's age of digital consent;
- ``targeting_automation.advantage_audience = 0``: Facebook must not widen the audience.

Keyword targeting was retired by Meta in 2014: interest ids are the way to "buy keywords".
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Q

from cms.models import Branch, EventPage, Interest, RecommendationPage


def page_branches(page) -> list[Branch]:
    if isinstance(page, EventPage):
        return [page.branch]
    if isinstance(page, RecommendationPage) and page.branch_id:
        return [page.branch]
    branches = list(page.branches.all()) if hasattr(page, "branches") else []
    return branches or list(Branch.objects.all())


def page_interests(page) -> list[Interest]:
    chosen = list(page.interests.all())
    top_level = [i.pk for i in chosen if i.parent_id is None]
    return list(
        Interest.objects.filter(Q(pk__in=[i.pk for i in chosen]) | Q(parent_id__in=top_level))
    )


def facebook_interests(page) -> list[dict[str, str]]:
    from .models import FacebookInterest

    seen: dict[str, dict[str, str]] = {}
    for fb in FacebookInterest.objects.filter(interest__in=page_interests(page)).order_by(
        "name", "facebook_id"
    ):
        seen.setdefault(fb.facebook_id, {"id": fb.facebook_id, "name": fb.name})
    return list(seen.values())


def targeting_spec(page, *, radius_km: int | None = None) -> dict:
    radius = int(radius_km or settings.FACEBOOK_TARGETING_RADIUS_KM)
    spec: dict = {
        "geo_locations": {
            "custom_locations": [
                {
                    "latitude": round(b.latitude, 6),
                    "longitude": round(b.longitude, 6),
                    "radius": radius,
                    "distance_unit": "kilometer",
                }
                for b in page_branches(page)
            ],
            "location_types": ["home", "recent"],
        },
        "age_min": settings.FACEBOOK_TARGETING_AGE_MIN,
        "targeting_automation": {"advantage_audience": 0},
    }
    interests = facebook_interests(page)
    if interests:
        spec["flexible_spec"] = [{"interests": interests}]
    return spec
