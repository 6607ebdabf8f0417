"""Offline French geocoding: communes by name, postcode or INSEE code, with coordinates.

Everything is read from the committed data file ``communes.tsv.gz`` (built by
``python -m cms.geo.build`` from Etalab, La Poste and GeoNames data, see ``SOURCES.md``);
nothing is fetched at run time. The file is loaded on first use and indexed in memory.

>>> resolve("St-Chamas").insee
'13092'
>>> [c.name for c in search("aix", limit=3)]
['Aix', 'Aix-en-Provence', 'Aix-les-Bains']
>>> [c.insee for c in by_postcode("13001")]
['13201', '13055']
"""

from __future__ import annotations

import heapq
import math
from functools import lru_cache

from cms.geo.data import Commune, Index, normalize, read_rows
from cms.geo.matching import NOWHERE, Area, PlaceMatch, area_for, department_of, matcher

__all__ = [
    "NOWHERE",
    "Area",
    "Commune",
    "PlaceMatch",
    "area_for",
    "by_insee",
    "by_postcode",
    "department_of",
    "haversine_km",
    "match",
    "normalize",
    "resolve",
    "search",
]

EARTH_RADIUS_KM = 6371.0088
MAX_QUERY_LENGTH = 200


@lru_cache(maxsize=1)
def _index() -> Index:
    return Index(read_rows())


def by_insee(code: str) -> Commune | None:
    """The commune (or arrondissement municipal) with this INSEE code, e.g. ``"13001"``."""
    index = _index()
    idx = index.by_insee.get(str(code or "").strip().upper())
    return None if idx is None else index.communes[idx]


def by_postcode(postcode: str) -> list[Commune]:
    """All communes served by *postcode*, the most relevant (then most populous) first.

    Communes for which it is an official postcode come before those where La Poste uses it
    for a few addresses only, and an arrondissement before the city that contains it
    (``"13001"`` -> Marseille 1er Arrondissement, then Marseille).
    """
    index = _index()
    code = str(postcode or "").replace(" ", "")
    return [index.communes[i] for i in index.by_postcode.get(code, ())]


def match(text: str, area: Area = NOWHERE, limit: int = 5) -> PlaceMatch:
    """What *text* names, read as people type (see :mod:`cms.geo.matching`).

    `area` puts a network's own départements first (:func:`area_for`); without it every
    département weighs the same. The result has the commune when the text names one
    clearly, and up to *limit* suggestions ("Vouliez-vous dire … ?") or alternatives.
    """
    if not isinstance(text, str):
        return PlaceMatch("")
    text = text.strip()
    if not text or len(text) > MAX_QUERY_LENGTH:
        return PlaceMatch(text)
    return _match(text, area, limit)


@lru_cache(maxsize=4096)
def _match(text: str, area: Area, limit: int) -> PlaceMatch:
    return matcher().match(text, area, limit)


def resolve(text: str, area: Area = NOWHERE) -> Commune | None:
    """The commune meant by *text*: a name, a postcode, or both ("Marseille 13005").

    Names are matched without regard to case, accents, hyphens, apostrophes, a leading
    article or "St"/"Saint"; homonyms resolve to the one in the best tier of *area*, then
    the most populous; a beginning that only one commune of that tier has names it
    ("Aubag"). A postcode gives the first commune of :func:`by_postcode`. Returns ``None``
    when nothing matches clearly (see :func:`match` for suggestions).
    """
    return match(text, area).commune


def search(query: str, limit: int = 10, area: Area = NOWHERE) -> list[Commune]:
    """Autocomplete: the communes *query* may mean, best first.

    A query of digits matches postcodes by prefix (``"130"``). Otherwise communes of the
    best tier of *area* come first; within a tier exact names, then names starting with the
    query, then names with an inner word starting with it, the most populous first; when
    nothing starts with the query, names one or two typing mistakes away. At most *limit*.
    """
    if not isinstance(query, str) or limit <= 0 or len(query) > MAX_QUERY_LENGTH:
        return []
    compact = query.strip().replace(" ", "")
    if not compact:
        return []
    if compact.isdigit() and len(compact) <= 5:
        communes = _index().communes
        return [communes[i] for i in _search_postcode(compact, limit)]
    return list(_rank(query.strip(), area, limit))


@lru_cache(maxsize=4096)
def _rank(query: str, area: Area, limit: int) -> tuple[Commune, ...]:
    return tuple(matcher().rank(query, area, limit))


@lru_cache(maxsize=2048)
def _search_postcode(prefix: str, limit: int) -> tuple[int, ...]:
    index = _index()
    lo, hi = index.prefix_range(index.postcodes, prefix)
    best: dict[int, tuple] = {}
    for code in index.postcodes[lo:hi]:
        for position, idx in enumerate(index.by_postcode[code]):
            rank = (code != prefix, position > 0, -index.population[idx], code)
            if idx not in best or rank < best[idx]:
                best[idx] = rank
    return tuple(heapq.nsmallest(limit, best, key=best.__getitem__))


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres between two points given in degrees."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))
