"""A visitor's front door: the home page answers a commune with this week's events near it
and “ouvert maintenant” on its médiathèques; the map of the médiathèques draws tiles from the
configured tile server (a local one on 127.0.0.1) under the site's CSP. axe-core at 375 px
and on a desktop."""

import io
import re
from datetime import timedelta

import pytest
from csp.constants import SELF
from django.utils import timezone
from PIL import Image

from cms.models import BranchIndexPage
from tests.cms.library_factories import make_branch_page, make_event
from tests.conftest import make_branch
from tests.e2e.conftest import assert_accessible
from tests.local_http import QuietHandler, serve

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

NO_SIDE_SCROLL = "() => document.documentElement.scrollWidth <= window.innerWidth"
ALWAYS = [(day, "00:00", "00:00") for day in range(1, 8)]


@pytest.fixture
def network(db):
    aubagne = make_branch(
        "Médiathèque Marcel Pagnol",
        commune="Aubagne",
        lat=43.2925,
        lon=5.5693,
        postcode="13400",
        insee="13005",
    )
    arles = make_branch(
        "Médiathèque d'Arles", commune="Arles", lat=43.6766, lon=4.6278, postcode="13200"
    )
    make_branch_page(aubagne, hours=ALWAYS)
    make_branch_page(arles, hours=ALWAYS)
    soon = timezone.now() + timedelta(days=2)
    make_event("Club manga du mercredi", branch=aubagne, start=soon)
    make_event("Heure du conte arlésienne", branch=arles, start=soon)


def test_visitor_types_a_commune_and_sees_this_week_near_it(page, network):
    for width, height in ((1280, 900), (375, 740)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto("/")
        week = page.locator("section.front-week")
        assert "Club manga du mercredi" in week.inner_text()
        assert "Heure du conte arlésienne" in week.inner_text()  # the network, no commune yet
        assert_accessible(page, f"home at {width} px")
        assert page.evaluate(NO_SIDE_SCROLL)

        box = page.get_by_role(
            "combobox", name="Quelle est la médiathèque la plus proche de chez vous ?"
        )
        box.press_sequentially("Aubagne", delay=30)
        page.get_by_role("option").first.wait_for()
        box.press("ArrowDown")
        box.press("Enter")
        page.get_by_role("button", name="Rechercher").click()

        heading = page.get_by_role("heading", name=re.compile("Cette semaine près d’Aubagne"))
        heading.wait_for()
        week = page.locator("section.front-week")
        assert week.get_by_role("link", name="Club manga du mercredi").is_visible()
        assert "Heure du conte arlésienne" not in week.inner_text()
        nearest = page.locator("#nearby-title + ul li").first
        assert "Médiathèque Marcel Pagnol" in nearest.inner_text()
        assert re.search(r"Ouvert · ferme", nearest.locator(".opening-status").inner_text())
        assert_accessible(page, f"home near Aubagne at {width} px")
        assert page.evaluate(NO_SIDE_SCROLL)


class _Tiles(QuietHandler):
    requested: list[str] = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        _Tiles.requested.append(self.path)
        buffer = io.BytesIO()
        Image.new("RGB", (256, 256), (200, 220, 210)).save(buffer, "PNG")
        self.answer(buffer.getvalue(), "image/png")


@pytest.fixture
def tile_server():
    _Tiles.requested.clear()
    with serve(_Tiles) as url:
        yield url


def test_map_draws_tiles_from_the_configured_server(page, network, tile_server, settings):
    settings.MAP_TILE_URL = tile_server + "/tuiles/{z}/{x}/{y}.png"
    settings.MAP_TILE_ATTRIBUTION = "© Contributeurs d’OpenStreetMap"
    directives = dict(settings.SITE_CSP_DIRECTIVES)
    directives["img-src"] = [SELF, "data:", tile_server]
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": directives}

    for width, height in ((1280, 900), (375, 740)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(BranchIndexPage.objects.get().url, wait_until="networkidle")
        assert page.locator(".tile-map image").count() > 0
        assert any(path.startswith("/tuiles/") for path in _Tiles.requested)
        assert "© Contributeurs d’OpenStreetMap" in page.locator(".map-attribution").inner_text()
        # The keyboard and screen-reader alternative: the list, each with its status.
        assert page.locator(".branch-list .opening-status").count() == 2
        assert_accessible(page, f"branch list with tiles at {width} px")
        assert page.evaluate(NO_SIDE_SCROLL)
