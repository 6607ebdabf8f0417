"""Place matching for how people type (cms.geo.matching, cms.places).

The hit rate is measured on ``data/bdr_typed_communes.tsv``: how people write the communes
of the Bouches-du-Rhône (lower case, no accents, St/Ste, no article, one typing mistake, the
first letters, postcodes, Marseille's arrondissements, and a hand-written list of short
names and local spellings), each with the INSEE code meant, taken from the Etalab fixture
``bdr_communes.json``, not from the matcher.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from cms import geo
from cms.places import find_place, network_area

DATA = Path(__file__).parent / "data"
BDR = geo.area_for(["13"])


def _spellings() -> list[dict[str, str]]:
    with (DATA / "bdr_typed_communes.tsv").open(encoding="utf-8") as fh:
        lines = (line for line in fh if not line.startswith("#"))
        return list(csv.DictReader(lines, delimiter="\t"))


def _hit_rates(rows) -> tuple[float, float]:
    top1 = top3 = 0
    for row in rows:
        found = [c.insee for c in geo.search(row["typed"], limit=3, area=BDR)]
        top1 += found[:1] == [row["insee"]]
        top3 += row["insee"] in found
    return top1 / len(rows), top3 / len(rows)


def test_the_list_holds_a_few_hundred_spellings_of_every_commune():
    rows = _spellings()
    assert len(rows) >= 700
    meant = {row["insee"] for row in rows}
    assert len({code for code in meant if code < "13200"}) == 119  # every commune
    assert len({code for code in meant if code > "13200"}) == 16  # every arrondissement


def test_hit_rate_on_how_people_write_the_bouches_du_rhone():
    top1, top3 = _hit_rates(_spellings())
    print(f"top-1 {top1:.1%}, top-3 {top3:.1%}")
    assert top1 >= 0.97
    assert top3 >= 0.99


def test_hit_rate_on_the_hand_written_spellings():
    top1, top3 = _hit_rates([row for row in _spellings() if row["how"] == "hand"])
    print(f"hand-written: top-1 {top1:.1%}, top-3 {top3:.1%}")
    assert top1 >= 0.95
    assert top3 >= 0.98


def test_the_area_of_the_bouches_du_rhone_is_it_and_its_neighbours():
    assert BDR.home == {"13"}
    assert BDR.near == {"04", "30", "83", "84"}
    assert [BDR.tier(d) for d in ("13", "84", "19")] == [0, 1, 2]


def test_a_short_name_means_the_commune_of_the_network_first():
    found = geo.match("Aix", BDR)
    assert found.commune.name == "Aix-en-Provence"
    assert found.suggestions[0].insee == "19002"  # Aix (Corrèze), offered as the other one
    assert geo.match("Aix").commune.insee == "19002"  # without an area: the exact name


@pytest.mark.parametrize(
    ("typed", "insee"),
    [
        ("Aubag", "13005"),
        ("aubagn", "13005"),
        ("Salon", "13103"),
        ("St Rémy", "13100"),
        ("Stes Maries", "13096"),
        ("Sts", None),  # too many
        ("Pennes", "13071"),
        ("Ciotat", "13028"),
        ("Fos s/ Mer", "13039"),
        ("Aix en Pce", "13001"),
        ("Marseille 5e", "13205"),
        ("marseille 5eme", "13205"),
        ("Marseille 13005", "13205"),
        ("Mrs 13008", "13208"),
        ("13005", "13205"),
        ("Aix 13090", "13001"),
        ("Valence", "26362"),  # a whole name far away beats an inner word nearby
    ],
)
def test_how_people_type_a_commune(typed, insee):
    found = geo.match(typed, BDR)
    assert (found.commune.insee if found.commune else None) == insee


def test_a_typing_mistake_gets_did_you_mean():
    found = geo.match("Marseile", BDR)
    assert found.commune is None
    assert found.typo
    assert found.suggestions[0].insee == "13055"


def test_a_far_name_one_letter_from_a_commune_of_the_network_is_a_question():
    found = geo.match("Cabanes", BDR)  # Cabanes is in the Tarn and the Aveyron
    assert found.commune is None
    assert found.suggestions[0].name == "Cabannes"


def test_an_ambiguous_beginning_lists_the_network_communes_first():
    found = geo.match("Chateauneuf", BDR)
    assert found.commune is None
    assert {c.insee for c in found.suggestions[:2]} == {"13025", "13026"}


def test_extra_words_after_a_name_are_a_suggestion():
    found = geo.match("Tarascon sur Rhône", BDR)
    assert found.commune is None
    assert found.suggestions[0].insee == "13108"


@pytest.mark.parametrize("text", ["", "   ", "zzzzqqq", "99999", "x" * 500, "<script>", "%00"])
def test_nonsense_names_nothing(text):
    found = geo.match(text, BDR)
    assert found.commune is None
    assert geo.search(text, area=BDR) == [] or text == "<script>"


@pytest.mark.django_db
def test_the_network_area_comes_from_its_branches(branches):
    assert network_area().home == {"13"}


@pytest.mark.django_db
def test_a_commune_picked_from_a_list_settles_the_text(branches):
    assert find_place("Aix", "19002").commune.name == "Aix"
    assert find_place("Marseille (13001)", "13201").commune.insee == "13201"


@pytest.mark.django_db
@pytest.mark.parametrize("insee", ["75056", "13201x", "abcde", "<svg>", "1" * 300])
def test_a_picked_commune_that_does_not_fit_the_text_is_ignored(branches, insee):
    assert find_place("Aubagne", insee).commune.insee == "13005"
