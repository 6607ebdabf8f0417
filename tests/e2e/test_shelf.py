"""The item journey in the browser: find an item in search → see it on the shelf at the
member's médiathèque first → « Réserver » leads to the OPAC record (a local server standing in
for the library system's catalogue) → « Ça m'intéresse » → add it to « À lire » → the lists.
axe-core clean on the results, the item page and the lists pages, at 375 px."""

from datetime import date

import pytest

from cms.models import Holding, HoldingStatus, NetworkSettings
from community.models import Interaction, ReadingList
from search import indexing
from tests.conftest import make_branch, make_user
from tests.e2e.conftest import assert_accessible
from tests.e2e.test_feed import session_cookie
from tests.local_http import QuietHandler, serve
from tests.search.conftest import make_item

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

NO_SIDE_SCROLL = "() => document.documentElement.scrollWidth <= window.innerWidth"


class _Opac(QuietHandler):
    def do_GET(self):  # noqa: N802 (http.server's name)
        body = f"<!doctype html><title>OPAC</title><h1>Notice OPAC {self.path}</h1>".encode()
        self.answer(body, "text/html; charset=utf-8")


@pytest.fixture
def opac():
    with serve(_Opac) as url:
        yield url


@pytest.fixture
def shelf(db, opac):
    alcazar = make_branch("Bibliothèque de l'Alcazar", commune="Marseille", lat=43.2993, lon=5.3784)
    pagnol = make_branch(
        "Médiathèque Marcel Pagnol", commune="Aubagne", lat=43.2925, lon=5.5693, postcode="13400"
    )
    arles = make_branch("Médiathèque d'Arles", commune="Arles", lat=43.6766, lon=4.6278)
    item = make_item(
        "Le Château des Carpathes",
        "Verne, Jules",
        holdings=[
            (alcazar, HoldingStatus.AVAILABLE),
            (arles, HoldingStatus.ON_LOAN),
            (pagnol, HoldingStatus.AVAILABLE),
        ],
        year=1892,
        record_id="KOHA4242",
        summary="Un château mystérieux dans les Carpates.",
    )
    Holding.objects.filter(item=item, branch=arles).update(due_date=date(2026, 12, 20))
    settings = NetworkSettings.load()
    settings.opac_record_url = opac + "/cgi-bin/koha/opac-detail.pl?biblionumber={record_id}"
    settings.save()
    indexing.rebuild()
    member = make_user("lectrice@example.org", home_branch=pagnol)
    return {"item": item, "member": member}


def test_find_see_on_the_shelf_reserve_and_keep_to_read(page, live_server, shelf):
    page.set_viewport_size({"width": 375, "height": 740})
    page.context.add_cookies([session_cookie(shelf["member"], live_server.url)])

    # find it in search: on the shelf at the member's médiathèque first
    page.goto("/recherche/?q=carpathes")
    hit = page.locator("article.search-hit").filter(has_text="Le Château des Carpathes")
    first_row = hit.locator("ul.availability li").first
    assert "En rayon à la Médiathèque Marcel Pagnol" in first_row.inner_text()
    assert page.evaluate(NO_SIDE_SCROLL)
    assert_accessible(page, "the search results with item actions")

    # the item page: the same order, the due date of the copy on loan
    hit.get_by_role("link", name="Le Château des Carpathes", exact=True).click()
    page.wait_for_url("**/recherche/notice/KOHA4242/")
    rows = page.locator(".item-card ul.availability li")
    assert "En rayon à la Médiathèque Marcel Pagnol" in rows.nth(0).inner_text()
    assert "votre médiathèque" in rows.nth(0).inner_text()
    texts = rows.all_inner_texts()
    assert any("retour prévu le 20" in t and "Arles" in t for t in texts)
    assert page.evaluate(NO_SIDE_SCROLL)
    assert_accessible(page, "the item page")

    # « Ça m'intéresse », without JavaScript needed (a form), pressed afterwards
    page.get_by_role("button", name="Ça m’intéresse").click()
    page.wait_for_load_state()
    pressed = page.locator("button[aria-pressed='true']")
    assert "Ça m’intéresse ✓" in pressed.inner_text()
    assert Interaction.objects.filter(member=shelf["member"], kind="interested").count() == 1

    # « Réserver » goes to the record in the library system's catalogue
    page.get_by_role("link", name="Réserver").click()
    page.wait_for_url("**/cgi-bin/koha/opac-detail.pl?biblionumber=KOHA4242")
    assert "KOHA4242" in page.locator("h1").inner_text()
    assert Interaction.objects.filter(kind="reservation_click").count() == 1
    page.go_back()
    page.wait_for_url("**/recherche/notice/KOHA4242/")

    # add it to « À lire »
    page.get_by_label("Liste où ajouter").select_option(label="À lire")
    page.get_by_role("button", name="Ajouter à une liste").click()
    page.wait_for_load_state()
    assert "Ajouté à votre liste « À lire »" in page.locator(".messages").inner_text().replace(
        "\u00a0", " "
    )
    assert ReadingList.objects.get(owner=shelf["member"]).entries.count() == 1

    # the lists: Ma médiathèque › Mes listes › À lire
    page.goto("/ma-mediatheque/listes/")
    assert page.evaluate(NO_SIDE_SCROLL)
    assert_accessible(page, "my lists")
    page.get_by_role("link", name="À lire").click()
    page.wait_for_load_state()
    assert "Le Château des Carpathes" in page.locator("main").inner_text()
    assert page.evaluate(NO_SIDE_SCROLL)
    assert_accessible(page, "the list “À lire”")
