"""Feed cards show the pages' pictures and the items' covers from the site's renditions, the
first at once and the others lazily, in two queries whatever the number of cards."""

import re

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from feeds.feed.cards import hydrate
from feeds.store import StoredEntry
from tests.cms.library_factories import make_announcement, make_image, make_item

pytestmark = pytest.mark.django_db


def entry(kind, pk):
    return StoredEntry(kind=kind, object_id=pk, score=1.0, reason="Parce que.")


def pictured(count: int) -> list[StoredEntry]:
    entries = []
    for n in range(count):
        image = make_image(f"Affiche {n}", size=(640, 360), description=f"Affiche numéro {n}")
        entries.append(entry("announcement", make_announcement(f"Annonce {n}", image=image).pk))
        cover = make_image(f"Couverture {n}", size=(240, 360))
        entries.append(entry("catalogue", make_item(f"Roman {n}", cover=cover).pk))
    return entries


def queries_for(entries) -> tuple[int, dict]:
    request = RequestFactory().get("/fil/")
    hydrate(entries, request)  # renditions made, site root paths cached
    with CaptureQueriesContext(connection) as queries:
        cards = hydrate(entries, request)
    return len(queries), cards


def test_cards_carry_their_pictures_in_a_fixed_number_of_queries():
    plain = [
        entry("announcement", make_announcement("Sans image").pk),
        entry("catalogue", make_item("Sans couverture").pk),
    ]
    without, _cards = queries_for(plain)
    few, _cards = queries_for(plain + pictured(1))
    many, cards = queries_for(plain + pictured(4))
    assert few == many == without + 2  # the images, their renditions

    ordered = [card for card in cards.values() if card.picture]
    assert len(ordered) == 8
    assert 'fetchpriority="high"' in ordered[0].picture
    assert 'loading="lazy"' not in ordered[0].picture
    assert all('loading="lazy"' in card.picture for card in ordered[1:])
    page_card = next(card for card in ordered if card.picture_kind == "page")
    assert re.search(r'alt="Affiche numéro \d"', page_card.picture)
    assert re.search(r'<source[^>]* type="image/webp"', page_card.picture)
    cover_card = next(card for card in ordered if card.picture_kind == "cover")
    assert 'alt=""' in cover_card.picture  # the title is the card's heading
    assert 'width="120"' in cover_card.picture and 'height="180"' in cover_card.picture


def test_feed_cards_template_shows_the_picture():
    entries = pictured(1)
    cards = hydrate(entries, RequestFactory().get("/fil/"))
    html = render_to_string("feeds/includes/feed_cards.html", {"cards": list(cards.values())})
    assert html.count('<div class="feed-card-picture feed-card-picture-page"><picture>') == 1
    assert html.count('<div class="feed-card-picture feed-card-picture-cover"><picture>') == 1
    assert "/media/images/" in html
