"""A librarian writes an event: their médiathèque is already chosen, interests are found by
typing in the grouped chooser, the required fields are explained (axe-core on the form)."""

import pytest

from cms.models import EventIndexPage
from tests.conftest import PASSWORD, make_branch, make_interest, make_user
from tests.e2e.conftest import assert_accessible

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture(autouse=True)
def no_autosave(settings):
    settings.WAGTAIL_AUTOSAVE_INTERVAL = 0


@pytest.fixture
def librarian(db):
    imaginaire = make_interest("Imaginaire", position=1)
    make_interest("Science-fiction", imaginaire, position=1)
    make_interest("Fantasy", imaginaire, position=2)
    make_interest("Cuisine", position=2)
    aubagne = make_branch(
        "Médiathèque Marcel Pagnol",
        commune="Aubagne",
        lat=43.2925,
        lon=5.5693,
        postcode="13400",
        insee="13005",
    )
    return make_user("biblio@example.org", groups=["Bibliothécaires"], home_branch=aubagne)


def test_new_event_form_for_a_librarian(page, librarian):
    page.goto("/comptes/login/")
    page.get_by_label("E-mail").fill("biblio@example.org")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url(lambda url: "/comptes/login/" not in url)

    page.goto(f"/admin/pages/add/cms/eventpage/{EventIndexPage.objects.get().pk}/")
    assert page.get_by_text("Les champs marqués d’un astérisque (*) sont obligatoires").is_visible()
    assert page.locator("#id_branch-chooser").get_by_text("Médiathèque Marcel Pagnol").is_visible()

    chooser = page.locator("[data-interest-chooser]")
    count = chooser.locator("[data-count]")
    assert count.inner_text() == "Aucun centre d’intérêt choisi."
    chooser.get_by_label("Filtrer les centres d’intérêt").fill("scien")
    assert chooser.get_by_label("Science-fiction").is_visible()
    assert not chooser.get_by_label("Cuisine").is_visible()
    assert not chooser.get_by_role("group", name="Cuisine").is_visible()
    chooser.get_by_label("Science-fiction").check()
    assert count.inner_text() == "1 centre d’intérêt choisi : Imaginaire › Science-fiction."

    chooser.get_by_label("Filtrer les centres d’intérêt").fill("imaginaire")  # a theme: all of it
    assert chooser.get_by_label("Fantasy").is_visible()
    chooser.get_by_label("Fantasy").check()
    assert count.inner_text().startswith("2 centres d’intérêt choisis :")
    chooser.get_by_label("Filtrer les centres d’intérêt").press("Escape")
    assert chooser.get_by_label("Cuisine").is_visible()
    assert_accessible(page, "the new event form, interests chosen")


def test_the_outbox_report_lists_both_destinations_for_a_librarian(page, librarian):
    """Reports › Facebook et Fédivers: a failed Facebook row (Réessayer), a waiting Fediverse
    row (Annuler), the destination filter; axe-core on the listing."""
    from feeds.syndication.models import Syndication
    from tests.cms.library_factories import make_announcement

    announcement = make_announcement("Nuit de la lecture")
    Syndication.objects.create(
        destination=Syndication.Destination.FACEBOOK,
        page=announcement,
        page_pk=announcement.pk,
        page_title=announcement.title,
        action=Syndication.Action.CREATE,
        status=Syndication.Status.FAILED,
        problem=Syndication.Problem.DUPLICATE,
    )
    Syndication.objects.create(
        destination=Syndication.Destination.FEDIVERSE,
        page=announcement,
        page_pk=announcement.pk,
        page_title=announcement.title,
        action=Syndication.Action.CREATE,
    )
    page.goto("/comptes/login/")
    page.get_by_label("E-mail").fill("biblio@example.org")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url(lambda url: "/comptes/login/" not in url)

    page.goto("/admin/reports/publications/")
    table = page.locator("table.listing")
    assert table.get_by_text("Fédivers").first.is_visible()
    assert table.get_by_role("button", name="Réessayer").count() == 1
    assert table.get_by_role("button", name="Annuler").count() == 1
    assert_accessible(page, "the outbox report, both destinations")

    page.goto("/admin/reports/publications/?destination=fediverse")
    assert page.locator("table.listing").get_by_role("button", name="Réessayer").count() == 0
    assert page.locator("table.listing").get_by_role("button", name="Annuler").count() == 1
