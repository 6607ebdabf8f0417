"""The demand dashboard and the loans import in Wagtail admin, in a real browser.

A librarian opens the demand of their médiathèque, follows a figure to the list behind it,
and a network admin imports a file of loans with an error, then a correct one; each page
checked with axe-core, and at 375 px wide.
"""

import pytest
from django.utils import translation
from django.utils.translation import gettext

from cms.models import Holding, HoldingStatus
from community import roles
from community.reach.unmet import record_search
from tests.cms.library_factories import make_item
from tests.conftest import PASSWORD, make_branch, make_interest, make_user
from tests.e2e.conftest import assert_accessible

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def fr(msgid: str) -> str:
    with translation.override("fr"):
        return gettext(msgid)


def log_in(page, email: str) -> None:
    page.goto("/comptes/login/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url(lambda url: "/comptes/login/" not in url)


@pytest.fixture
def demand_data():
    branch = make_branch(
        "Médiathèque Marcel Pagnol", commune="Aubagne", lat=43.29, lon=5.57, code="AUB"
    )
    sf = make_interest("Science-fiction")
    for _n in range(3):
        reader = make_user(home_branch=branch, commune_name="Aubagne")
        reader.interests.set([sf])
    item = make_item("Dune")
    Holding.objects.create(item=item, branch=branch, status=HoldingStatus.AVAILABLE)
    item.interests.set([sf])
    item.save()
    record_search("Hypérion", 0, branch_ids=[branch.pk], interest_ids=[sf.pk])
    record_search("Hyperion", 0, branch_ids=[branch.pk], interest_ids=[sf.pk])
    librarian = make_user("biblio@example.org", groups=[roles.LIBRARIANS])
    branch.librarians.add(librarian)
    return branch


def test_librarian_reads_the_demand_of_their_branch(page, demand_data):
    log_in(page, "biblio@example.org")
    page.goto("/admin/demande/")
    page.get_by_role("heading", name=fr("Demand: what members want")).wait_for()
    table = page.locator("#demand-summary")
    row = table.locator("tr", has_text="Science-fiction")
    assert row.locator("td").nth(0).inner_text() == "3"  # followers
    assert row.locator("td").nth(4).inner_text() == "2"  # unmet searches
    assert_accessible(page, "the demand dashboard")

    row.locator("td").nth(4).get_by_role("link").click()
    page.wait_for_url(lambda url: "/admin/demande/searches/" in url)
    assert page.locator("#demand-list").inner_text().count("hyperion") == 1
    assert_accessible(page, "the list of unmet searches")

    page.set_viewport_size({"width": 375, "height": 800})
    page.goto("/admin/demande/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375 + 1, f"the dashboard scrolls sideways at 375 px ({width} px)"


def test_network_admin_imports_loans(page, demand_data, tmp_path):
    make_user("admin@example.org", groups=[roles.NETWORK_ADMINS])
    log_in(page, "admin@example.org")
    page.goto("/admin/impact/prets-et-cartes/")
    page.get_by_role("heading", name=fr("Import loans and new cards")).wait_for()
    assert_accessible(page, "the loans import page")

    bad = tmp_path / "prets.csv"
    bad.write_text("mediatheque;periode;prets;nouvelles_cartes\nXYZ;2026-11;10;1\n")
    page.get_by_label(fr("CSV file")).set_input_files(str(bad))
    page.get_by_role("button", name=fr("Import")).click()
    errors = page.locator("#library-use-errors")
    errors.wait_for()
    assert "Ligne 2 : aucune médiathèque n’a le code « XYZ »." in errors.inner_text()
    assert_accessible(page, "the loans import page with errors")

    good = tmp_path / "prets-ok.csv"
    good.write_text("mediatheque;periode;prets;nouvelles_cartes\nAUB;2026-11;1840;37\n")
    page.get_by_label(fr("CSV file")).set_input_files(str(good))
    page.get_by_role("button", name=fr("Import")).click()
    page.locator("#library-use-table").wait_for()
    assert "1840" in page.locator("#library-use-table").inner_text()
