"""Search in the browser: the header combobox (suggestions, keyboard, screen-reader
announcements) and an accessible results page with facets."""

import re

import pytest

from cms.models import HoldingStatus
from search import indexing
from tests.conftest import make_branch, make_community, make_interest
from tests.e2e.conftest import assert_accessible
from tests.search.conftest import make_item

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def collection(db):
    imaginaire = make_interest("Imaginaire", position=1)
    sf = make_interest("Science-fiction", imaginaire, position=1)
    alcazar = make_branch(
        "Bibliothèque de l'Alcazar",
        commune="Marseille",
        lat=43.2993,
        lon=5.3784,
        postcode="13001",
        insee="13201",
    )
    arles = make_branch(
        "Médiathèque d'Arles",
        commune="Arles",
        lat=43.6766,
        lon=4.6278,
        postcode="13200",
        insee="13004",
    )
    A, L = HoldingStatus.AVAILABLE, HoldingStatus.ON_LOAN
    make_item(
        "L'Étranger",
        "Camus, Albert",
        holdings=[(alcazar, A), (arles, L)],
        year=1942,
        summary="Meursault, un homme indifférent, à Alger.",
        language="fre",
    )
    make_item("La Peste", "Camus, Albert", holdings=[(arles, A)], year=1947, language="fre")
    make_item("Dune", "Herbert, Frank", holdings=[(alcazar, A)], year=1965, interests=[sf])
    make_community("Les Voyageurs de l'Imaginaire", interests=[sf], branches=[arles])
    indexing.rebuild()


def test_header_combobox_suggests_and_opens_with_the_keyboard(page, live_server, collection):
    page.goto("/")
    box = page.locator("#site-search")
    assert box.get_attribute("role") == "combobox"
    assert box.get_attribute("aria-expanded") == "false"
    box.press_sequentially("l'etr", delay=50)
    listbox = page.locator("#site-search-list")
    option = page.get_by_role("option", name=re.compile("L'Étranger"))
    option.wait_for()
    assert box.get_attribute("aria-expanded") == "true"
    assert listbox.get_attribute("role") == "listbox"
    status = page.locator("[data-search-autocomplete] [data-status]")
    assert re.search(r"\d+ suggestion", status.inner_text())
    # down to the title, Enter opens the item
    options = page.get_by_role("option")
    labels = [options.nth(i).inner_text() for i in range(options.count())]
    target = next(i for i, text in enumerate(labels) if "L'Étranger" in text)
    for _ in range(target + 1):
        box.press("ArrowDown")
    active = box.get_attribute("aria-activedescendant")
    assert active and page.locator(f"#{active}").get_attribute("aria-selected") == "true"
    box.press("Enter")
    page.wait_for_url("**/recherche/notice/**")
    assert page.get_by_role("heading", level=1).inner_text() == "L'Étranger"


def test_escape_closes_and_enter_without_selection_searches(page, live_server, collection):
    page.goto("/")
    box = page.locator("#site-search")
    box.press_sequentially("camus", delay=40)
    page.get_by_role("option").first.wait_for()
    box.press("Escape")
    assert box.get_attribute("aria-expanded") == "false"
    box.press("Enter")
    page.wait_for_url("**/recherche/?q=camus")
    assert "La Peste" in page.locator("main").inner_text()


def test_results_page_with_facets_is_accessible(page, live_server, collection):
    page.goto("/recherche/?q=camus")
    main = page.locator("main")
    assert "L'Étranger" in main.inner_text() and "La Peste" in main.inner_text()
    assert_accessible(page, "search results with facets")
    page.locator(".search-facets a", has_text="Médiathèque d'Arles").first.click()
    page.wait_for_url(re.compile(r"mediatheque="))
    assert "La Peste" in main.inner_text()
    assert page.locator('.search-facets a[aria-current="true"]').count() == 1
    assert_accessible(page, "search results with a facet selected")
    page.goto("/recherche/?q=science+fiction")
    assert page.locator(".search-tabs a[aria-current=page]").count() == 1
    assert_accessible(page, "search results with kind tabs")
