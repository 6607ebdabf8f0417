"""Absolute links that work: a real server on a port that is neither 80 nor 8000, SITE_URL
set to it, and every link the site sends out FOLLOWED until it answers 200.

What is followed: the partner questionnaire's answer (its suggestions and calls to action),
the emails to prospects (confirmation, then results: "Pour vous là-bas", "S'inscrire",
withdrawal), Wagtail's workflow emails (submitted for moderation, approved), the account
emails (address confirmation, password reset) and the messages mirrored to Facebook (the
local Graph API stand-in of tests/feeds/fake_graph.py).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
import requests
from django.core import mail
from django.utils import timezone

from cms.links import mismatch, site_url, sync_default_site
from cms.models import HoldingStatus
from community import roles
from community.outreach.consents import consent_text
from community.outreach.models import Partner, text_version
from tests.cms.library_factories import make_branch_page, make_event, make_item
from tests.conftest import make_community, make_user

pytest_plugins = ["tests.feeds.fake_graph"]  # fixtures: graph, connected
# A real server thread reads what the test writes: committed transactions, and the pages
# and site the migrations made restored after each test.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PARTNER_ORIGIN = "http://127.0.0.1:8001"
URL = re.compile(r"https?://[^\s\"'<>]+")


def follow(url: str, session: requests.Session | None = None) -> requests.Response:
    """GET ``url`` and its redirects; every hop must stay on SITE_URL."""
    response = (session or requests).get(url, timeout=30, allow_redirects=True)
    for hop in [*response.history, response]:
        assert hop.url.startswith(site_url() + "/"), (url, hop.url)
    return response


def links_of(message) -> set[str]:
    bodies = [message.body] + [content for content, _type in getattr(message, "alternatives", [])]
    found = set()
    for body in bodies:
        found |= {u.rstrip(".,;)") for u in URL.findall(body.replace("&amp;", "&"))}
    return found


def assert_all_resolve(urls, what: str, session=None) -> None:
    assert urls, f"no link in {what}"
    for url in sorted(urls):
        assert url == site_url() or url.startswith(site_url() + "/"), (what, url)
        response = follow(url, session)
        assert response.status_code == 200, (what, url, response.status_code)


@pytest.fixture
def site(live_server, settings, graph):
    """SITE_URL = the live server (after the Graph stand-in set its own), Wagtail site synced."""
    settings.SITE_URL = settings.WAGTAILADMIN_BASE_URL = live_server.url
    settings.AFFINITES_WIDGET = {"MIN_FILL_SECONDS": 0}
    assert urlsplit(live_server.url).port not in (80, 8000)
    assert mismatch() is not None  # the site still says 127.0.0.1:8000 …
    assert sync_default_site()  # … until the startup step writes SITE_URL into it
    assert mismatch() is None
    return live_server.url


@pytest.fixture
def library(site, branches, taxonomy):
    aubagne = branches["aubagne"]
    aubagne.card_signup_url = site + "/mediatheques/"  # the médiathèque's own sign-up page
    aubagne.save()
    make_branch_page(aubagne)
    make_event("Club science-fiction", branch=aubagne, interests=[taxonomy["sf"]])
    item = make_item("Dune", holdings=[(aubagne, HoldingStatus.AVAILABLE)], year=1965)
    item.interests.set([taxonomy["sf"]])
    item.save()
    make_community("Science-fiction", interests=[taxonomy["sf"]], branches=[aubagne])
    return Partner.objects.create(
        slug="ville-aubagne", name="Ville d'Aubagne", allowed_origins=PARTNER_ORIGIN
    )


def test_the_questionnaire_answer_and_prospect_emails(site, library, taxonomy):
    headers = {"Origin": PARTNER_ORIGIN}
    config = requests.get(f"{site}/widget/api/ville-aubagne/config/", headers=headers, timeout=30)
    assert config.status_code == 200
    purpose = "suggestions_email"
    answer = requests.post(
        f"{site}/widget/api/ville-aubagne/submit/",
        json={
            "token": config.json()["token"],
            "interests": [taxonomy["sf"].pk],
            "commune": "13005",
            "purposes": [purpose],
            "versions": {purpose: text_version(consent_text(purpose))},
            "email": "lea@example.org",
        },
        headers=headers,
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    data = answer.json()
    assert {s["kind"] for s in data["suggestions"]} == {"event", "item"}
    urls = {s["url"] for s in data["suggestions"]} | set(data["links"].values())
    assert len(urls) >= 5  # event, item, branch, community, account, card
    assert_all_resolve(urls, "the questionnaire's answer")

    [confirmation] = mail.outbox
    [confirm_url] = [u for u in links_of(confirmation) if "/consentement/confirmer/" in u]
    assert_all_resolve({confirm_url}, "the confirmation email")
    assert requests.post(confirm_url, timeout=30).status_code == 200
    result = mail.outbox[-1]
    assert result is not confirmation and "Pagnol" in result.subject
    links = links_of(result)
    assert any("/comptes/signup/" in u for u in links)  # "S'inscrire" / create an account
    assert any("/consentement/retrait/" in u for u in links)
    assert_all_resolve(links, "the result email")


def test_workflow_emails(site, library, branches):
    admin = make_user("admin.reseau@example.org", groups=[roles.NETWORK_ADMINS])
    librarian = make_user("biblio@example.org", groups=[roles.LIBRARIANS])
    from wagtail.users.models import UserProfile

    for user in (admin, librarian):
        profile = UserProfile.get_for_user(user)
        profile.submitted_notifications = profile.approved_notifications = True
        profile.save()
    event = make_event("Ciné-goûter", branch=branches["aubagne"], publish=False)
    event.save_revision(user=librarian)
    mail.outbox.clear()
    event.get_workflow().start(event, librarian)
    event.refresh_from_db()
    submitted = [m for m in mail.outbox if admin.email in m.to]
    assert submitted, [m.subject for m in mail.outbox]
    session = requests.Session()  # admin links: the login page answers (200) after a redirect
    assert_all_resolve(set().union(*map(links_of, submitted)), "the submitted email", session)
    mail.outbox.clear()
    task_state = event.current_workflow_task_state
    task_state.task.specific.on_action(task_state, admin, "approve")
    approved = [m for m in mail.outbox if librarian.email in m.to]
    assert approved, [m.subject for m in mail.outbox]
    links = set().union(*map(links_of, approved))
    event.refresh_from_db()
    assert site + event.url in links  # "You can view the page here"
    assert_all_resolve(links, "the approved email", session)


def test_account_emails(site, library):
    session = requests.Session()
    page = session.get(f"{site}/comptes/signup/", timeout=30)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    signup = session.post(
        f"{site}/comptes/signup/",
        data={
            "csrfmiddlewaretoken": csrf,
            "email": "nouvelle@example.org",
            "password1": "une-phrase-42!",
            "password2": "une-phrase-42!",
        },
        headers={"Referer": f"{site}/comptes/signup/"},
        timeout=30,
    )
    assert signup.status_code == 200
    [verification] = [m for m in mail.outbox if m.to == ["nouvelle@example.org"]]
    assert_all_resolve(links_of(verification), "the address confirmation email", requests.Session())

    make_user("ancienne@example.org")
    mail.outbox.clear()
    other = requests.Session()
    page = other.get(f"{site}/comptes/password/reset/", timeout=30)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    reset = other.post(
        f"{site}/comptes/password/reset/",
        data={"csrfmiddlewaretoken": csrf, "email": "ancienne@example.org"},
        headers={"Referer": f"{site}/comptes/password/reset/"},
        timeout=30,
    )
    assert reset.status_code == 200
    [message] = mail.outbox
    assert_all_resolve(links_of(message), "the password reset email", requests.Session())


def test_facebook_messages(site, library, connected, graph):
    from tests.feeds.fake_graph import PAGE_ID, publish
    from tests.feeds.fake_graph import make_announcement as make_facebook_announcement

    page = make_facebook_announcement("Nuit de la lecture", first_published_at=timezone.now())
    publish(page)
    [post] = graph.live_posts(PAGE_ID)
    [call] = graph.calls("POST", r"/feed$")
    link = call["params"]["link"]
    assert link in post["message"]
    assert_all_resolve({link} | set(URL.findall(post["message"])), "the Facebook message")
