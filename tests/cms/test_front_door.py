"""The front door (issue 18.5): the home page's sections, “ouvert maintenant” on the branch
lists, the map of the médiathèques (tiles or offline), branches found by search."""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cms.maps import tile_map
from cms.models import BranchIndexPage
from community.front_door import LIVELY_CACHE_KEY
from community.models import Membership
from community.models.posts import Comment, ContentStatus, Post
from tests.cms.library_factories import (
    make_branch_page,
    make_event,
    make_item,
    make_recommendation,
)
from tests.conftest import make_community, make_user

pytestmark = pytest.mark.django_db

ALWAYS = [(day, "00:00", "00:00") for day in range(1, 8)]  # open around the clock


def _text(response) -> str:
    return unescape(re.sub(r"\s+", " ", response.content.decode())).replace("\u00a0", " ")


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.delete(LIVELY_CACHE_KEY)
    yield
    cache.delete(LIVELY_CACHE_KEY)


@pytest.fixture
def week(branches):
    now = timezone.now()
    return {
        "aubagne": make_event(
            "Club manga", branch=branches["aubagne"], start=now + timedelta(days=2)
        ),
        "arles": make_event(
            "Heure du conte", branch=branches["arles"], start=now + timedelta(days=3)
        ),
        "later": make_event(
            "Lecture dans trois semaines",
            branch=branches["aubagne"],
            start=now + timedelta(days=21),
        ),
    }


def _section(html: str, klass: str) -> str:
    found = re.search(rf'<section class="{klass}".*?</section>', html)
    return found.group(0) if found else ""


def test_home_shows_this_week_across_the_network_without_a_commune(client, week):
    week_html = _section(_text(client.get("/")), "front-week")
    assert "Cette semaine dans les médiathèques" in week_html
    assert "Club manga" in week_html and "Heure du conte" in week_html
    assert "Lecture dans trois semaines" not in week_html


def test_home_shows_this_week_near_the_typed_commune_with_open_now(client, branches, week):
    make_branch_page(branches["aubagne"], hours=ALWAYS)
    html = _text(client.get("/", {"commune": "Aubagne"}))
    week_html = _section(html, "front-week")
    assert "Cette semaine près d’Aubagne" in week_html
    assert "Club manga" in week_html
    assert "Heure du conte" not in week_html  # Arles is far from Aubagne
    assert "?commune=Aubagne" in week_html  # the agenda keeps the commune
    assert '<span class="badge">Ouvert' in html  # the nearest médiathèque, open now


def test_home_uses_the_members_own_commune(client, branches, week):
    member = make_user(commune_name="Arles", latitude=43.6766, longitude=4.6278)
    client.force_login(member)
    week_html = _section(_text(client.get("/")), "front-week")
    assert "Cette semaine près d’Arles" in week_html
    assert "Heure du conte" in week_html and "Club manga" not in week_html


def test_liveliest_communities_with_counts_over_30_days(client, branches):
    busy = make_community("Les mangavores")
    quiet = make_community("Les jardiniers")
    make_community("Les endormis")
    author, other = make_user(), make_user()
    post = Post.objects.create(community=busy, author=author, body="Un nouveau tome !")
    Post.objects.create(community=busy, author=author, body="Et un autre")
    Post.objects.create(community=busy, author=author, body="Masqué", status=ContentStatus.REMOVED)
    Comment.objects.create(post=post, author=other, body="Génial")
    Membership.objects.create(user=other, community=busy)
    Membership.objects.create(user=author, community=quiet)
    old = Post.objects.create(community=quiet, author=author, body="Il y a longtemps")
    Post.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=40))

    lively = _section(_text(client.get("/")), "front-lively")
    assert "Les communautés les plus vivantes" in lively
    assert lively.index("Les mangavores") < lively.index("Les jardiniers")
    assert "Les endormis" not in lively  # nothing in 30 days
    assert "2 messages" in lively and "1 commentaire" in lively and "1 nouveau membre" in lively


def test_liveliest_communities_are_cached_for_a_while(client, branches):
    community = make_community("Les mangavores")
    client.get("/")
    Membership.objects.create(user=make_user(), community=community)
    assert "Les mangavores" not in _section(_text(client.get("/")), "front-lively")
    cache.delete(LIVELY_CACHE_KEY)
    assert "Les mangavores" in _section(_text(client.get("/")), "front-lively")


def test_picks_of_the_month_with_their_items(client, branches):
    item = make_item("Le Horla")
    make_recommendation("Frissons de décembre", items=[(item, "Un classique")])
    picks = _section(_text(client.get("/")), "front-picks")
    assert "Les coups de cœur du mois" in picks
    assert "Frissons de décembre" in picks and "Le Horla" in picks


def _add_content(branches, numbers):
    for n in numbers:
        make_event(
            f"Atelier {n}",
            branch=branches["aubagne"],
            start=timezone.now() + timedelta(days=1, hours=n),
        )
        community = make_community(f"Communauté {n}")
        Membership.objects.create(user=make_user(), community=community)
        make_recommendation(f"Sélection {n}", items=[(make_item(f"Livre {n}"), "")])


def _queries_of_home(client) -> int:
    client.get("/", {"commune": "Aubagne"})  # warm the site's own caches (menus, settings)
    cache.delete(LIVELY_CACHE_KEY)  # the expensive part, measured uncached
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/", {"commune": "Aubagne"}).status_code == 200
    return len(queries.captured_queries)


def test_home_queries_stay_bounded(client, branches):
    for branch in branches.values():
        make_branch_page(branch, hours=ALWAYS)
    _add_content(branches, [0])
    few = _queries_of_home(client)
    _add_content(branches, range(1, 7))
    many = _queries_of_home(client)
    html = _text(client.get("/", {"commune": "Aubagne"}))
    assert "Communauté 3" in html and "Sélection 6" in html and "Atelier 5" in html
    assert many == few <= 16


# --- “Ouvert maintenant” on the branch list ------------------------------------------------


def test_branch_list_says_open_now_or_when_it_opens(client, branches):
    today = timezone.localdate()
    make_branch_page(branches["aubagne"], hours=ALWAYS)
    make_branch_page(
        branches["arles"],
        hours=ALWAYS,
        closures=[(today - timedelta(days=1), today + timedelta(days=9), "Travaux")],
    )
    html = _text(client.get(BranchIndexPage.objects.get().url))
    aubagne = html[html.index("Médiathèque Marcel Pagnol") :]
    assert aubagne.split("</li>")[0].count('<span class="badge">Ouvert') == 1
    arles = html[html.index("Médiathèque d'Arles") :].split("</li>")[0]
    assert "Fermé · ouvre le" in arles


def test_branch_list_queries_stay_bounded(client, branches, django_assert_max_num_queries):
    for branch in branches.values():
        make_branch_page(branch, hours=ALWAYS)
    url = BranchIndexPage.objects.get().url
    client.get(url)
    with django_assert_max_num_queries(7):
        assert client.get(url).status_code == 200


# --- The map ----------------------------------------------------------------------------------


def test_map_is_offline_by_default(client, branches):
    response = client.get(BranchIndexPage.objects.get().url)
    html = response.content.decode()
    assert 'class="tile-map"' in html and "<image" not in html
    assert html.count('class="map-dot"') == 3
    assert "img-src 'self' data:;" in response["Content-Security-Policy"]


def test_tile_map_covers_every_branch_with_tiles(branches):
    data = tile_map(list(branches.values()), template="https://tiles.example.org/{z}/{x}/{y}.png")
    assert data["tiles"]
    assert all(
        t["url"].startswith(f"https://tiles.example.org/{data['zoom']}/") for t in data["tiles"]
    )
    for dot in data["dots"]:
        assert 0 < dot["x"] < data["width"] and 0 < dot["y"] < data["height"]
        # every dot lies on a tile
        assert any(
            t["x"] <= dot["x"] < t["x"] + 256 and t["y"] <= dot["y"] < t["y"] + 256
            for t in data["tiles"]
        )


def test_tile_origin_is_the_only_extra_image_source():
    from cms.settings.base import _tile_origin

    assert _tile_origin("https://tile.openstreetmap.org/{z}/{x}/{y}.png") == [
        "https://tile.openstreetmap.org"
    ]
    assert _tile_origin("http://127.0.0.1:8123/tuiles/{z}/{x}/{y}.png") == ["http://127.0.0.1:8123"]
    assert _tile_origin("javascript:alert(1)") == []
    assert _tile_origin("") == []


@override_settings(
    MAP_TILE_URL="https://tiles.example.org/{z}/{x}/{y}.png",
    MAP_TILE_ATTRIBUTION="© Contributeurs d’OpenStreetMap",
)
def test_tiled_map_on_the_list_and_the_branch_page(client, branches):
    html = client.get(BranchIndexPage.objects.get().url).content.decode()
    assert '<image href="https://tiles.example.org/' in html
    assert "© Contributeurs d’OpenStreetMap" in html
    page = make_branch_page(branches["aubagne"], hours=ALWAYS)
    html = client.get(page.url).content.decode()
    assert '<image href="https://tiles.example.org/' in html
    assert 'class="map-here"' in html
    assert 'class="situation-map"' not in html  # the offline drawing is the fallback only


# --- Search finds branches ------------------------------------------------------------------


@pytest.mark.parametrize(
    "query", ["Méjanes", "mejanes", "MÉJANES", "aix en provence", "8-10 rue des allumettes"]
)
def test_search_shows_the_branch_a_query_names(client, query):
    from tests.conftest import make_branch

    mejanes = make_branch(
        "Bibliothèque Méjanes",
        commune="Aix-en-Provence",
        lat=43.5236,
        lon=5.4389,
        address="8-10 rue des Allumettes",
        postcode="13100",
    )
    page = make_branch_page(mejanes, hours=ALWAYS)
    html = _text(client.get("/recherche/", {"q": query}))
    block = _section(html, "search-branches")
    assert "Bibliothèque Méjanes" in block
    assert f'href="{page.url}"' in block


def test_search_names_no_branch_for_other_queries_or_drafts(client, branches):
    make_branch_page(branches["arles"], hours=ALWAYS, publish=False)
    assert "search-branches" not in _text(client.get("/recherche/", {"q": "Dune Herbert"}))
    assert "search-branches" not in _text(client.get("/recherche/", {"q": "13"}))
    block = _section(_text(client.get("/recherche/", {"q": "arles"})), "search-branches")
    assert "Médiathèque d'Arles" in block and "href" not in block  # a draft is not linked
