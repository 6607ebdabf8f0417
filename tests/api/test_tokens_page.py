"""*Mon profil › Jetons d’accès*: create (shown once), list, revoke; another member's token
cannot be revoked; the profile links to the page."""

import pytest
from django.urls import reverse

from community.actions.tokens import authenticate_access_token, create_access_token
from community.models import AccessToken
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def test_a_member_creates_a_token_shown_once_and_stored_as_a_digest(client):
    alice = make_user("alice@example.org")
    client.force_login(alice)
    page = client.get(reverse("community:tokens"))
    assert page.status_code == 200
    response = client.post(reverse("community:tokens"), {"name": "Appli mairie", "scope": "write"})
    assert response.status_code == 200
    text = response.context["created_token"]
    assert text.startswith("aff_") and text in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    token = AccessToken.objects.get(user=alice)
    assert token.name == "Appli mairie" and token.scope == "write"
    assert text not in (token.digest, token.prefix) and token.prefix == text[:12]
    assert authenticate_access_token(text) == token
    again = client.get(reverse("community:tokens")).content.decode()
    assert text not in again and token.prefix in again


def test_a_token_needs_a_name_and_a_known_scope(client):
    alice = make_user("alice@example.org")
    client.force_login(alice)
    response = client.post(reverse("community:tokens"), {"name": " ", "scope": "admin"})
    assert response.status_code == 400
    assert response.context["form"].errors.keys() == {"name", "scope"}
    assert not AccessToken.objects.exists()


def test_revoking_closes_the_api_and_only_the_owner_can_revoke(client):
    alice, mallory = make_user("alice@example.org"), make_user("mallory@example.org")
    token, text = create_access_token(alice, "script", "read")
    client.force_login(mallory)
    client.post(reverse("community:token_revoke", args=[token.pk]))
    assert authenticate_access_token(text) == token  # still active
    client.force_login(alice)
    response = client.post(reverse("community:token_revoke", args=[token.pk]), follow=True)
    assert response.status_code == 200
    assert authenticate_access_token(text) is None
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_the_page_needs_a_login_and_the_profile_links_to_it(client):
    response = client.get(reverse("community:tokens"))
    assert response.status_code == 302 and "/comptes/" in response["Location"]
    alice = make_user("alice@example.org")
    client.force_login(alice)
    assert reverse("community:tokens") in client.get(reverse("community:profile")).content.decode()
