"""Covers in the browser: a cover fetched from a local cover server is shown from the site's
own renditions in the search results and on the item page (the browser never talks to the
provider), at 375 px, with zero serious or critical axe-core violations."""

from urllib.parse import urlsplit

import pytest
from django.test import override_settings
from django.urls import reverse

from cms.catalogue.covers import Outcome, fetch_cover
from cms.models import HoldingStatus
from search import indexing
from tests.cms.cover_server import CoverServer
from tests.conftest import make_branch
from tests.e2e.conftest import assert_accessible
from tests.search.conftest import make_item

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

NO_SIDE_SCROLL = "() => document.documentElement.scrollWidth <= window.innerWidth"
LOADED = "img => img.complete && img.naturalWidth > 0"


@pytest.fixture
def covered(db):
    arles = make_branch("Médiathèque d'Arles", commune="Arles", lat=43.6766, lon=4.6278)
    with (
        CoverServer() as server,
        override_settings(COVERS_REQUEST_INTERVAL=0, COVERS_ALLOWED_HOSTS=["127.0.0.1"]),
    ):
        dune = make_item(
            "Dune", "Herbert, Frank", holdings=[(arles, HoldingStatus.AVAILABLE)], year=1965
        )
        dune.cover_source_url = server.url("/ok.jpg")
        dune.save()
        assert fetch_cover(dune.pk) == Outcome.STORED
        make_item("Dune Messiah", "Herbert, Frank", holdings=[(arles, HoldingStatus.AVAILABLE)])
        indexing.rebuild()
        yield dune, server


def test_a_fetched_cover_is_served_by_the_site(page, live_server, covered):
    dune, server = covered
    provider = urlsplit(server.base).netloc
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    page.set_viewport_size({"width": 375, "height": 740})

    page.goto("/recherche/?q=dune")
    cover = page.locator(".search-hit .item-cover picture img").first
    cover.wait_for()
    cover.scroll_into_view_if_needed()
    page.wait_for_function(
        "() => [...document.querySelectorAll('.item-cover img')].every(i => i.complete)"
    )
    assert cover.evaluate(LOADED)
    assert urlsplit(cover.evaluate("img => img.currentSrc")).path.startswith("/media/images/")
    assert cover.get_attribute("width") and cover.get_attribute("height")
    # the item without a cover gets the generated one
    assert page.locator(".search-hit .cover-placeholder").count() == 1
    assert page.evaluate(NO_SIDE_SCROLL)
    assert_accessible(page, "search results with covers")

    page.goto(reverse("search:item", args=[dune.record_id]))
    cover = page.locator(".item-cover picture img").first
    cover.wait_for()
    page.wait_for_function("() => document.querySelector('.item-cover img').complete")
    assert cover.evaluate(LOADED)
    assert cover.get_attribute("loading") is None  # the page's main picture
    assert page.evaluate(NO_SIDE_SCROLL)
    assert_accessible(page, "item page with its cover")

    assert server.requests == ["/ok.jpg"]  # the fetch, before any page was shown
    assert not [url for url in asked if urlsplit(url).netloc == provider]
