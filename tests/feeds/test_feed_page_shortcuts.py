"""What keeps the feed page cheap must not change what it shows: the cached navigation
follows publishing, private pages and entries of the wrong kind stay out, remembered links
and dates are the ones the uncached code gives."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import signing
from django.core.cache import cache
from django.db import connection
from django.template import engines
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from wagtail.models import PageViewRestriction, Site

from cms.models import EventIndexPage, EventPage, NewsIndexPage
from community.context_processors import NAVIGATION_CACHE_KEY
from feeds.entry_links import SALT, open_url, read_token
from feeds.feed.cards import hydrate
from feeds.store import StoredEntry
from tests.cms.library_factories import (
    make_announcement,
    make_event,
    make_item,
)
from tests.feeds import feed_fixtures

pytestmark = pytest.mark.django_db
DISCOVER = "/fil/decouvrir/"  # a page on the site's layout, for anyone
sf_member = feed_fixtures.sf_member  # shared fixture
store = feed_fixtures.store  # shared fixture


@pytest.fixture(autouse=True)
def fresh_cache():
    """Sites are created here: neither Wagtail's site root paths nor the navigation may
    outlive the test's rolled-back database."""
    cache.clear()
    yield
    cache.clear()


def news_link(html: str, url: str) -> bool:
    nav = html.split('class="main-nav"', 1)[1].split("</nav>", 1)[0]
    return f'href="{url}"' in nav


def test_navigation_is_cached_and_follows_publishing(client):
    cache.delete(NAVIGATION_CACHE_KEY)
    news = NewsIndexPage.objects.get()
    url = news.get_url()
    with CaptureQueriesContext(connection) as first:
        assert news_link(client.get(DISCOVER).content.decode(), url)
    with CaptureQueriesContext(connection) as second:
        assert news_link(client.get(DISCOVER).content.decode(), url)
    site_queries = [q for q in first.captured_queries if "wagtailcore_site" in q["sql"]]
    assert site_queries, "the first request looks the site up"
    assert not [q for q in second.captured_queries if "wagtailcore_site" in q["sql"]]
    assert len(second) < len(first)

    news.unpublish()
    assert not news_link(client.get(DISCOVER).content.decode(), url)
    news.save_revision().publish()
    assert news_link(client.get(DISCOVER).content.decode(), url)

    news.refresh_from_db()
    news.slug = "les-actualites"
    news.save()  # a new slug: a new URL, at once
    news.refresh_from_db()
    html = client.get(DISCOVER).content.decode()
    assert news.get_url() != url and news_link(html, news.get_url())
    assert not news_link(html, url)


def test_navigation_is_kept_per_host(client, settings):
    settings.ALLOWED_HOSTS = ["testserver", "autre.example.org"]
    cache.delete(NAVIGATION_CACHE_KEY)
    url = NewsIndexPage.objects.get().get_url()  # one site: a local URL
    default = Site.objects.get(is_default_site=True)
    Site.objects.create(
        hostname="autre.example.org", port=80, root_page=default.root_page.get_parent()
    )
    assert news_link(client.get(DISCOVER).content.decode(), url)
    # the other site's root (the tree root) has no section below it
    other = client.get(DISCOVER, HTTP_HOST="autre.example.org").content.decode()
    assert 'href="' not in other.split('class="main-nav"', 1)[1].split("</nav>", 1)[0]
    assert news_link(client.get(DISCOVER).content.decode(), url)


def test_private_pages_over_events_and_wrong_kinds_are_left_out(taxonomy, branches):
    sf = [taxonomy["sf"]]
    public = make_announcement("Publique", interests=sf)
    private = make_announcement("Réservée", interests=sf)
    PageViewRestriction.objects.create(page=private, restriction_type="login")
    event = make_event("Club SF", branch=branches["aubagne"], interests=sf, room="Salle 2")
    over = make_event("Club SF passé", branch=branches["aubagne"], interests=sf)
    EventPage.objects.filter(pk=over.pk).update(end=timezone.now())
    item = make_item("Dune", authors="Herbert, Frank", year=1965)

    def entry(kind, pk):
        return StoredEntry(kind=kind, object_id=pk, score=1.0, reason="Parce que.")

    entries = [
        entry("announcement", public.pk),
        entry("announcement", private.pk),
        entry("event", event.pk),
        entry("event", over.pk),
        entry("event", public.pk),  # an announcement is not an event
        entry("recommendation", event.pk),
        entry("catalogue", item.pk),
        entry("announcement", 10**9),  # gone
    ]
    with CaptureQueriesContext(connection) as queries:
        cards = hydrate(entries, RequestFactory().get("/fil/"))
    assert set(cards) == {f"announcement:{public.pk}", f"event:{event.pk}", f"catalogue:{item.pk}"}
    # private sections, the pages of each kind, the events' sessions, items (+ the site
    # root paths once, the request's site)
    assert len(queries) <= 8
    card = cards[f"event:{event.pk}"]
    assert (card.title, card.url, card.when) == ("Club SF", event.url, event.start)
    assert card.where == "Médiathèque Marcel Pagnol (Salle 2)"
    assert card.summary == "Tout sur Club SF."
    card = cards[f"announcement:{public.pk}"]
    assert (card.url, card.summary, card.when) == (
        public.url,
        public.intro,
        public.first_published_at,
    )
    assert cards[f"catalogue:{item.pk}"].byline.startswith("Herbert, Frank · ")

    # a private section hides everything below it
    PageViewRestriction.objects.create(page=EventIndexPage.objects.get(), restriction_type="login")
    assert f"event:{event.pk}" not in hydrate(entries, RequestFactory().get("/fil/"))


def test_open_links_are_remembered_per_secret(settings):
    first = open_url("announcement", 7, "/actualites/nuit/")
    assert open_url("announcement", 7, "/actualites/nuit/") == first
    token = first.split("?e=", 1)[1].replace("%3A", ":")
    assert read_token(token) == ("announcement", 7, "/actualites/nuit/")
    settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789"
    second = open_url("announcement", 7, "/actualites/nuit/")
    assert second != first
    assert read_token(second.split("?e=", 1)[1].replace("%3A", ":"))[2] == "/actualites/nuit/"
    with pytest.raises(signing.BadSignature):
        signing.loads(token, salt=SALT)  # the old link does not pass under the new key


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("zone", ["Europe/Paris", "America/Cayenne"])
def test_card_dates_are_djangos_dates(language, zone):
    engine = engines["django"]
    remembered = engine.from_string("{% load feed_tags %}{{ d|card_date:f }}")
    plain = engine.from_string("{{ d|date:f }}")
    instants = [datetime(2037, 3, 1, 18, 30, tzinfo=UTC), datetime(2037, 7, 14, 9, 5, tzinfo=UTC)]
    with translation.override(language), timezone.override(ZoneInfo(zone)):
        for when in instants:
            for fmt in ("c", "l j F, H:i", "j F Y"):
                context = {"d": when, "f": fmt}
                assert remembered.render(context) == plain.render(context)
    assert remembered.render({"d": None, "f": "c"}) == ""


def test_cards_render_without_loading_objects(client, taxonomy, branches, sf_member, store):
    """One template renders every card: the dismiss forms keep their fields."""
    make_announcement("Nuit de la SF", interests=[taxonomy["sf"]])
    client.force_login(sf_member)
    html = client.get("/fil/").content.decode()
    form = html.split('class="feed-dismiss"', 1)[1].split("</form>", 1)[0]
    assert 'name="csrfmiddlewaretoken"' in form
    assert 'name="kind" value="announcement"' in form
    assert 'name="next" value="/fil/"' in form
    assert '<span class="visually-hidden">: Nuit de la SF</span>' in form
