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
import re
from functools import lru_cache

from cms.geo.data import Commune, Index, normalize, read_rows, strip_article

__all__ = [
    "Commune",
    "by_insee",
    "by_postcode",
    "haversine_km",
    "normalize",
    "resolve",
    "search",
]

EARTH_RADIUS_KM = 6371.0088
MAX_QUERY_LENGTH = 200
_POSTCODE = re.compile(r"^\d{5}$")
_POSTCODE_IN_TEXT = re.compile(r"^(?:(\d{5}) (.+)|(.+) (\d{5}))$")
_CEDEX = re.compile(r"(?:^| )cedex(?: \d{1,3})?$")
_ARRONDISSEMENT = re.compile(
    r"^(paris|marseille|lyon) 0?(\d{1,2}) ?(?:er|e|eme|ieme|em)?(?: arr(?:ondissement)?)?$"
)


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


def _by_name(name: str) -> int | None:
    """Index of the most populous commune called *name* (normalised), or ``None``."""
    index = _index()
    if not name:
        return None
    match = _ARRONDISSEMENT.match(name)
    if match:
        number = int(match.group(2))
        suffix = "er" if number == 1 else "e"
        ids = index.by_name.get(f"{match.group(1)} {number}{suffix} arrondissement")
        # An unknown arrondissement number still names the city.
        return ids[0] if ids else index.by_name[match.group(1)][0]
    for table in (index.by_name, index.by_alias):
        for key in (name, strip_article(name)):
            ids = table.get(key)
            if ids:
                return ids[0]
    return None


def _named(idx: int, name: str) -> bool:
    """Whether commune *idx*, or the city it belongs to, is called *name* (normalised)."""
    index = _index()
    parent = index.parent.get(idx)
    if name in index.names[idx] or (parent is not None and name in index.names[parent]):
        return True
    return _by_name(name) == idx


def resolve(text: str) -> Commune | None:
    """The commune meant by *text*: a name, a postcode, or both ("Marseille 13005").

    Names are matched without regard to case, accents, hyphens, apostrophes, a leading
    article or "St"/"Saint"; homonyms resolve to the most populous commune. A postcode gives
    the first commune of :func:`by_postcode`. Returns ``None`` when nothing matches.
    """
    if not isinstance(text, str):
        return None
    text = text.strip()
    if not text or len(text) > MAX_QUERY_LENGTH:
        return None
    index = _index()
    compact = text.replace(" ", "")
    if _POSTCODE.match(compact):
        ids = index.by_postcode.get(compact)
        return index.communes[ids[0]] if ids else None
    name = _CEDEX.sub("", normalize(text)).strip()
    match = _POSTCODE_IN_TEXT.match(name)
    if match:
        postcode = match.group(1) or match.group(4)
        name = match.group(2) or match.group(3)
        ids = index.by_postcode.get(postcode, [])
        for idx in ids:
            if _named(idx, name):
                return index.communes[idx]
        idx = _by_name(name)
        if idx is None and ids:
            idx = ids[0]
        return None if idx is None else index.communes[idx]
    idx = _by_name(name)
    return None if idx is None else index.communes[idx]


def search(query: str, limit: int = 10) -> list[Commune]:
    """Autocomplete: communes whose name, or a word of it, starts with *query*.

    A query of digits matches postcodes by prefix (``"130"``). Exact matches come first,
    then names starting with the query before names with an inner word starting with it,
    then the most populous. At most *limit* results.
    """
    if not isinstance(query, str) or limit <= 0 or len(query) > MAX_QUERY_LENGTH:
        return []
    compact = query.strip().replace(" ", "")
    if compact.isdigit() and len(compact) <= 5:
        ids = _search_postcode(compact, limit)
    else:
        ids = _search_name(normalize(query), limit)
    communes = _index().communes
    return [communes[i] for i in ids]


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


@lru_cache(maxsize=2048)
def _search_name(prefix: str, limit: int) -> tuple[int, ...]:
    if not prefix:
        return ()
    index = _index()
    lo, hi = index.prefix_range(index.prefix_keys, prefix)
    best: dict[int, tuple] = {}
    keys, ids, full, population = (
        index.prefix_keys,
        index.prefix_ids,
        index.prefix_full,
        index.population,
    )
    for pos in range(lo, hi):
        idx = ids[pos]
        rank = (not full[pos] or keys[pos] != prefix, not full[pos], -population[idx], idx)
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
