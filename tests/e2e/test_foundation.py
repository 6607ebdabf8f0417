"""A new user's first visit: sign up, verify the email, onboard, join a community."""

import re

import pytest
from django.core import mail

from tests.conftest import make_branch, make_community, make_interest
from tests.e2e.conftest import assert_accessible

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def network(db):
    imaginaire = make_interest("Imaginaire", position=1)
    sf = make_interest("Science-fiction", imaginaire, position=1)
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
    make_branch(
        "Bibliothèque de l'Alcazar",
        commune="Marseille",
        lat=43.2993,
        lon=5.3784,
        postcode="13001",
        insee="13201",
    )
    club = make_community(
        "Les Voyageurs de l'Imaginaire",
        interests=[sf],
        branches=[aubagne],
        summary="Science-fiction, fantasy et fantastique : on en parle ensemble.",
    )
    return {"sf": sf, "club": club}


def test_sign_up_verify_onboard_and_join(page, live_server, network):
    page.goto("/")
    assert_accessible(page, "home")
    page.get_by_role("link", name="Créer un compte").first.click()
    page.wait_for_url("**/comptes/signup/")
    assert_accessible(page, "sign-up")

    page.get_by_label("E-mail").fill("lea@example.org")
    page.get_by_label("Mot de passe :", exact=True).fill("une-phrase-secrete-42")
    page.get_by_label("Mot de passe (confirmation)").fill("une-phrase-secrete-42")
    page.get_by_role("button", name="Créer mon compte").click()
    page.wait_for_url("**/comptes/confirm-email/")

    body = mail.outbox[-1].body
    link = re.search(r"https?://\S+/comptes/confirm-email/\S+/", body).group(0)
    page.goto(link)
    page.get_by_role("button", name="Confirmer").click()

    page.wait_for_url("**/bienvenue/")
    assert_accessible(page, "onboarding")
    page.get_by_label("Science-fiction").check()
    commune = page.get_by_role("combobox", name="Votre commune ou code postal")
    commune.press_sequentially("Auba", delay=40)
    option = page.get_by_role("option", name=re.compile("Aubagne"))
    option.wait_for()
    commune.press("ArrowDown")
    commune.press("Enter")
    assert "Aubagne" in commune.input_value()
    page.get_by_role("button", name="Continuer").click()

    page.wait_for_url("**/bienvenue/mediatheque/")
    status = page.get_by_role("status").filter(has_text="Votre médiathèque la plus proche")
    assert "Médiathèque Marcel Pagnol" in status.inner_text()
    assert re.search(r"— 0,\d km", status.inner_text())
    assert_accessible(page, "onboarding, branch step")
    page.get_by_role("button", name="C’est ma médiathèque").click()

    page.wait_for_url("**/communautes/")
    assert_accessible(page, "community index")
    page.get_by_role("link", name="Les Voyageurs de l'Imaginaire").click()
    assert_accessible(page, "community page")
    page.get_by_role("button", name="Rejoindre la communauté").click()
    page.get_by_text("Vous êtes membre").first.wait_for()
    assert page.locator("#member-count").inner_text() == "1 membre"


def test_profile_page_is_accessible(page, live_server, network):
    from tests.conftest import PASSWORD, make_user

    make_user("sam@example.org")
    page.goto("/comptes/login/")
    page.get_by_label("E-mail").fill("sam@example.org")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url("**/bienvenue/")
    page.goto("/profil/")
    assert_accessible(page, "profile")
