"""Places people type, read for this network: its own départements first.

Every page or form where someone types a commune or a postcode goes through here (home
page, "what is on near me", the médiathèques list, onboarding and profile, the partner
questionnaire, the communes API), so that they all understand the same spellings and rank
the network's area first (see :mod:`cms.geo.matching`).
"""

from __future__ import annotations

from cms import geo
from cms.models import Branch


def network_area() -> geo.Area:
    """The départements of the network's branches, then their neighbours."""
    departments = set()
    for insee, postcode in Branch.objects.values_list("insee", "postcode"):
        if insee:
            departments.add(geo.department_of(insee))
        elif postcode:
            served = geo.by_postcode(postcode)
            if served:
                departments.add(served[0].department)
    return geo.area_for(departments)


def _typed_for(commune: geo.Commune, text: str) -> bool:
    """Whether *text* is a way of writing *commune* (a chosen suggestion, or what the
    autocomplete wrote: "Marseille (13001)")."""
    typed = geo.normalize(text)
    name = geo.normalize(commune.name)
    return bool(typed) and (
        typed.startswith(name) or any(code in typed for code in commune.postcodes)
    )


def find_place(text: str, insee: str = "", *, limit: int = 5) -> geo.PlaceMatch:
    """What *text* names for this network; *insee*, when the person picked a commune from
    a list (autocomplete or "Vouliez-vous dire … ?"), settles it if it fits the text."""
    text = (text or "").strip()
    chosen = geo.by_insee(insee) if insee and len(insee) <= 5 else None
    if chosen is not None and _typed_for(chosen, text):
        return geo.PlaceMatch(text, chosen)
    return geo.match(text, network_area(), limit)


def suggest_places(query: str, limit: int = 10) -> list[geo.Commune]:
    """Autocomplete: the communes *query* may mean for this network, best first."""
    return geo.search(query, limit=limit, area=network_area())
