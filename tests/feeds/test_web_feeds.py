"""RSS 2.0 and Atom feeds of a community and of a branch — parsed back with feedparser."""

import html
from datetime import timedelta

import feedparser
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from wagtail.models import PageViewRestriction

from community.models import ContentStatus, Post
from tests.cms.library_factories import (
    make_announcement,
    make_branch_page,
    make_event,
    make_image,
    make_item,
    make_recommendation,
)
from tests.conftest import make_community, make_user

pytestmark = pytest.mark.django_db

CONTENT_TYPES = {
    "rss": "application/rss+xml; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
}


def fetch(client, name: str, *args, kind: str = "rss"):
    response = client.get(reverse(f"feeds:{name}_{kind}", args=args))
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == CONTENT_TYPES[kind]
    parsed = feedparser.parse(response.content)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == ("rss20" if kind == "rss" else "atom10")
    return parsed


def titles(parsed) -> list[str]:
    return [entry.title for entry in parsed.entries]


def make_post(author, community, body: str, status=ContentStatus.PUBLISHED) -> Post:
    return Post.objects.create(
        community=community,
        author=author,
        body=body,
        status=status,
        published_at=timezone.now() if status == ContentStatus.PUBLISHED else None,
    )


@pytest.fixture
def sf_world(taxonomy, branches):
    """A community about science fiction and what the library published around it."""
    t = taxonomy
    arles, aubagne = branches["arles"], branches["aubagne"]
    community = make_community("Club SF", interests=[t["sf"]], branches=[aubagne])
    now = timezone.now()
    make_announcement(
        "Rencontre avec une autrice de SF",
        interests=[t["sf"]],
        published_at=now - timedelta(days=3),
    )
    make_announcement(
        "Le mois de l'imaginaire", interests=[t["imaginaire"]], published_at=now - timedelta(days=2)
    )
    make_announcement("Atelier cuisine", interests=[t["cuisine"]])
    make_announcement("Brouillon SF", interests=[t["sf"]], publish=False)
    private = make_announcement("Réservé aux membres SF", interests=[t["sf"]])
    PageViewRestriction.objects.create(page=private, restriction_type="login")
    make_event(
        "Club de lecture SF", branch=arles, interests=[t["sf"]], start=now + timedelta(days=4)
    )
    make_event("Vieux club SF", branch=arles, interests=[t["sf"]], start=now - timedelta(days=9))
    make_event("Fantasy seulement", branch=arles, interests=[t["fantasy"]])
    item = make_item("Dune")
    make_recommendation("Nos SF préférées", items=[(item, "Un classique.")], interests=[t["sf"]])
    author = make_user(display_name="Léa")
    make_post(author, community, "J'ai adoré **Hypérion** <script>alert(1)</script>")
    for status in (
        ContentStatus.PENDING,
        ContentStatus.HIDDEN,
        ContentStatus.REMOVED,
        ContentStatus.DELETED,
    ):
        make_post(author, community, f"Message caché {status}", status=status)
    other = make_community("Cuisine", interests=[t["cuisine"]])
    make_post(author, other, "Une recette de ratatouille")
    return {"community": community, "item": item}


EXPECTED_COMMUNITY = {
    "Rencontre avec une autrice de SF",
    "Le mois de l'imaginaire",  # the parent of the community's interest
    "Nos SF préférées",
}


def test_the_urls_live_beside_the_calendars():
    assert reverse("feeds:community_rss", args=[3]) == "/communautes/3/rss.xml"
    assert reverse("feeds:community_atom", args=[3]) == "/communautes/3/atom.xml"
    assert reverse("feeds:branch_rss", args=["arles"]) == "/mediatheques/arles/rss.xml"
    assert reverse("feeds:branch_atom", args=["arles"]) == "/mediatheques/arles/atom.xml"


@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_community_feed_has_its_interests_content_and_visible_posts(client, sf_world, kind):
    community = sf_world["community"]
    parsed = fetch(client, "community", community.pk, kind=kind)
    assert parsed.feed.title == "Club SF · Affinités"
    assert parsed.feed.link == f"http://testserver{community.url}"
    found = titles(parsed)
    assert len(found) == len(set(found)) == 5
    assert set(found) >= EXPECTED_COMMUNITY
    (event,) = [t for t in found if t.startswith("Club de lecture SF — ")]
    assert "Médiathèque d'Arles" in event
    (post,) = [e for e in parsed.entries if e.title.startswith("Léa : ")]
    assert "Hypérion" in post.title
    assert "<strong>Hypérion</strong>" in post.summary
    assert "<script" not in post.summary and "alert(1)" in post.summary  # escaped, not run
    assert post.author == "Léa"
    assert post.link.startswith(f"http://testserver/communautes/{community.pk}/publications/")
    joined = " ".join(found)
    for absent in (
        "cuisine",
        "Brouillon",
        "Réservé",
        "Vieux club",
        "Fantasy",
        "caché",
        "ratatouille",
    ):
        assert absent not in joined, absent


@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_entries_have_absolute_links_dates_and_categories(client, sf_world, kind):
    parsed = fetch(client, "community", sf_world["community"].pk, kind=kind)
    for entry in parsed.entries:
        assert entry.link.startswith("http://testserver/"), entry.link
        assert entry.get("published_parsed") or entry.get("updated_parsed")
        assert entry.summary
    by_title = {entry.title: entry for entry in parsed.entries}
    announcement = by_title["Rencontre avec une autrice de SF"]
    assert [tag.term for tag in announcement.tags] == ["Science-fiction"]
    assert by_title["Le mois de l'imaginaire"].tags[0].term == "Imaginaire"
    selection = by_title["Nos SF préférées"]
    assert "<li>Dune</li>" in selection.summary
    # newest first: the announcement of three days ago comes after the one of two days ago
    order = titles(parsed)
    assert order.index("Le mois de l'imaginaire") < order.index("Rencontre avec une autrice de SF")


def test_event_entries_are_upcoming_only_and_say_when_and_where(client, taxonomy, branches):
    arles = branches["arles"]
    club = make_community("Club", interests=[taxonomy["sf"]])
    now = timezone.now()
    make_event("En cours", branch=arles, interests=[taxonomy["sf"]], start=now - timedelta(hours=1))
    make_event("Fini", branch=arles, interests=[taxonomy["sf"]], start=now - timedelta(hours=3))
    make_event(
        "Bientôt",
        branch=arles,
        interests=[taxonomy["sf"]],
        start=now + timedelta(days=1),
        room="Auditorium",
        description="<p>On parle de <b>Dune</b> &amp; d'Hyp&eacute;rion.</p>",
        registration_required=True,
    )
    parsed = fetch(client, "community", club.pk)
    found = titles(parsed)
    assert len(found) == 2
    assert any(t.startswith("En cours — ") for t in found)
    (soon,) = [e for e in parsed.entries if e.title.startswith("Bientôt — ")]
    summary = html.unescape(soon.summary)
    assert "Médiathèque d'Arles, Auditorium" in summary
    assert "<b>Dune</b> & d'Hypérion" in summary  # the rich text as HTML
    assert "Inscription obligatoire" in summary


def test_special_characters_survive_a_round_trip(client, taxonomy):
    club = make_community("Cuisine & <co>", interests=[taxonomy["cuisine"]])
    make_announcement(
        "Tom & Jerry <3 « cuisine »",
        interests=[taxonomy["cuisine"]],
        intro="Du <b>gras</b> & du sel",
    )
    for kind in ("rss", "atom"):
        parsed = fetch(client, "community", club.pk, kind=kind)
        assert parsed.feed.title == "Cuisine & <co> · Affinités"
        (entry,) = parsed.entries
        assert entry.title == "Tom & Jerry <3 « cuisine »"
        assert "&lt;b&gt;gras&lt;/b&gt; &amp; du sel" in entry.summary  # text, not markup


def test_images_are_enclosures(client, taxonomy):
    club = make_community("Club", interests=[taxonomy["cuisine"]])
    image = make_image("Affiche")
    make_announcement("Avec image", interests=[taxonomy["cuisine"]], image=image)
    parsed = fetch(client, "community", club.pk)
    (entry,) = parsed.entries
    (enclosure,) = entry.enclosures
    assert enclosure.href == f"http://testserver{image.file.url}"
    assert enclosure.type == "image/png"
    image.refresh_from_db()
    assert int(enclosure.length) == image.file_size == image.file.size > 0


@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_branch_feed_has_what_targets_the_branch(client, taxonomy, branches, kind):
    arles, aubagne = branches["arles"], branches["aubagne"]
    page = make_branch_page(arles)
    now = timezone.now()
    make_announcement("Travaux à Arles", branches=[arles])
    make_announcement("Travaux à Aubagne", branches=[aubagne])
    make_announcement("Pour tout le réseau")
    make_event("Conte à Arles", branch=arles, start=now + timedelta(days=2))
    make_event("Conte passé", branch=arles, start=now - timedelta(days=2))
    make_event("Conte à Aubagne", branch=aubagne)
    item = make_item("Le Petit Prince")
    make_recommendation("Coups de cœur d'Arles", items=[(item, "Pour tous.")], branch=arles)
    make_recommendation("Coups de cœur d'Aubagne", items=[(item, "Pour tous.")], branch=aubagne)

    parsed = fetch(client, "branch", arles.slug, kind=kind)
    assert parsed.feed.title == "Médiathèque d'Arles · Affinités"
    assert parsed.feed.link == f"http://testserver{page.url}"
    found = titles(parsed)
    assert len(found) == 3
    assert {"Travaux à Arles", "Coups de cœur d'Arles"} <= set(found)
    assert any(t.startswith("Conte à Arles — ") for t in found)


def test_a_branch_without_a_page_still_has_a_valid_empty_feed(client, branches):
    parsed = fetch(client, "branch", branches["aubagne"].slug)
    assert parsed.entries == []
    assert parsed.feed.link == "http://testserver/"


def test_unknown_or_unpublished_subjects_are_404(client, taxonomy, branches):
    for kind in ("rss", "atom"):
        assert client.get(f"/mediatheques/nulle-part/{kind}.xml").status_code == 404
        assert client.get(f"/communautes/999999/{kind}.xml").status_code == 404
    club = make_community("Club", interests=[taxonomy["sf"]])
    assert client.get(reverse("feeds:community_rss", args=[club.pk])).status_code == 200
    club.unpublish()
    assert client.get(reverse("feeds:community_rss", args=[club.pk])).status_code == 404
    assert client.get(reverse("feeds:community_atom", args=[club.pk])).status_code == 404


def test_the_feed_costs_a_fixed_number_of_queries(client, taxonomy, branches):
    t = taxonomy
    club = make_community("Club", interests=[t["sf"]])
    author = make_user()
    item = make_item("Dune")

    def add_content(n: int) -> None:
        for i in range(n):
            make_announcement(f"Annonce {n}-{i}", interests=[t["sf"]], image=make_image())
            make_event(f"Événement {n}-{i}", branch=branches["arles"], interests=[t["sf"]])
            make_recommendation(f"Liste {n}-{i}", items=[(item, "Oui.")], interests=[t["sf"]])
            make_post(author, club, f"Message {n}-{i}")

    def count() -> int:
        url = reverse("feeds:community_rss", args=[club.pk])
        client.get(url)  # warm the site root paths cache
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    add_content(1)
    few = count()
    add_content(4)
    assert count() == few


def test_community_and_branch_pages_advertise_their_feeds(client, taxonomy, branches):
    club = make_community("Club SF", interests=[taxonomy["sf"]])
    page_html = client.get(club.url).content.decode()
    base = f"http://testserver/communautes/{club.pk}"
    assert (
        f'<link rel="alternate" type="application/rss+xml" title="Club SF (RSS)" href="{base}/rss.xml">'
        in page_html
    )
    assert (
        f'<link rel="alternate" type="application/atom+xml" title="Club SF (Atom)" href="{base}/atom.xml">'
        in page_html
    )
    assert f'href="{base}/rss.xml" type="application/rss+xml"' in page_html  # the visible link
    assert f'href="webcal://testserver/communautes/{club.pk}/agenda.ics"' in page_html
    assert "S’abonner" in page_html or "S'abonner" in page_html

    page = make_branch_page(branches["arles"])
    page_html = client.get(page.url).content.decode()
    slug = branches["arles"].slug
    assert (
        f'<link rel="alternate" type="application/rss+xml" title="Médiathèque d&#x27;Arles (RSS)" '
        f'href="http://testserver/mediatheques/{slug}/rss.xml">'
    ) in page_html
    assert (
        f'href="http://testserver/mediatheques/{slug}/atom.xml" type="application/atom+xml"'
        in page_html
    )
    assert f'href="webcal://testserver/mediatheques/{slug}/agenda.ics"' in page_html
