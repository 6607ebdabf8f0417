"""Offline geocoding (cms.geo) against reference data taken from the source packages.

The fixtures do not come from the resolver's data file, so these tests are not circular:

- ``data/bdr_communes.json``: the 119 communes of the Bouches-du-Rhône and the 16
  arrondissements municipaux of Marseille, with their official postcodes, copied from
  ``data/communes.json`` of the npm package @etalab/decoupage-administratif 6.0.0.
- ``data/metro_postcodes.txt``: every metropolitan postcode (not 97xxx/98xxx) of
  ``codes-postaux-full.json`` in the npm package codes-postaux 4.1.2.
"""

from __future__ import annotations

import json
import statistics
import time
import unicodedata
from pathlib import Path

import pytest

from cms import geo

DATA = Path(__file__).parent / "data"
BDR = json.loads((DATA / "bdr_communes.json").read_text(encoding="utf-8"))
BDR_COMMUNES = [c for c in BDR if c["type"] == "commune-actuelle"]
MARSEILLE_ARRONDISSEMENTS = [c for c in BDR if c["type"] == "arrondissement-municipal"]
METRO_POSTCODES = (DATA / "metro_postcodes.txt").read_text().split()
BDR_BBOX = {"lat": (43.15, 43.93), "lon": (4.23, 5.82)}
VIEUX_PORT = (43.2951, 5.3740)


def fold(text: str) -> str:
    """What a user might type: lower case, no accents, spaces instead of hyphens."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return plain.lower().replace("-", " ").replace("'", " ")


def test_fixtures_hold_the_whole_department():
    assert len(BDR_COMMUNES) == 119
    assert len(MARSEILLE_ARRONDISSEMENTS) == 16
    assert len(METRO_POSTCODES) > 6000


def test_every_bdr_commune_resolves_by_its_exact_name():
    wrong = {c["name"]: getattr(geo.resolve(c["name"]), "insee", None) for c in BDR}
    wrong = {name: got for name, got in wrong.items() if got != _insee(name)}
    assert wrong == {}


def test_every_bdr_commune_resolves_by_its_folded_name():
    wrong = {}
    for commune in BDR:
        typed = fold(commune["name"])
        found = geo.resolve(typed)
        if found is None or found.insee != commune["insee"]:
            wrong[typed] = getattr(found, "insee", None)
    assert wrong == {}


def test_every_bdr_postcode_resolves_to_a_commune_with_that_postcode():
    wrong = {}
    for commune in BDR:
        for postcode in commune["postcodes"]:
            found = geo.resolve(postcode)
            if found is None or postcode not in found.postcodes or found.department != "13":
                wrong[postcode] = found
    assert wrong == {}


def test_marseille_postcodes_resolve_to_their_arrondissement():
    for number in range(1, 17):
        found = geo.resolve(f"130{number:02d}")
        assert found is not None
        assert found.insee == f"132{number:02d}"
        suffix = "er" if number == 1 else "e"
        assert found.name == f"Marseille {number}{suffix} Arrondissement"


def test_bdr_coordinates_lie_in_the_department():
    outside = {}
    for commune in BDR:
        found = geo.by_insee(commune["insee"])
        assert found is not None, commune["insee"]
        lat_ok = BDR_BBOX["lat"][0] <= found.lat <= BDR_BBOX["lat"][1]
        lon_ok = BDR_BBOX["lon"][0] <= found.lon <= BDR_BBOX["lon"][1]
        if not (lat_ok and lon_ok):
            outside[commune["name"]] = (found.lat, found.lon)
    assert outside == {}


def test_most_bdr_communes_have_direct_coordinates():
    direct = sum(not geo.by_insee(c["insee"]).approximate for c in BDR_COMMUNES)
    print(f"BdR communes with direct GeoNames coordinates: {direct}/119")
    assert direct >= 110


@pytest.mark.parametrize(
    ("city", "codes"),
    [
        ("marseille", [f"132{n:02d}" for n in range(1, 17)]),
        ("paris", [f"751{n:02d}" for n in range(1, 21)]),
        ("lyon", [f"6938{n}" for n in range(1, 10)]),
    ],
)
def test_arrondissements_have_distinct_direct_coordinates_near_their_city(city, codes):
    centre = geo.resolve(city)
    arrondissements = [geo.by_insee(code) for code in codes]
    assert all(a is not None and not a.approximate for a in arrondissements)
    assert len({(a.lat, a.lon) for a in arrondissements}) == len(codes)
    for a in arrondissements:
        assert geo.haversine_km(centre.lat, centre.lon, a.lat, a.lon) < 15


@pytest.mark.parametrize("text", ["St-Chamas", "saint chamas", "ST CHAMAS", "Saint-Chamas"])
def test_saint_abbreviations(text):
    assert geo.resolve(text).name == "Saint-Chamas"


@pytest.mark.parametrize(
    "text", ["Les Saintes-Maries-de-la-Mer", "saintes maries de la mer", "Stes-Maries-de-la-Mer"]
)
def test_leading_article_is_optional(text):
    assert geo.resolve(text).insee == "13096"


@pytest.mark.parametrize(
    ("text", "insee"),
    [
        ("Marseille 5e", "13205"),
        ("Marseille 5ème arrondissement", "13205"),
        ("marseille 01", "13201"),
        ("Marseille 13005", "13205"),
        ("13008 Marseille", "13208"),
        ("Marseille", "13055"),
        ("Paris 16e", "75116"),
        ("75116", "75116"),
        ("Lyon 3", "69383"),
        ("Aix-en-Provence 13090", "13001"),
        ("AIX EN PROVENCE CEDEX 1", "13001"),
        ("L'Isle-sur-la-Sorgue", "84054"),
        ("ŒTING", "57521"),
        ("oeting", "57521"),
        ("Valence", "26362"),  # homonyms: the most populous wins
    ],
)
def test_resolve_variants(text, insee):
    assert geo.resolve(text).insee == insee


@pytest.mark.parametrize("text", ["", "   ", "zzzzqqq", "99999", "x" * 2000, "Marseille " * 200])
def test_garbage_resolves_to_none(text):
    assert geo.resolve(text) is None


def test_garbage_searches_return_nothing():
    assert geo.search("") == []
    assert geo.search("zzzzqqq") == []
    assert geo.search("99999") == []
    assert geo.search("x" * 2000) == []
    assert geo.search("aix", limit=0) == []


def test_search_puts_aix_en_provence_in_the_top_three():
    names = [c.name for c in geo.search("aix")]
    assert "Aix-en-Provence" in names[:3]
    bdr = [c.name for c in geo.search("aix", limit=20) if c.department == "13"]
    assert bdr[0] == "Aix-en-Provence"


def test_search_by_postcode_prefix_only_returns_matching_postcodes():
    results = geo.search("130", limit=50)
    assert results
    assert all(any(pc.startswith("130") for pc in c.postcodes) for c in results)
    assert {c.insee for c in results} >= {"13001", "13201", "13216"}


def test_search_by_full_postcode_puts_its_official_communes_first():
    assert [c.insee for c in geo.search("13001", limit=2)] == ["13201", "13055"]


def test_search_matches_word_prefixes():
    assert "Saint-Chamas" in [c.name for c in geo.search("st ch")]
    assert "Saint-Chamas" in [c.name for c in geo.search("chamas")]
    assert geo.search("saintes maries")[0].insee == "13096"


def test_search_exact_match_first_then_population():
    results = geo.search("marseille", limit=5)
    assert results[0].insee == "13055"
    populations = {c["insee"]: c["population"] for c in MARSEILLE_ARRONDISSEMENTS}
    arr = [populations[c.insee] for c in results[1:]]
    assert arr == sorted(arr, reverse=True)


@pytest.mark.parametrize("limit", [1, 3, 10, 25])
def test_search_respects_limit(limit):
    assert len(geo.search("saint", limit=limit)) == limit
    assert len(geo.search("13", limit=limit)) == limit


def test_search_is_fast():
    from cms.geo.matching import matcher

    area = geo.area_for(["13"])
    geo.search("warm up", area=area)
    queries = ["aix", "mars", "saint m", "st ch", "la ciot", "ville", "bourg", "mont"]
    typos = ["marseile", "aubange", "vitroles", "tarrascon"]
    timings, typo_timings = [], []
    for query in queries + typos:
        matcher().rank(query, area, 10)  # the length buckets are built on first use
        start = time.perf_counter()
        matcher().rank(query, area, 10)  # uncached
        (typo_timings if query in typos else timings).append(time.perf_counter() - start)
    median_ms = statistics.median(timings) * 1000
    typo_ms = statistics.median(typo_timings) * 1000
    print(f"median uncached search: {median_ms:.2f} ms, with a typing mistake {typo_ms:.2f} ms")
    assert median_ms < 5
    assert typo_ms < 100


def test_metro_postcode_coverage():
    resolved = [pc for pc in METRO_POSTCODES if (c := geo.resolve(pc)) and pc in c.postcodes]
    share = 100 * len(resolved) / len(METRO_POSTCODES)
    print(f"metropolitan postcodes resolved: {len(resolved)}/{len(METRO_POSTCODES)} ({share:.2f}%)")
    assert share >= 99.5


def test_by_postcode_lists_every_commune_most_relevant_first():
    communes = geo.by_postcode("13001")
    assert [c.insee for c in communes] == ["13201", "13055"]
    assert geo.by_postcode("99999") == []
    shared = geo.by_postcode("13103")  # Saint-Étienne-du-Grès, Mas-Blanc-des-Alpilles
    assert {c.insee for c in shared} == {"13094", "13057"}


def test_by_insee():
    aix = geo.by_insee("13001")
    assert aix.name == "Aix-en-Provence"
    assert aix.department == "13"
    assert "13100" in aix.postcodes
    assert geo.by_insee("2A004").name == "Ajaccio"
    assert geo.by_insee("00000") is None
    assert geo.by_insee("") is None


def test_distances():
    aix = geo.resolve("Aix-en-Provence")
    assert 25 <= geo.haversine_km(*VIEUX_PORT, aix.lat, aix.lon) <= 30
    paris, marseille = geo.resolve("Paris"), geo.resolve("Marseille")
    assert 640 <= geo.haversine_km(paris.lat, paris.lon, marseille.lat, marseille.lon) <= 680
    assert geo.haversine_km(43.0, 5.0, 43.0, 5.0) == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Saint-Rémy-de-Provence", "saint remy de provence"),
        ("St-Chamas", "saint chamas"),
        ("Ste  Marie", "sainte marie"),
        ("L'Isle-sur-la-Sorgue", "l isle sur la sorgue"),
        ("ŒUILLY", "oeuilly"),
        ("  Aix—en—Provence!! ", "aix en provence"),
        ("", ""),
    ],
)
def test_normalize(text, expected):
    assert geo.normalize(text) == expected


def test_overseas_communes_are_included():
    assert geo.resolve("97400").department == "974"
    assert geo.resolve("Saint-Barthélemy").insee == "97701"


def test_data_file_is_compact():
    assert (Path(geo.__file__).parent / "communes.tsv.gz").stat().st_size < 1_000_000


def _insee(name: str) -> str:
    return next(c["insee"] for c in BDR if c["name"] == name)
