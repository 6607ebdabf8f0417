"""Purchase suggestions in the browser: from an empty search to a suggestion, "Moi aussi" by
another member, the librarian's decision reaching the supporters; axe-core on each page."""

import pytest

from community import roles
from community.models import Notification, PurchaseSuggestion
from tests.conftest import PASSWORD, make_branch, make_community, make_interest, make_user
from tests.e2e.conftest import assert_accessible

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def network(db):
    imaginaire = make_interest("Imaginaire", position=1)
    sf = make_interest("Science-fiction", imaginaire, position=1)
    branch = make_branch(
        "Médiathèque Marcel Pagnol", commune="Aubagne", lat=43.2925, lon=5.5693, postcode="13400"
    )
    club = make_community("Science-fiction", interests=[sf], branches=[branch])
    lea = make_user("lea@example.org", display_name="Léa", home_branch=branch)
    lea.interests.set([sf])
    sam = make_user("sam@example.org", display_name="Sam", home_branch=branch)
    librarian = make_user("biblio@example.org", groups=[roles.LIBRARIANS])
    branch.librarians.add(librarian)
    return {"club": club, "sf": sf, "lea": lea, "sam": sam, "librarian": librarian}


def login(page, email: str) -> None:
    page.goto("/comptes/login/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_load_state("networkidle")


def logout(page) -> None:
    page.context.clear_cookies()


def test_suggest_from_an_empty_search_then_someone_supports_it(page, network):
    login(page, "lea@example.org")
    page.goto("/recherche/?q=Les+Furtifs")
    page.get_by_role("link", name="Suggérer « Les Furtifs » aux médiathèques").click()
    assert page.get_by_role("textbox", name="Titre :").input_value() == "Les Furtifs"
    assert page.get_by_label("Science-fiction").is_checked()  # her interests, ticked
    assert_accessible(page, "suggestion form")
    page.get_by_role("textbox", name="Auteur :").fill("Alain Damasio")
    page.get_by_label("ISBN (si vous le connaissez)").fill("pas un isbn")
    page.get_by_role("button", name="Envoyer ma suggestion").click()
    page.get_by_text("n’est pas un ISBN ou un EAN valide").wait_for()
    assert (
        page.get_by_role("textbox", name="Auteur :").input_value() == "Alain Damasio"
    )  # nothing lost
    page.get_by_label("ISBN (si vous le connaissez)").fill("")
    page.get_by_label("Pourquoi ce titre ?").fill("Un grand roman de SF français.")
    page.get_by_role("button", name="Envoyer ma suggestion").click()
    page.get_by_text("Merci : les bibliothécaires liront votre suggestion.").wait_for()
    assert page.get_by_text("1 personne le veut").is_visible()
    assert_accessible(page, "suggestions list")

    logout(page)
    login(page, "sam@example.org")
    page.goto("/suggestions/")
    page.get_by_role("button", name="Moi aussi : Les Furtifs").click()
    page.get_by_text("C’est noté : vous voulez aussi ce titre.").wait_for()
    assert page.get_by_text("2 personnes le veulent").is_visible()
    assert page.get_by_role(
        "button", name="Moi aussi ✓ — retirer mon soutien : Les Furtifs"
    ).is_visible()
    assert PurchaseSuggestion.objects.get().supports.count() == 2


def test_the_librarian_refuses_with_a_reason_and_supporters_hear(page, network):
    from community.actions import suggestions

    suggestion, _ = suggestions.suggest(network["lea"], title="Les Furtifs")
    suggestions.support(network["sam"], suggestion)
    login(page, "biblio@example.org")
    page.goto("/admin/suggestions-achat/")
    page.get_by_role("link", name="Les Furtifs").first.click()
    assert_accessible(page, "suggestion decision (admin)")
    page.get_by_label("État").select_option("refused")
    page.get_by_role("button", name="Enregistrer").click()
    page.get_by_text("Dites pourquoi elle est refusée").wait_for()
    page.get_by_label("Motif du refus").fill("Épuisé chez l’éditeur.")
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_load_state("networkidle")
    suggestion.refresh_from_db()
    assert suggestion.status == PurchaseSuggestion.Status.REFUSED
    notes = Notification.objects.filter(kind=Notification.Kind.SUGGESTION)
    assert {n.user.email for n in notes} == {"lea@example.org", "sam@example.org"}
