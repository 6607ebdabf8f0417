"""The privacy pages in the browser: axe-core finds nothing serious on /confidentialite/,
/compte/donnees/ and /compte/supprimer/; a visitor's browser holds no cookie; a member
downloads their data, withdraws a consent and deletes their account with the keyboard."""

import json

import pytest

from community.models import User
from tests.community.life_helpers import join, make_comment, make_post
from tests.conftest import PASSWORD, make_branch, make_community, make_interest, make_user
from tests.e2e.conftest import assert_accessible

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def network(db):
    sf = make_interest("Science-fiction", make_interest("Imaginaire", position=1), position=1)
    branch = make_branch(
        "Médiathèque Marcel Pagnol",
        commune="Aubagne",
        lat=43.2925,
        lon=5.5693,
        postcode="13400",
        insee="13005",
    )
    club = make_community("Les Voyageurs de l'Imaginaire", interests=[sf], branches=[branch])
    member = make_user(
        "lea@example.org", display_name="Léa Martin", commune_name="Aubagne", home_branch=branch
    )
    other = make_user("sam@example.org", display_name="Sam")
    join(member, club)
    join(other, club)
    post = make_post(member, club, "Qui a lu « Les Furtifs » ?")
    make_comment(other, post, "Moi !")
    consent = None
    try:
        from community.outreach.consents import give_consent
        from community.outreach.models import Purpose
    except ImportError:
        pass
    else:
        consent = give_consent(
            purpose=Purpose.DIGEST,
            text="Recevoir la sélection de la semaine par e-mail.",
            source="page:/profil/",
            user=member,
        )
    return {"member": member, "post": post, "consent": consent}


def login(page, email: str) -> None:
    page.goto("/comptes/login/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_load_state("networkidle")


def test_visitor_gets_no_cookie_and_the_privacy_page_is_accessible(page, live_server, network):
    page.goto("/")
    page.get_by_role("link", name="Confidentialité").click()
    page.wait_for_url("**/confidentialite/")
    assert page.get_by_role("heading", level=1).inner_text() == "Vos données personnelles"
    assert_accessible(page, "/confidentialite/")
    page.goto("/communautes/")
    assert page.context.cookies() == []


def test_member_downloads_withdraws_and_deletes_with_the_keyboard(page, live_server, network):
    login(page, "lea@example.org")
    page.get_by_role("link", name="Mes données").click()
    page.wait_for_url("**/compte/donnees/")
    assert_accessible(page, "/compte/donnees/")
    assert "lea@example.org" in page.content()

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Télécharger mes données (fichier JSON)").first.click()
    payload = json.loads(download_info.value.path().read_text(encoding="utf-8"))
    account = next(s for s in payload["sections"] if s["model"] == "community.User")
    assert account["rows"][0]["display_name"] == "Léa Martin"

    if network["consent"] is not None:
        button = page.get_by_role("button", name="Retirer")
        button.focus()
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert "Consentement retiré" in page.content()
        assert page.get_by_text("Vous n’avez aucun consentement en cours.").is_visible()

    page.goto("/compte/supprimer/")
    assert_accessible(page, "/compte/supprimer/")
    with page.expect_navigation():  # the empty form comes back with its errors
        page.get_by_role("button", name="Supprimer mon compte maintenant").click()
    assert page.locator(".field-errors").count() == 3  # choice, password, confirmation
    assert_accessible(page, "/compte/supprimer/ with errors")
    assert User.objects.filter(email="lea@example.org").exists()

    page.get_by_label("Les garder dans les conversations").check()
    page.get_by_label("Votre mot de passe").fill(PASSWORD)
    page.get_by_label("Je comprends").focus()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_role("heading", level=1).inner_text() == "Votre compte a été supprimé"
    assert_accessible(page, "account deleted")
    assert not User.objects.filter(email="lea@example.org").exists()
    assert [c["name"] for c in page.context.cookies() if c["name"] == "sessionid"] == []
