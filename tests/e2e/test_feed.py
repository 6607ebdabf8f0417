"""The feed in the browser: a member's open /fil/ page shows "1 nouveauté" without reload
when a librarian publishes matching content; /fil/ and /notifications/ pass axe-core.

pytest-django's live server speaks WSGI only, so this module runs the site's ASGI stack
(HTTP + websockets, as `cms.asgi`) in Daphne, in a thread of the test process: the test
database is shared, and the channel layer too. The publication runs inside the server's
event loop (as a request would), so the in-memory channel layer delivers the push.
"""

from datetime import timedelta

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone

from tests.cms.library_factories import make_announcement, make_event
from tests.community.life_helpers import join
from tests.conftest import make_branch, make_community, make_interest
from tests.e2e.conftest import assert_accessible, watched_context
from tests.feeds.feed_fixtures import make_member

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def session_cookie(user, url: str) -> dict:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return {"name": "sessionid", "value": session.session_key, "url": url}


def test_the_open_feed_shows_new_entries_without_reload(browser, asgi_server):
    server, url = asgi_server
    imaginaire = make_interest("Imaginaire", position=1)
    sf = make_interest("Science-fiction", imaginaire, position=1)
    aubagne = make_branch(
        "Médiathèque Marcel Pagnol", commune="Aubagne", lat=43.2925, lon=5.5693, postcode="13400"
    )
    member = make_member("lea@example.org", interests=[sf], home=aubagne, display_name="Léa")
    club = make_community(
        "Les Voyageurs de l'Imaginaire", interests=[imaginaire], branches=[aubagne]
    )
    join(member, club)
    make_event("Club de lecture SF", branch=aubagne, interests=[sf])
    later = make_event(  # its next session: one card for both (and axe checks its links)
        "Club de lecture SF",
        branch=aubagne,
        interests=[sf],
        start=timezone.now() + timedelta(days=21),
    )

    context = watched_context(browser, base_url=url, locale="fr-FR")
    context.add_cookies([session_cookie(member, url)])
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto("/fil/")
        assert page.get_by_role("heading", name="Club de lecture SF").is_visible()  # one card
        sessions = page.locator(".feed-sessions")
        assert "Prochaines séances" in sessions.inner_text()
        assert sessions.get_by_role("link").get_attribute("href") == later.url
        assert page.get_by_text("Parce que vous suivez Science-fiction").first.is_visible()
        notice = page.locator("[data-feed-news-box]")
        assert notice.is_hidden()
        page.wait_for_function("() => window.WebSocket && document.readyState === 'complete'")
        page.wait_for_timeout(500)  # the socket opens after load

        server.run_in_loop(make_announcement, "Rencontre avec Alain Damasio", interests=[sf])

        notice.wait_for(state="visible", timeout=10_000)
        assert "1 nouveauté" in notice.inner_text()
        assert page.url.endswith("/fil/")  # no reload happened
        assert page.locator("[data-feed-news]").get_attribute("aria-live") == "polite"
        assert_accessible(page, "/fil/ with the new-entries notice")

        page.get_by_role("link", name="Les afficher").click()
        page.wait_for_load_state("load")
        assert page.get_by_role("heading", name="Rencontre avec Alain Damasio").is_visible()

        # "Not interested" with JavaScript: the entry leaves the page at once.
        entries = page.locator("[data-feed-entry]")
        before = entries.count()
        page.get_by_role("button", name="Ça ne m’intéresse pas : Club de lecture SF").click()
        page.wait_for_function(
            f"() => document.querySelectorAll('[data-feed-entry]').length === {before - 1}"
        )

        # The joined community got the announcement as a notification.
        page.goto("/notifications/")
        assert page.get_by_text("Nouveau dans « Les Voyageurs de l'Imaginaire »").first.is_visible()
        assert_accessible(page, "/notifications/")
    finally:
        context.close()


def test_the_empty_feed_and_the_discover_page_are_accessible(page, live_server):
    make_branch(
        "Médiathèque Marcel Pagnol", commune="Aubagne", lat=43.2925, lon=5.5693, postcode="13400"
    )
    newcomer = make_member("nouveau@example.org")
    page.context.add_cookies([session_cookie(newcomer, live_server.url)])
    page.goto("/fil/")
    assert page.get_by_role("link", name="Choisir mes centres d’intérêt").first.is_visible()
    assert_accessible(page, "/fil/ (empty)")
    page.context.clear_cookies()
    page.goto("/")
    page.get_by_role("combobox", name="Découvrez ce qui se passe près de chez vous").fill("Aubagne")
    page.get_by_role("button", name="Découvrir").click(no_wait_after=True)
    page.wait_for_url("**/fil/decouvrir/?commune=Aubagne", timeout=30_000)
    assert page.get_by_role("heading", name="Près d’Aubagne").is_visible()
    assert_accessible(page, "/fil/decouvrir/")
