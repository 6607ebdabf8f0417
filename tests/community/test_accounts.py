import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from community.models import User
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()
    yield
    cache.clear()


def _confirmation_url(message) -> str:
    match = re.search(r"https?://[^/\s]+(/comptes/confirm-email/[^\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def test_signup_requires_email_verification_then_goes_to_onboarding(client):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "nouvelle@example.org",
            "password1": "une-phrase-secrete-42",
            "password2": "une-phrase-secrete-42",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    user = User.objects.get(email="nouvelle@example.org")
    assert not EmailAddress.objects.get(user=user).verified
    # cannot log in before verifying
    client.logout()
    response = client.post(
        reverse("account_login"),
        {"login": "nouvelle@example.org", "password": "une-phrase-secrete-42"},
    )
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session

    assert len(mail.outbox) >= 1
    url = _confirmation_url(mail.outbox[-1])
    assert "Confirmez" in client.get(url).content.decode() or client.get(url).status_code == 200
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("community:onboarding")
    assert EmailAddress.objects.get(user=user).verified
    assert int(client.session["_auth_user_id"]) == user.pk


def test_duplicate_email_creates_no_account_and_warns_the_owner(client):
    make_user("deja@example.org")
    mail.outbox.clear()
    response = client.post(
        reverse("account_signup"),
        {
            "email": "DEJA@example.org",
            "password1": "une-phrase-secrete-42",
            "password2": "une-phrase-secrete-42",
        },
    )
    # Same answer as a fresh sign-up (no account enumeration) …
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert User.objects.filter(email__iexact="deja@example.org").count() == 1
    assert "_auth_user_id" not in client.session
    # … and the owner of the address is told, with a way back into their account.
    assert [m.to for m in mail.outbox] == [["deja@example.org"]]
    assert "/comptes/password/reset/" in mail.outbox[0].body


def test_weak_password_is_refused(client):
    response = client.post(
        reverse("account_signup"),
        {"email": "x@example.org", "password1": "123", "password2": "123"},
    )
    assert response.status_code == 200
    assert not User.objects.filter(email="x@example.org").exists()


def test_login_redirects_onboarded_member_home_and_others_to_onboarding(client):
    make_user("a@example.org")
    response = client.post(
        reverse("account_login"), {"login": "a@example.org", "password": PASSWORD}
    )
    assert response["Location"] == reverse("community:onboarding")


def test_login_is_throttled_after_repeated_failures(client):
    make_user("cible@example.org")
    for _ in range(5):
        response = client.post(
            reverse("account_login"), {"login": "cible@example.org", "password": "mauvais"}
        )
        assert response.status_code == 200
    response = client.post(
        reverse("account_login"), {"login": "cible@example.org", "password": PASSWORD}
    )
    # even the right password is refused while throttled
    assert "_auth_user_id" not in client.session
    assert response.status_code in (200, 429)
    assert "Trop de tentatives" in response.content.decode()


def test_password_reset_sends_a_link_that_works(client):
    user = make_user("oubli@example.org")
    response = client.post(reverse("account_reset_password"), {"email": "oubli@example.org"})
    assert response.status_code == 302
    body = mail.outbox[-1].body
    match = re.search(r"https?://[^/\s]+(/comptes/password/reset/key/[^\s]+/)", body)
    assert match, body
    response = client.get(match.group(1))
    assert response.status_code == 302  # allauth moves the key into the session
    response = client.post(
        response["Location"],
        {"password1": "nouveau-secret-2026", "password2": "nouveau-secret-2026"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("nouveau-secret-2026")


def test_facebook_is_not_offered_without_credentials(client):
    html = client.get(reverse("account_login")).content.decode()
    assert "Facebook" not in html


def test_facebook_is_offered_when_configured(client, settings):
    providers = dict(settings.SOCIALACCOUNT_PROVIDERS)
    providers["facebook"] = {
        **providers["facebook"],
        "APPS": [{"client_id": "1234567890", "secret": "s3cret", "key": ""}],
    }
    with override_settings(SOCIALACCOUNT_PROVIDERS=providers):
        html = client.get(reverse("account_login")).content.decode()
    assert "Se connecter avec Facebook" in html
    assert "/comptes/facebook/login/" in html
