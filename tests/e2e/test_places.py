"""Typing a commune as people do: the home page's autocomplete, "Vouliez-vous dire … ?"
links, and the choice offered in onboarding (axe-core on each state)."""

import re

import pytest

from tests.conftest import PASSWORD, make_branch, make_interest, make_user
from tests.e2e.conftest import assert_accessible

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def network(db):
    make_interest("Science-fiction", make_interest("Imaginaire", position=1), position=1)
    make_branch(
        "Bibliothèque de l'Alcazar",
        commune="Marseille",
        lat=43.2993,
        lon=5.3784,
        postcode="13001",
        insee="13201",
    )
    make_branch(
        "Bibliothèque Méjanes",
        commune="Aix-en-Provence",
        lat=43.5263,
        lon=5.4454,
        postcode="13100",
        insee="13001",
    )


def test_home_autocomplete_puts_aix_en_provence_first(page, network):
    page.goto("/")
    box = page.get_by_role(
        "combobox", name="Quelle est la médiathèque la plus proche de chez vous ?"
    )
    box.press_sequentially("Aix", delay=40)
    first = page.get_by_role("option").first
    first.wait_for()
    assert "Aix-en-Provence" in first.inner_text()
    assert box.get_attribute("aria-expanded") == "true"
    assert_accessible(page, "home, commune suggestions open")
    box.press("ArrowDown")
    box.press("Enter")
    assert box.input_value().startswith("Aix-en-Provence (")
    page.get_by_role("button", name="Rechercher").click()

    heading = page.get_by_role("heading", name=re.compile("Médiathèques près d(e |’)"))
    assert "Aix-en-Provence" in heading.inner_text()
    assert page.get_by_role("heading", name="Bibliothèque Méjanes").is_visible()
    assert_accessible(page, "home, nearest to Aix-en-Provence")

    # Typed and sent without choosing: the same answer, and the other Aix is offered.
    page.goto("/?commune=Aix")
    heading = page.get_by_role("heading", name=re.compile("Médiathèques près d(e |’)"))
    assert "Aix-en-Provence" in heading.inner_text()
    assert page.get_by_role("link", name="Aix (19)").is_visible()


def test_home_offers_did_you_mean_and_follows_it(page, network):
    page.goto("/?commune=Marseile")
    notice = page.locator(".place-suggestions")
    assert "Vouliez-vous dire" in notice.inner_text()
    assert_accessible(page, "home, did you mean")
    notice.get_by_role("link", name="Marseille (13)").click()
    heading = page.get_by_role("heading", name=re.compile("Médiathèques près d(e |’)"))
    assert "Marseille" in heading.inner_text()
    assert page.get_by_role("heading", name="Bibliothèque de l'Alcazar").is_visible()


def test_onboarding_offers_a_choice_for_a_misspelt_commune(page, network):
    make_user("sam@example.org")
    page.goto("/comptes/login/")
    page.get_by_label("E-mail").fill("sam@example.org")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url("**/bienvenue/")

    public_name = page.get_by_label("Votre nom public")
    assert re.fullmatch(r"\w+ \w+ \d\d", public_name.input_value())  # a neutral suggestion
    assert "sam" not in public_name.input_value().lower()  # never from the email address
    public_name.fill("Lune des Calanques")
    page.get_by_label("Science-fiction").check()
    page.get_by_role("combobox", name="Votre commune ou code postal").fill("Marseile")
    page.get_by_role("button", name="Continuer").click()

    choices = page.get_by_role("group", name="Vouliez-vous dire l’une de ces communes ?")
    choices.wait_for()
    assert_accessible(page, "onboarding, communes to choose from")
    choices.get_by_label("Marseille (13)").check()
    page.get_by_role("button", name="Continuer").click()
    page.wait_for_url("**/bienvenue/mediatheque/")
    status = page.get_by_role("status").filter(has_text="Votre médiathèque la plus proche")
    assert "Bibliothèque de l'Alcazar" in status.inner_text()
