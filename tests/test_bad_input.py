"""No 500 on bad input: hostile `next` values, ids past the database's integers, deeply
nested JSON, Facebook login without an app. Each answer is a redirect to a safe place,
a 4xx with a reason, or a form error."""

import json
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from cms.models import EventIndexPage
from community.models import Membership
from community.outreach.models import Partner
from tests.cms.library_factories import make_event
from tests.community.life_helpers import _fresh_cache, join, make_post  # noqa: F401
from tests.conftest import make_community, make_user

pytestmark = pytest.mark.django_db

HUGE = "9223372036854775808"  # 2**63: one past PostgreSQL's bigint
HOSTILE_NEXT = ["abc", "-1", "admin", "//evil.example/x", "https://evil.example/", "javascript:x"]


@pytest.fixture
def client(client):
    client.raise_request_exception = False  # a crash is a 500 response here, not a traceback
    return client


@pytest.fixture
def club(taxonomy, branches):
    return make_community("Club SF", interests=[taxonomy["sf"]], branches=[branches["aubagne"]])


def assert_safe_redirect(response, fallback_prefix="/"):
    assert response.status_code == 302, response.status_code
    location = response["Location"]
    assert location.startswith("/") and not location.startswith("//"), location
    assert location.startswith(fallback_prefix), location


# --- next ----------------------------------------------------------------------------------


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_join_and_leave_with_a_hostile_next(client, member, club, target):
    client.force_login(member)
    join_url = reverse("community:join", args=[club.pk])
    assert_safe_redirect(client.post(join_url, {"next": target}), club.url)
    leave_url = reverse("community:leave", args=[club.pk])
    assert_safe_redirect(client.post(leave_url, {"next": target}), club.url)


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_react_and_pin_with_a_hostile_next(client, librarian, club, target):
    author = make_user()
    join(author, club)
    post = make_post(author, club)
    client.force_login(author)
    url = reverse("community:post_react", args=[club.pk, post.pk])
    assert_safe_redirect(client.post(url, {"kind": "like", "next": target}))
    client.force_login(librarian)
    url = reverse("community:post_pin", args=[club.pk, post.pk])
    assert_safe_redirect(client.post(url, {"next": target}))


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_moderation_with_a_hostile_next(client, club, target):
    moderator = make_user()
    join(moderator, club, Membership.Role.MODERATOR)
    author = make_user()
    join(author, club)
    post = make_post(author, club)
    client.force_login(moderator)
    response = client.post(
        reverse("community:moderation_act", args=[club.pk]),
        {"target": f"post:{post.pk}", "action": "hide", "reason": "", "next": target},
    )
    assert_safe_redirect(response)


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_not_interested_with_a_hostile_next(client, member, target):
    client.force_login(member)
    response = client.post(
        reverse("feeds:not_interested"), {"kind": "event", "object_id": "1", "next": target}
    )
    assert_safe_redirect(response, "/fil/")


def test_a_same_site_next_is_still_followed(client, member, club):
    client.force_login(member)
    response = client.post(
        reverse("community:join", args=[club.pk]), {"next": "/profil/?onglet=1#x"}
    )
    assert response.status_code == 302 and response["Location"] == "/profil/?onglet=1#x"


# --- ids -----------------------------------------------------------------------------------


def test_agenda_filter_with_an_id_past_bigint(client, branches):
    make_event("Club SF", branch=branches["aubagne"])
    agenda = EventIndexPage.objects.get().url
    for value in (HUGE, "-1", "0", "1e3", "١٢"):
        response = client.get(agenda, {"mediatheque": value})
        assert response.status_code == 200, value


@pytest.mark.parametrize("url_name", ["community:profile", "community:onboarding"])
def test_interests_past_bigint_are_a_form_error(client, taxonomy, url_name):
    member = make_user()
    client.force_login(member)
    response = client.post(
        reverse(url_name), {"interests": [HUGE], "place": "Aubagne", "display_name": "Léa"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors.get("interests")


def test_post_with_an_event_past_bigint_is_a_form_error(client, member, club):
    join(member, club)
    client.force_login(member)
    url = reverse("community:post_create", args=[club.pk])
    response = client.post(url, {"body": "Qui vient ?", "event": HUGE})
    assert response.status_code == 200
    assert response.context["form"].errors.get("event")
    assert client.get(url, {"event": HUGE}).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        f"/communautes/{HUGE}/rejoindre/",
        f"/communautes/{HUGE}/publications/1/",
        f"/communautes/1/publications/{HUGE}/",
        f"/agenda/{HUGE}/inscription/",
        f"/catalogue/{HUGE}/reserver/",
        f"/notifications/{HUGE}/",
        f"/agenda/evenement/{HUGE}.ics",
        "/communautes/0/rejoindre/",
        "/membres/%00/",  # PostgreSQL refuses NUL in text
        "/recherche/notice/%00/",
    ],
)
def test_ids_in_paths_past_bigint_are_404(client, member, path):
    client.force_login(member)
    assert client.get(path).status_code == 404
    assert client.post(path).status_code == 404


# --- The widget's JSON ---------------------------------------------------------------------


def test_deeply_nested_json_on_the_widget_is_a_400(client, branches):
    Partner.objects.create(slug="demo", name="Démo", allowed_origins="https://ville.example")
    url = reverse("outreach:submit", args=["demo"])
    for body in ("[" * 5000 + "]" * 5000, '{"a":' * 2000 + "1" + "}" * 2000):
        response = client.post(
            url,
            data=body,
            content_type="application/json",
            headers={"Origin": "https://ville.example"},
        )
        assert response.status_code == 400
        assert response.json()["code"] == "bad_json"
    fine = client.post(
        url,
        data=json.dumps({"interests": [1], "versions": {"a": {"b": 1}}}),
        content_type="application/json",
        headers={"Origin": "https://ville.example"},
    )
    assert fine.status_code != 500 and fine.json().get("code") != "bad_json"


# --- Facebook without an app ---------------------------------------------------------------


@pytest.mark.parametrize("path", ["/comptes/facebook/login/", "/comptes/facebook/login/callback/"])
def test_facebook_login_without_an_app_is_a_404_with_a_reason(client, settings, path):
    settings.SOCIALACCOUNT_PROVIDERS = {
        "facebook": {
            k: v for k, v in settings.SOCIALACCOUNT_PROVIDERS["facebook"].items() if k != "APPS"
        }
    }
    for method in (client.get, client.post):
        response = method(path)
        assert response.status_code == 404
        assert "Facebook" in response.content.decode()


# --- The admin -----------------------------------------------------------------------------


def test_admin_choosers_answer_400_on_a_bad_id(client, librarian, branches):
    client.force_login(librarian)
    for path in (
        "/admin/snippets/choose/cms/branch/chosen/abc/",
        f"/admin/snippets/choose/cms/branch/chosen/{HUGE}/",
        f"/admin/snippets/choose/cms/interest/chosen-multiple/?id={HUGE}",
        f"/admin/choose-page/chosen-multiple/?id={HUGE}",
    ):
        response = client.get(path)
        # 400 with the reason; or, where the database compares the number without failing
        # (PostgreSQL, Django's out-of-range lookups), nothing found: 404 or an empty choice
        assert response.status_code in (200, 400, 404), path
        if response.status_code == 400:
            assert "identifiant" in response.content.decode()
    assert client.get("/admin/snippets/choose/cms/branch/chosen/abc/").status_code == 400


def test_admin_listings_search_with_a_filter(client, librarian, branches, taxonomy):
    client.force_login(librarian)
    response = client.get("/admin/snippets/cms/branch/", {"q": "Pagnol", "commune": "Aubagne"})
    assert response.status_code == 200 and "Marcel Pagnol" in response.content.decode()
    response = client.get("/admin/snippets/cms/interest/", {"q": "Manga"})
    assert response.status_code == 200 and "Manga" in response.content.decode()


# --- Refusals Django answers without a page ------------------------------------------------


def test_an_action_address_opened_after_logging_in_again_says_what_to_do(client, member, club):
    """A member whose session ended presses « Rejoindre »: the login sends them back to the
    action's address with GET. They get a page in French with the way back, not a blank 405."""
    client.force_login(member)
    join_url = reverse("community:join", args=[club.pk])
    response = client.get(join_url, HTTP_REFERER=f"http://testserver{club.url}")
    assert response.status_code == 405 and response["Allow"] == "POST"
    page = response.content.decode()
    assert "Utilisez le bouton de la page" in page
    assert f'href="{club.url}"' in page
    hostile = client.get(join_url, HTTP_REFERER="https://evil.example/x")
    assert hostile.status_code == 405 and "evil.example" not in hostile.content.decode()
    login_url = reverse("account_login")
    after_login = client.get(join_url, HTTP_REFERER=f"http://testserver{login_url}?next={join_url}")
    assert after_login.status_code == 405
    assert f'href="{login_url}?next=' not in after_login.content.decode()
    assert not Membership.objects.filter(user=member, community=club).exists()


def test_the_open_api_keeps_its_own_405(client):
    response = client.delete("/api/v1/communes/")
    assert response.status_code in (404, 405)
    assert "Utilisez le bouton" not in response.content.decode()


def test_a_form_sent_with_a_stale_token_says_nothing_was_saved(member, club):
    """A page left open across a login or logout in another tab sends an outdated CSRF
    token: a French page that says what happened and what to do, and nothing is written."""
    from django.test import Client

    from community.models import Post

    join(member, club)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(member)
    response = strict.post(
        reverse("community:post_create", args=[club.pk]),
        {"body": "Bonjour", "csrfmiddlewaretoken": "stale"},
        HTTP_REFERER=f"http://testserver{club.url}",
    )
    assert response.status_code == 403
    page = response.content.decode()
    assert "Ce formulaire a expiré" in page and "Rien n’a été enregistré" in page
    assert f'href="{club.url}"' in page
    assert not Post.objects.filter(author=member).exists()


class _Alerts(HTMLParser):
    """The tags carrying role="alert", and the text of the list items inside them."""

    def __init__(self):
        super().__init__()
        self.alert_tags, self.items, self._depth, self._in_li = [], [], 0, False

    def handle_starttag(self, tag, attrs):
        if self._depth:
            self._depth += 1
        elif dict(attrs).get("role") == "alert":
            self.alert_tags.append(tag)
            self._depth = 1
        if self._depth and tag == "li":
            self._in_li = True
            self.items.append("")

    def handle_endtag(self, tag):
        if self._depth:
            self._depth -= 1
        if tag == "li":
            self._in_li = False

    def handle_data(self, data):
        if self._in_li:
            self.items[-1] += data


def test_form_errors_are_announced_and_still_read_as_a_list(client, member, taxonomy):
    """A role on the <ul> itself replaces its list role, so its <li> are list items outside
    any list (axe-core: serious). The alert wraps the list instead: screen readers announce
    the errors and still read them as a list."""
    response = client.post(
        reverse("account_login"), {"login": member.email, "password": "pas le bon"}
    )
    alerts = _Alerts()
    alerts.feed(response.content.decode())
    assert alerts.alert_tags and "ul" not in alerts.alert_tags and "ol" not in alerts.alert_tags
    assert any("mot de passe" in item for item in alerts.items), alerts.items

    client.force_login(member)
    response = client.post(
        reverse("community:suggest"), {"title": "Les Furtifs", "interests": ["987654"]}
    )
    alerts = _Alerts()
    alerts.feed(response.content.decode())
    assert alerts.alert_tags and "ul" not in alerts.alert_tags
    assert any("987654" in item for item in alerts.items), alerts.items


# --- NUL and markup in the newest pages' filters -------------------------------------------

NUL_TEXT = "\x00<b>é" + "x" * 300


def test_the_newest_pages_filters_with_nul_and_markup(client, member, librarian, club):
    """PostgreSQL refuses NUL in text (psycopg raises before the query is sent): a filter
    read from the query string must be checked before it reaches the database."""
    pages = [
        (reverse("community:suggestions"), ["centre", "etat", "page"]),
        (reverse("community:suggest"), ["titre", "auteur", "communaute"]),
        (club.url, ["q", "categorie", "page", "commune"]),
        ("/", ["commune", "insee"]),
        (reverse("search:results"), ["q", "branche", "interet", "format", "disponible"]),
    ]
    for user in (None, member):
        if user:
            client.force_login(user)
        for url, names in pages:
            response = client.get(url, dict.fromkeys(names, NUL_TEXT))
            assert response.status_code in (200, 302, 400, 404), (url, response.status_code)
    client.force_login(librarian)
    for url, names in [
        (reverse("reach_demand"), ["interest", "branch", "start", "end"]),
        (reverse("reach_demand_list", args=["suggestions"]), ["interest", "branch", "start"]),
        (reverse("purchase_suggestions:index"), ["q", "status", "branches", "interests"]),
        (reverse("members_public_lists"), ["q", "p"]),
    ]:
        response = client.get(url, dict.fromkeys(names, NUL_TEXT))
        assert response.status_code in (200, 400, 404), (url, response.status_code)
