"""The results page, the JSON API and the suggestions endpoint; bad input never gives a 500."""

import re

import pytest
from django.urls import reverse

from cms.models import NetworkSettings

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("engine")]

RESULTS = "/recherche/"
API = "/api/recherche/"
SUGGEST = "/api/recherche/suggestions/"


def test_urls():
    assert reverse("search:results") == RESULTS
    assert reverse("search:api") == API
    assert reverse("search:suggestions") == SUGGEST


def test_results_page_shows_hits_facets_tabs_and_reserve(client, catalogue):
    settings = NetworkSettings.load()
    settings.opac_record_url = "https://opac.example.org/notice/{record_id}"
    settings.save()
    response = client.get(RESULTS, {"q": "camus"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "L&#x27;Étranger" in html and "La Peste" in html
    # the "Réserver" link goes through the counted click-through to the OPAC record
    reserve = re.search(r'href="(/catalogue/\d+/reserver/)"', html)
    assert reserve
    assert client.get(reserve.group(1))["Location"].startswith("https://opac.example.org/notice/")
    assert 'aria-label="Types de résultats"' in html or "search-tabs" in html
    assert "search-facets" in html and "(2)" in html
    assert "Albert Camus" in html and "1942" in html
    assert 'role="search"' in html and 'role="combobox"' in html  # header box


def test_facet_links_toggle_and_keep_the_query(client, catalogue, branches):
    response = client.get(RESULTS, {"q": "camus", "mediatheque": branches["arles"].slug})
    html = response.content.decode()
    assert "La Peste" in html and "L&#x27;Étranger" not in html
    assert f"mediatheque={branches['arles'].slug}" in html
    assert 'aria-current="true"' in html  # the selected value


def test_api_same_parameters(client, catalogue, branches, taxonomy):
    data = client.get(API, {"q": "science fiction", "interet": "science-fiction"}).json()
    assert data["total"] == 3
    assert {r["title"] for r in data["results"]} == {
        "Dune",
        "Fondation",
        "Les plus beaux romans de science-fiction",
    }
    first = data["results"][0]
    assert {
        "kind",
        "title",
        "url",
        "authors",
        "year",
        "availability",
        "reserve_url",
        "reasons",
    } <= set(first)
    facets = {f["name"]: f for f in data["facets"]}
    assert facets["interest"]["param"] == "interet"
    assert any(
        v["selected"] and v["value"] == "science-fiction" for v in facets["interest"]["values"]
    )
    page2 = client.get(API, {"q": "roman", "tri": "date", "page": 1}).json()
    assert page2["sort"] == "date" and page2["results"][0]["year"] == 2010


def test_api_corrections_are_reported(client, catalogue):
    data = client.get(API, {"q": "etrangr"}).json()
    assert data["corrected_query"] == "etranger"
    assert data["results"][0]["title"] == "L'Étranger"


def test_suggestions_endpoint(client, catalogue):
    data = client.get(SUGGEST, {"q": "cam"}).json()
    assert data["suggestions"][0] == {
        "kind": "author",
        "kind_label": data["suggestions"][0]["kind_label"],
        "label": "Albert Camus",
        "detail": "",
        "url": "/recherche/?q=Albert+Camus",
    }
    assert client.get(SUGGEST).json()["suggestions"] == []
    assert client.get(SUGGEST, {"q": "x" * 101}).status_code == 400


def test_item_page(client, catalogue):
    response = client.get(reverse("search:item", args=[catalogue["etranger"].record_id]))
    assert response.status_code == 200
    assert "Meursault" in response.content.decode()
    assert client.get(reverse("search:item", args=["nope"])).status_code == 404


BAD_QUERIES = [
    "",
    " ",
    "x" * 2000,
    '"',
    "*",
    "(",
    ")",
    ":",
    "NEAR",
    "AND",
    "-",
    '" * ( ) : NEAR AND -',
    "NEAR(a b)",
    "title:dune",
    "'; DROP TABLE search_searchentry; --",
    "a OR b AND NOT c",
    "\\",
    "%",
    "_",
    "{} [] ^ ~ ! & |",
    "\x00",
    "é" * 300,
    "978-",
    "1" * 40,
]


@pytest.mark.parametrize("q", BAD_QUERIES)
def test_bad_queries_never_fail(client, catalogue, q):
    page = client.get(RESULTS, {"q": q})
    api = client.get(API, {"q": q})
    suggest = client.get(SUGGEST, {"q": q[:100]})
    assert page.status_code in (200, 400)
    assert api.status_code in (200, 400)
    assert suggest.status_code == 200
    if len(q) > 200 or "\x00" in q:
        assert page.status_code == 400 and api.status_code == 400
        if len(q) > 200:
            assert "200" in page.content.decode()  # says what the limit is
        assert "q" in api.json()["errors"]
    else:
        assert api.status_code == 200
        assert isinstance(api.json()["results"], list)


@pytest.mark.parametrize(
    "params",
    [
        {"q": "dune", "document": "grimoire"},
        {"q": "dune", "interet": "inconnu"},
        {"q": "dune", "mediatheque": "nulle-part"},
        {"q": "dune", "annee": "1900-1901"},
        {"q": "dune", "public": "martiens"},
        {"q": "dune", "langue": "français!"},
        {"q": "dune", "type": "vaisseau"},
        {"q": "dune", "disponible": "peut-être"},
        {"q": "dune", "page": "abc"},
        {"q": "dune", "page": "-1"},
        {"q": "dune", "page": "99999"},
        {"q": "dune", "tri": "hasard"},
    ],
)
def test_unknown_facet_values_give_400_in_the_api_and_a_notice_on_the_page(
    client, catalogue, params
):
    api = client.get(API, params)
    assert api.status_code == 400
    assert api.json()["errors"]
    page = client.get(RESULTS, params)
    if "page" in params or "tri" in params:
        assert page.status_code == 400
    else:
        assert page.status_code == 200
        html = page.content.decode()
        assert "Dune" in html and 'class="notice"' in html


def test_known_language_without_items_is_an_empty_result(client, catalogue):
    data = client.get(API, {"q": "dune", "langue": "jpn"}).json()
    assert data["total"] == 0 and data["results"] == []


def test_empty_search_page_invites_to_type(client, db):
    response = client.get(RESULTS)
    assert response.status_code == 200
    assert 'id="search-q"' in response.content.decode()


def test_post_is_not_allowed(client, db):
    assert client.post(API, {"q": "x"}).status_code == 405
