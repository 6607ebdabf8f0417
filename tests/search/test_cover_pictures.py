"""Covers on the search results and the item page: the site's own AVIF/WebP/JPEG renditions,
width and height set, lazy below the first one, and no query per cover."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from wagtail.images.models import Filter

from cms.models import CatalogueItem
from cms.prefetching import COVER_SPEC, COVER_SPECS
from search import indexing
from tests.cms.library_factories import make_image

pytestmark = pytest.mark.django_db

RESULTS = "/recherche/"


def give_covers(*items):
    for item in items:
        CatalogueItem.objects.filter(pk=item.pk).update(
            cover=make_image(f"Couverture {item.title}", size=(400, 600))
        )
    indexing.rebuild()


def pictures(html: str) -> list[str]:
    return re.findall(r"<picture>.*?</picture>", html, re.S)


def test_the_include_spells_the_prefetched_spec():
    with open("templates/includes/item_cover.html", encoding="utf-8") as template:
        # the tag takes the filters separated by spaces: eager and lazy variants
        assert template.read().count(COVER_SPECS.replace("|", " ")) == 2
    assert COVER_SPEC in Filter.expand_spec(COVER_SPECS)


def test_results_show_local_renditions_first_eager_then_lazy(client, catalogue):
    give_covers(catalogue["etranger"], catalogue["peste"])
    html = client.get(RESULTS, {"q": "camus"}).content.decode()
    found = pictures(html)
    assert len(found) == 2
    for picture in found:
        assert re.search(r'<source[^>]* type="image/avif"', picture)
        assert re.search(r'<source[^>]* type="image/webp"', picture)
        assert re.search(r'<img[^>]* width="120"', picture)
        assert re.search(r'<img[^>]* height="180"', picture)
        assert 'alt=""' in picture  # the title is written beside it
        for url in re.findall(r'(?:src|srcset)="([^" ]+)', picture):
            assert url.startswith("/media/images/"), url  # served by the site, never the provider
    assert 'loading="lazy"' not in found[0] and 'fetchpriority="high"' in found[0]
    assert 'loading="lazy"' in found[1]
    # The JSON API still gives one address per cover (one of the same renditions).
    api = client.get("/api/recherche/", {"q": "camus"}).json()
    assert all(hit["cover"].startswith("/media/images/") for hit in api["results"])


def test_items_without_cover_get_the_generated_one(client, catalogue):
    html = client.get(RESULTS, {"q": "camus"}).content.decode()
    assert "<picture>" not in html
    assert html.count('class="cover-placeholder cover-livre cover-small"') == 2


def test_item_page_cover_is_eager_with_width_and_height(client, catalogue):
    give_covers(catalogue["etranger"])
    url = reverse("search:item", args=[catalogue["etranger"].record_id])
    (picture,) = pictures(client.get(url).content.decode())
    assert re.search(r'<source[^>]* type="image/avif"', picture)
    assert re.search(r'<source[^>]* type="image/webp"', picture)
    assert 'width="120"' in picture and 'height="180"' in picture
    assert 'loading="lazy"' not in picture


def count_queries(client, path, params=None) -> int:
    client.get(path, params)  # renditions made, caches warm
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path, params).status_code == 200
    return len(queries)


def test_covers_add_no_query_per_result(client, catalogue, django_assert_max_num_queries):
    params = {"q": "science-fiction"}
    give_covers(catalogue["dune"])
    one = count_queries(client, RESULTS, params)
    give_covers(catalogue["fondation"], catalogue["romans_sf"])
    html = client.get(RESULTS, params).content.decode()
    assert len(pictures(html)) == 3
    assert count_queries(client, RESULTS, params) == one
    with django_assert_max_num_queries(one):
        client.get(RESULTS, params)
