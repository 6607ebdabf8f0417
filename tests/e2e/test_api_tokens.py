"""The API in the browser: a member creates a personal access token (shown once), uses it
against /api/v1/, revokes it; the token page is accessible (axe-core) and usable at 375 px;
the API's documentation page loads from the site alone, under the site's CSP."""

import pytest

from community.models import AccessToken
from tests.conftest import PASSWORD, make_user
from tests.e2e.conftest import assert_accessible

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def login(page, email: str) -> None:
    page.goto("/comptes/login/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_load_state("networkidle")


def test_a_member_creates_uses_and_revokes_a_token(page, live_server):
    make_user("lea@example.org", display_name="Léa")
    page.set_viewport_size({"width": 375, "height": 800})
    login(page, "lea@example.org")
    page.goto("/profil/")
    page.get_by_role("link", name="Jetons d’accès à l’API").click()
    assert_accessible(page, "token page, empty")
    page.get_by_label("Nom", exact=True).fill("Appli de la ville")
    page.get_by_label("lecture seule", exact=True).check()
    page.get_by_role("button", name="Créer le jeton").click()
    token = page.get_by_label("Jeton", exact=True).input_value()
    assert token.startswith("aff_")
    assert_accessible(page, "token page, token shown")
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 375, f"the page scrolls sideways at 375 px ({width})"
    answer = page.request.get(
        f"{live_server.url}/api/v1/me", headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status == 200 and answer.json()["token_scope"] == "read"
    page.goto("/profil/jetons/")
    assert token not in page.content()  # shown once
    page.get_by_role("button", name="Révoquer «\u00a0Appli de la ville\u00a0»").click()
    page.wait_for_load_state("networkidle")
    assert AccessToken.objects.get().revoked_at is not None
    refused = page.request.get(
        f"{live_server.url}/api/v1/me", headers={"Authorization": f"Bearer {token}"}
    )
    assert refused.status == 401
    assert refused.headers["content-type"].startswith("application/problem+json")


def test_the_api_documentation_loads_from_the_site_only(page, live_server):
    outside = []
    page.on(
        "request",
        lambda request: (
            outside.append(request.url) if not request.url.startswith(live_server.url) else None
        ),
    )
    page.goto("/api/v1/docs")
    page.wait_for_selector(".swagger-ui .info", timeout=20_000)
    assert page.locator(".swagger-ui").get_by_text("Affinités").first.is_visible()
    assert outside == []
