"""A public name that is not the email: neutral at sign-up, chosen at onboarding, the
handle made from it, existing accounts renamed by migration; avatars drawn locally, and no
page asks Gravatar or any other site for anything."""

# ruff: noqa: F811  (pytest fixtures imported from tests.community.life_helpers)

import importlib
import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.core import mail
from django.template import Context, Template
from django.urls import reverse

from community.models import Comment, Post, User
from tests.community.life_helpers import _fresh_cache, club, join, make_post  # noqa: F401
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

EMAIL = "nouvelle.membre+ux1@example.org"


def _sign_up(client, email=EMAIL) -> User:
    client.post(
        reverse("account_signup"),
        {"email": email, "password1": "phrase-42-xyz!", "password2": "phrase-42-xyz!"},
    )
    return User.objects.get(email=email)


def test_a_new_account_gets_a_neutral_name_and_handle_not_from_its_email(client):
    user = _sign_up(client)
    assert user.display_name
    for public in (user.public_name, user.handle, str(user)):
        assert "nouvelle" not in public.lower() and "membre+ux1" not in public.lower()
    assert re.fullmatch(r"[a-z_]+_\d\d\d*", user.handle)


def test_account_emails_name_the_person_by_their_public_name(client):
    user = _sign_up(client, "lou.dupont@example.org")
    body = mail.outbox[-1].body
    assert "lou.dupont" not in body.split("@")[0]
    assert user.username not in body or user.username == user.public_name


def test_onboarding_offers_the_neutral_name_and_takes_a_pseudonym(client, taxonomy, branches):
    user = _sign_up(client)
    client.force_login(user)
    html = client.get(reverse("community:onboarding")).content.decode()
    assert f'value="{user.display_name}"' in html
    assert "Votre nom public" in html and "pseudonyme" in html

    response = client.post(
        reverse("community:onboarding"),
        {
            "display_name": "  Lune   des Calanques ",
            "interests": [taxonomy["sf"].pk],
            "place": "Aubagne",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.public_name == "Lune des Calanques"
    assert user.handle == "lune_des_calanques"  # the handle follows before onboarding ends


@pytest.mark.parametrize("name", ["", "   ", "moi@example.org", "@lea"])
def test_a_public_name_is_required_and_never_an_email(client, taxonomy, branches, name):
    user = make_user()
    before = user.display_name
    client.force_login(user)
    response = client.post(
        reverse("community:onboarding"),
        {"display_name": name, "interests": [taxonomy["sf"].pk], "place": "Aubagne"},
    )
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.content.decode()
    user.refresh_from_db()
    assert user.display_name == before


def test_a_post_is_signed_with_the_public_name_for_anonymous_visitors(client, club):
    author = make_user(EMAIL, username="nouvelle.membre")  # allauth's username from the email
    join(author, club)
    make_post(author, club, "Quelqu'un a lu Hypérion ?")
    client.logout()
    html = client.get(club.url).content.decode()
    assert author.public_name in html
    assert "nouvelle.membre" not in html and "nouvelle_membre" not in html


def test_default_avatar_is_two_initials_drawn_here():
    user = make_user(display_name="Cigale rêveuse 27")
    html = Template("{% load community_life %}{% avatar user 64 'avatar-post' %}").render(
        Context({"user": user})
    )
    assert ">CR</span>" in html
    assert 'aria-hidden="true"' in html and "avatar-colour-" in html
    assert "style=" not in html and "gravatar" not in html


def test_migration_renames_accounts_named_after_their_email(club):
    migration = importlib.import_module("community.migrations.0009_neutral_public_names")
    old = make_user("jean.dupont@example.org", username="jean.dupont", display_name="Tmp")
    kept = make_user("lea@example.org", display_name="Léa Martin")
    # As accounts were before: no public name, a handle made from the email address.
    User.objects.filter(pk=old.pk).update(display_name="", handle="jeandupont")
    join(kept, club)
    post = make_post(kept, club, "Merci @jeandupont, et @jeandupont2 n'est pas concerné.")
    Comment.objects.create(post=post, author=kept, body="@JeanDupont : oui !")

    migration.forwards(apps, None)

    old.refresh_from_db()
    kept.refresh_from_db()
    assert old.display_name and "jean" not in old.display_name.lower()
    assert old.handle != "jeandupont" and "jean" not in old.handle
    assert kept.display_name == "Léa Martin" and kept.handle.startswith("lea_martin")
    assert Post.objects.get(pk=post.pk).body == (
        f"Merci @{old.handle}, et @jeandupont2 n'est pas concerné."
    )
    assert Comment.objects.get(post=post).body == f"@{old.handle} : oui !"


# --- No third party: no Gravatar, no resource from another site on any page ---------------


class _Resources(HTMLParser):
    """Every address a page makes the browser fetch by itself (not the links one follows)."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in ("src", "poster", "data"):
            if attrs.get(name):
                self.urls.append(attrs[name])
        if attrs.get("srcset"):
            self.urls += [part.split()[0] for part in attrs["srcset"].split(",") if part.strip()]
        if (
            tag == "link"
            and attrs.get("href")
            and "stylesheet" in (attrs.get("rel") or "") + (attrs.get("rel") or "")
        ):
            self.urls.append(attrs["href"])
        if tag == "link" and (attrs.get("rel") or "") in ("icon", "preload", "prefetch"):
            self.urls.append(attrs.get("href", ""))


def _third_party(html: str) -> list[str]:
    parser = _Resources()
    parser.feed(html)
    urls = parser.urls + re.findall(r"url\(\s*['\"]?([^)'\"]+)", html)
    outside = []
    for url in urls:
        parts = urlsplit(url.strip())
        if parts.scheme in ("data", "blob") or not parts.netloc:
            continue
        if parts.hostname not in ("testserver", "localhost", "127.0.0.1"):
            outside.append(url)
    return outside


@pytest.fixture
def pages(club, branches, librarian, network_admin):
    member = make_user("camille@example.org", display_name="Camille R.")
    join(member, club)
    post = make_post(member, club, "Bonjour !")
    return {
        "anonymous": ["/", club.url, post.get_absolute_url(), "/mediatheques/"],
        "member": [
            "/",
            club.url,
            post.get_absolute_url(),
            reverse("community:profile"),
            reverse("community:member_profile", args=[member.handle]),
            "/fil/",
        ],
        "staff": [
            "/admin/",
            "/admin/pages/",
            f"/admin/pages/{club.pk}/edit/",
            "/admin/account/",
            reverse("community_moderation_queue"),
            reverse("reach_funnel"),
        ],
        "admin": ["/admin/users/", reverse("wagtailusers_users:edit", args=[member.pk])],
        "users": {"member": member, "staff": librarian, "admin": network_admin},
    }


@pytest.mark.parametrize("who", ["anonymous", "member", "staff", "admin"])
def test_no_page_asks_gravatar_or_another_site_for_anything(client, pages, who):
    if who != "anonymous":
        client.force_login(pages["users"][who])
    checked = 0
    for url in pages[who]:
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert "gravatar" not in html.lower(), url
        assert _third_party(html) == [], url
        checked += 1
    assert checked == len(pages[who])


def test_admin_avatars_are_initials_served_by_the_admin(client, network_admin):
    member = make_user("zoe@example.org", display_name="Zoé Lune")
    client.force_login(network_admin)
    html = client.get(reverse("wagtailusers_users:index")).content.decode()
    assert reverse("community_initials_avatar", args=[member.pk]) in html
    svg = client.get(reverse("community_initials_avatar", args=[member.pk]))
    assert svg["Content-Type"] == "image/svg+xml"
    assert ">ZL</text>" in svg.content.decode()
    client.logout()
    member_client_response = client.get(reverse("community_initials_avatar", args=[member.pk]))
    assert member_client_response.status_code == 302  # admin users only
