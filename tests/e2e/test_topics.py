"""Topics in the browser, at 375 px: member A opens a topic and follows it, member B replies,
and A's open page says so at once (websocket); on reload the reply is there, marked
"Nouveau". The community page (topic list, search, categories), the topic page and the
member list pass axe-core.

Like the feed's test, this runs the site's ASGI stack in Daphne in a thread (pytest-django's
live server has no websockets); the reply is written from the server's event loop, as a
request would, so the in-memory channel layer delivers the push.
"""

import pytest

from community.actions.posts import create_comment, create_post
from community.models import TopicCategory
from tests.community.life_helpers import join
from tests.conftest import make_community, make_interest, make_user
from tests.e2e.conftest import assert_accessible, watched_context
from tests.e2e.test_feed import session_cookie

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 375, "height": 812}


def test_a_follower_sees_a_reply_arrive(browser, asgi_server):
    server, url = asgi_server
    sf = make_interest("Science-fiction", position=1)
    club = make_community("Les Voyageurs de l'Imaginaire", interests=[sf])
    reading = TopicCategory.objects.create(community=club, name="Club de lecture", slug="lecture")
    lea = make_user("lea@example.org", display_name="Léa Martin", profile_visibility="public")
    sam = make_user("sam@example.org", display_name="Sam Durand", profile_visibility="public")
    join(lea, club)
    join(sam, club)
    topic = create_post(
        sam, club, "Qui vient samedi ?", title="Dune au club de lecture", category=reading
    )
    create_post(sam, club, "Des conseils de fantasy ?", title="Fantasy pour débuter")

    context = watched_context(browser, base_url=url, locale="fr-FR", viewport=PHONE)
    context.add_cookies([session_cookie(lea, url)])
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto(club.url)
        row = page.locator(f"#publication-{topic.pk}")
        assert "Nouveau" in row.inner_text() and "Club de lecture" in row.inner_text()
        no_overflow = "() => document.documentElement.scrollWidth <= window.innerWidth"
        assert page.evaluate(no_overflow)
        assert_accessible(page, "the community page with its topics")

        page.get_by_label("Chercher dans cette communauté").fill("fantasy")
        page.get_by_role("button", name="Chercher", exact=True).click()
        page.wait_for_load_state("load")
        assert page.get_by_role("link", name="Fantasy pour débuter").is_visible()
        assert page.get_by_role("link", name="Dune au club de lecture").count() == 0

        page.goto(club.url)
        page.get_by_role("link", name="Dune au club de lecture").click()
        page.wait_for_load_state("load")
        assert page.get_by_role("heading", level=1, name="Dune au club de lecture").is_visible()
        page.get_by_role("button", name="Suivre ce sujet").click()
        page.wait_for_load_state("load")
        assert page.get_by_role("button", name="Sujet suivi").is_visible()
        assert page.evaluate(no_overflow)
        assert_accessible(page, "the topic page")
        page.wait_for_function("() => window.WebSocket && document.readyState === 'complete'")
        page.wait_for_timeout(500)  # the socket opens after load

        reply = server.run_in_loop(create_comment, sam, topic, "Moi ! J’apporte le tome 2.")

        live = page.locator("[data-topic-live]")
        live.get_by_role("link", name="L’afficher").wait_for(timeout=10_000)
        assert "Sam Durand a répondu" in live.inner_text()
        assert_accessible(page, "the topic page with the new-reply notice")
        live.get_by_role("link", name="L’afficher").click()
        page.wait_for_load_state("load")
        arrived = page.locator(f"#commentaire-{reply.pk}")
        assert "J’apporte le tome 2." in arrived.inner_text()
        assert "Nouveau" in arrived.inner_text()

        page.goto(club.url)  # read now: no marker left on the list
        assert "Nouveau" not in page.locator(f"#publication-{topic.pk}").inner_text()

        page.get_by_role("link", name="Membres", exact=True).click()
        page.wait_for_load_state("load")
        assert page.get_by_role("link", name="Sam Durand").is_visible()
        assert page.evaluate(no_overflow)
        assert_accessible(page, "the member list")
    finally:
        context.close()
