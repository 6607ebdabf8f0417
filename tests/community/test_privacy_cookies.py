"""No tracking cookies: an anonymous visitor gets no cookie at all until they log in or
submit a form. A fresh client crawls the main public pages of a small network."""

import re

import pytest
from django.test import Client

from cms.models import BranchPage, EventPage
from community.models import CommunityPage
from tests.cms.library_factories import make_announcement, make_branch_page, make_event
from tests.community.life_helpers import join, make_post
from tests.conftest import make_branch, make_community, make_interest, make_user

pytestmark = pytest.mark.django_db

SKIP_PREFIXES = ("/admin", "/comptes/", "/static/", "/media/", "/documents/", "/i18n/")


@pytest.fixture
def demo(db):
    imaginaire = make_interest("Imaginaire", position=1)
    sf = make_interest("Science-fiction", imaginaire, position=1)
    branch = make_branch(
        "Médiathèque Marcel Pagnol",
        commune="Aubagne",
        lat=43.2925,
        lon=5.5693,
        postcode="13400",
        insee="13005",
    )
    club = make_community("Les Voyageurs de l'Imaginaire", interests=[sf], branches=[branch])
    author = make_user(display_name="Léa", profile_visibility="public")
    join(author, club)
    make_post(author, club, "Qui a lu « Les Furtifs » ?")
    make_event("Club de lecture SF", branch=branch, interests=[sf])
    make_announcement("Nouveautés de l'imaginaire", interests=[sf], branches=[branch])
    make_branch_page(branch, hours=[(1, "09:00", "12:30")])


def set_cookies(response) -> dict:
    return {name: morsel.value for name, morsel in response.cookies.items()}


def main_pages() -> list[str]:
    pages = [
        "/",
        "/communautes/",
        "/agenda/",
        "/actualites/",
        "/mediatheques/",
        "/recherche/?q=science",
        "/recherche/?q=roman&type=livre",
        "/fil/decouvrir/",
        "/confidentialite/",
        "/?utm_source=facebook&utm_medium=social&utm_campaign=sf",
        "/?partner=ville-exemple",
    ]
    pages += [p.url for p in CommunityPage.objects.live()[:3]]
    pages += [p.url for p in EventPage.objects.live()[:3]]
    pages += [p.url for p in BranchPage.objects.live()[:2]]
    return pages


def test_anonymous_visitor_gets_no_cookie_on_the_main_pages(demo):
    client = Client()
    seen: set[str] = set()
    queue = main_pages()
    crawled = 0
    offenders: dict[str, dict] = {}
    while queue and crawled < 60:
        url = queue.pop(0)
        if url in seen or not url:
            continue
        seen.add(url)
        response = client.get(url)
        crawled += 1
        cookies = set_cookies(response)
        if cookies:
            offenders[url] = cookies
        if response.status_code == 200 and "text/html" in response.get("Content-Type", ""):
            for link in re.findall(r'href="(/[^"#]*)"', response.content.decode()):
                if not link.startswith(SKIP_PREFIXES) and link not in seen:
                    queue.append(link)
    assert crawled >= 12, f"only {crawled} pages crawled"
    assert offenders == {}, f"cookies set for an anonymous visitor: {offenders}"
    assert client.cookies == {} or not dict(client.cookies.items())


def test_the_language_switch_sets_only_the_language_cookie_when_used(demo):
    client = Client(enforce_csrf_checks=True)
    response = client.get("/")
    assert set_cookies(response) == {}
    assert 'name="csrfmiddlewaretoken"' not in response.content.decode()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert set(set_cookies(response)) == {"django_language"}
    assert "Communities" in client.get("/").content.decode()


def test_login_page_sets_only_the_csrf_cookie(demo):
    """Opening the login form sets the CSRF cookie that protects it (strictly necessary),
    never a session."""
    response = Client().get("/comptes/login/")
    assert set(set_cookies(response)) == {"csrftoken"}
