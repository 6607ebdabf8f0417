"""One login door: every login, password check and password reset goes through allauth, so
its rate limits, lockout and mandatory email verification apply on every URL; library staff
land in the admin. Also the session basics OWASP ASVS level 2 asks for (rotation on login,
logout ends the session, cookie flags)."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from community.models import User
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db

WRONG = "pas-le-bon-mot-de-passe"


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()
    yield
    cache.clear()


def _logged_in(client) -> bool:
    return SESSION_KEY in client.session


def _admin_login(client, email, password, **extra):
    return client.post(
        "/admin/login/", {"username": email, "password": password, "next": "/admin/"}, **extra
    )


def _allauth_login(client, email, password):
    return client.post(reverse("account_login"), {"login": email, "password": password})


# --- Wagtail's login form is gone: its URL leads to allauth's ------------------------------


def test_an_unverified_member_gets_no_session_through_the_admin_login():
    make_user("nouveau@example.org", verified=False)
    client = Client()
    response = _admin_login(client, "nouveau@example.org", PASSWORD)
    assert not _logged_in(client)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_login") + "?next=%2Fadmin%2F"
    # nor through allauth's: verification first
    _allauth_login(client, "nouveau@example.org", PASSWORD)
    assert not _logged_in(client)


def test_a_locked_account_gets_no_session_through_any_login_url():
    make_user("cible@example.org", groups=["Bibliothécaires"])
    client = Client()
    for _ in range(5):
        _allauth_login(client, "cible@example.org", WRONG)
    # locked (5 failures per account in 5 minutes), from any address
    other = Client(REMOTE_ADDR="203.0.113.9")
    response = _allauth_login(other, "cible@example.org", PASSWORD)
    assert not _logged_in(other)
    assert "Trop de tentatives" in response.content.decode()
    _admin_login(other, "cible@example.org", PASSWORD)
    assert not _logged_in(other)
    assert other.get("/admin/").status_code == 302


def test_wrong_passwords_on_the_admin_login_url_are_never_checked():
    """15 wrong passwords then the right one: the admin URL never logs anyone in (it reads
    no password), and the right password still works on allauth's form afterwards."""
    make_user("biblio@example.org", groups=["Bibliothécaires"])
    client = Client()
    for _ in range(15):
        response = _admin_login(client, "biblio@example.org", WRONG)
        assert response.status_code == 302
    _admin_login(client, "biblio@example.org", PASSWORD)
    assert not _logged_in(client)
    response = _allauth_login(client, "biblio@example.org", PASSWORD)
    assert _logged_in(client)


def test_the_admin_login_url_keeps_a_safe_next_only():
    client = Client()
    login = reverse("account_login")
    response = client.get("/admin/login/?next=/admin/pages/")
    assert response["Location"] == login + "?next=%2Fadmin%2Fpages%2F"
    response = client.get("/admin/login/?next=https://evil.example/admin/")
    assert response["Location"] == login + "?next=%2Fadmin%2F"
    response = client.get("/admin/login/?next=//evil.example/")
    assert response["Location"] == login + "?next=%2Fadmin%2F"
    # and the admin itself sends anonymous visitors to allauth's login
    response = client.get("/admin/pages/")
    assert response["Location"].startswith(login + "?next=")


# --- Password checks everywhere are throttled -------------------------------------------


def test_wrong_passwords_are_throttled_on_reauthentication():
    user = make_user("membre@example.org")
    client = Client()
    client.force_login(user)
    url = reverse("account_reauthenticate")
    statuses = [client.post(url, {"password": WRONG}).status_code for _ in range(10)]
    assert statuses == [200] * 10
    response = client.post(url, {"password": PASSWORD})
    assert response.status_code == 429


def test_wrong_passwords_are_throttled_on_password_change():
    user = make_user("membre@example.org")
    client = Client()
    client.force_login(user)
    url = reverse("account_change_password")
    new = "une-autre-phrase-secrete"
    for _ in range(5):
        client.post(url, {"oldpassword": WRONG, "password1": new, "password2": new})
    response = client.post(url, {"oldpassword": PASSWORD, "password1": new, "password2": new})
    assert response.status_code == 429
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_the_admin_account_page_changes_no_password_and_points_to_allauth():
    user = make_user("biblio@example.org", groups=["Bibliothécaires"])
    client = Client()
    client.force_login(user)
    html = client.get("/admin/account/").content.decode()
    assert reverse("account_change_password") in html
    assert reverse("account_email") in html
    assert 'name="password-old_password"' not in html
    assert 'name="name_email-email"' not in html
    assert client.get(reverse("account_change_password")).status_code == 200
    assert client.get(reverse("account_email")).status_code == 200
    new = "une-autre-phrase-secrete"
    client.post(
        "/admin/account/",
        {
            "password-old_password": PASSWORD,
            "password-new_password1": new,
            "password-new_password2": new,
            "name_email-first_name": "Camille",
            "name_email-last_name": "Martin",
            "name_email-email": "ailleurs@example.org",
        },
    )
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert user.email == "biblio@example.org"


# --- Password reset: allauth's only ------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/admin/password_reset/",
        "/admin/password_reset/done/",
        "/admin/password_reset/confirm/MQ/set-password/",
        "/admin/password_reset/complete/",
    ],
)
def test_the_admin_password_reset_urls_lead_to_allauth_and_send_nothing(path):
    make_user("oubli@example.org")
    client = Client()
    response = client.post(path, {"email": "oubli@example.org"})
    assert response.status_code == 302
    assert response["Location"] == reverse("account_reset_password")
    assert client.get(path)["Location"] == reverse("account_reset_password")
    assert mail.outbox == []


def test_password_reset_is_throttled_per_address():
    make_user("oubli@example.org")
    client = Client()
    url = reverse("account_reset_password")
    statuses = [client.post(url, {"email": "oubli@example.org"}).status_code for _ in range(8)]
    assert statuses[:5] == [302] * 5
    assert set(statuses[5:]) == {429}
    assert len(mail.outbox) == 5


# --- Where people land --------------------------------------------------------------------


def test_librarians_land_in_the_admin_and_members_do_not():
    make_user("biblio@example.org", groups=["Bibliothécaires"])
    make_user("admin@example.org", groups=["Administrateurs réseau"])
    make_user("membre@example.org", onboarded_at=timezone.now())
    make_user("nouveau@example.org")
    for email, expected in [
        ("biblio@example.org", "/admin/"),
        ("admin@example.org", "/admin/"),
        ("membre@example.org", "/"),
        ("nouveau@example.org", reverse("community:onboarding")),
    ]:
        response = _allauth_login(Client(), email, PASSWORD)
        assert response["Location"] == expected, email


def test_a_safe_next_wins_over_the_admin_for_librarians():
    make_user("biblio@example.org", groups=["Bibliothécaires"])
    client = Client()
    response = client.post(
        reverse("account_login") + "?next=/agenda/",
        {"login": "biblio@example.org", "password": PASSWORD},
    )
    assert response["Location"] == "/agenda/"


# --- Sessions (OWASP ASVS 3.2, 3.3, 3.4) ----------------------------------------------------


def test_login_gives_a_new_session_and_logout_ends_it_on_the_server():
    make_user("membre@example.org")
    client = Client()
    session = client.session  # an anonymous session exists before login
    session["avant"] = 1
    session.save()
    before = session.session_key
    _allauth_login(client, "membre@example.org", PASSWORD)
    after = client.session.session_key
    assert _logged_in(client)
    assert after != before

    stolen = Client()
    stolen.cookies["sessionid"] = after
    assert SESSION_KEY in stolen.session
    client.post(reverse("account_logout"))
    assert not _logged_in(client)
    # the old cookie, replayed, is anonymous: the session is gone on the server
    stolen = Client()
    stolen.cookies["sessionid"] = after
    assert SESSION_KEY not in stolen.session
    assert stolen.get(reverse("community:profile")).status_code == 302


def test_the_session_cookie_is_http_only_and_same_site():
    """(Secure in production: `check --deploy` passes, tests/cms/test_settings.py.)"""
    make_user("membre@example.org")
    client = Client()
    _allauth_login(client, "membre@example.org", PASSWORD)
    cookie = client.cookies["sessionid"]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


def test_a_new_password_has_at_least_twelve_characters():
    client = Client()
    for password, created in [("onze-carac1", False), ("douze-carac1", True)]:
        email = f"{len(password)}@example.org"
        client.post(
            reverse("account_signup"),
            {"email": email, "password1": password, "password2": password},
        )
        assert User.objects.filter(email=email).exists() is created, password
