"""A page of hits hydrated and its facets labelled in a fixed number of statements, whatever
the number of hits."""

from contextlib import contextmanager

import pytest
from django.db import connection
from wagtail.images.models import Rendition

from cms.models import Branch, CatalogueItem, Holding, HoldingStatus, Interest
from cms.prefetching import COVER_SPEC, prefetch_catalogue_items
from cms.templatetags.library_tags import availability
from search.backends import get_backend
from search.backends.base import Filters, _load_catalogue_items, label_facets
from search.facet_labels import forget_facet_labels
from tests.cms.library_factories import make_image

from .conftest import make_item

pytestmark = pytest.mark.django_db

A, L = HoldingStatus.AVAILABLE, HoldingStatus.ON_LOAN


@pytest.fixture
def shelf(db, branches):
    alc, aub, arl = branches["alcazar"], branches["aubagne"], branches["arles"]
    return {
        # holdings created out of their display order: sort_order decides
        "three": make_item(
            "Trois exemplaires",
            "Martin, Anne ; Dubois, Paul",
            holdings=[(arl, L), (alc, A), (aub, A)],
            subjects=["Roman", "Mer"],
            year=1999,
            language="fre",
        ),
        "none": make_item("Sans exemplaire", holdings=[]),
        "one": make_item("Un exemplaire", holdings=[(alc, L)], summary="Un résumé."),
        "gone": make_item("Retiré", holdings=[(alc, A)], withdrawn=True),
    }


def test_items_with_holdings_in_a_fixed_number_of_statements(shelf, branches):
    Holding.objects.filter(item=shelf["three"], branch=branches["arles"]).update(sort_order=9)
    ids = [item.pk for item in shelf.values()] + [10**9]  # an id that no longer exists

    with statements() as counter:
        items = _load_catalogue_items(ids)
    assert counter.calls == 2  # the items, their holdings with their branch

    # withdrawn and missing left out
    assert {item.pk for item in items} == {shelf[k].pk for k in ("three", "none", "one")}
    with statements() as counter:
        rows = {item.title: availability(item) for item in items}
        assert all(list(item.holdings.all()) is not None for item in items)
        assert {item.holdings.count() for item in items} == {0, 1, 3}
    assert counter.calls == 0
    assert [(row["branch"], row["available"]) for row in rows["Trois exemplaires"]] == [
        (branches["alcazar"], True),
        (branches["aubagne"], True),
        (branches["arles"], False),
    ]
    assert rows["Sans exemplaire"] == []


def test_prefetch_catalogue_items_keeps_what_is_loaded_and_fetches_covers_only_if_any(
    shelf, branches
):
    items = list(CatalogueItem.objects.filter(withdrawn=False).order_by("pk"))
    with statements() as counter:
        prefetch_catalogue_items([*items, None])
    assert counter.calls == 1  # the holdings; no item has a cover
    with statements() as counter:
        assert [h.branch.name for h in items[0].holdings.all()]
    assert counter.calls == 0
    with statements() as counter:
        prefetch_catalogue_items(items)  # already there: left alone
    assert counter.calls == 0

    cover = make_image("Couverture")
    # Wagtail's rendition cache may still hold a rendition of an earlier test's image with
    # the same id (the test database rolls back, the cache does not): start from none.
    Rendition.cache_backend.clear()
    cover.get_rendition(COVER_SPEC)  # made once (the prefetch reads existing renditions)
    CatalogueItem.objects.filter(pk=shelf["one"].pk).update(cover=cover)
    items = list(CatalogueItem.objects.filter(withdrawn=False).order_by("pk"))
    prefetch_catalogue_items(items)
    with statements() as counter:
        one = next(item for item in items if item.pk == shelf["one"].pk)
        assert one.cover == cover
        assert one.cover.get_rendition(COVER_SPEC).url
    assert counter.calls == 0  # cover and rendition prefetched


def test_hits_hydrated_in_a_fixed_number_of_statements(catalogue, branches):
    backend = get_backend()
    results = backend.search("camus")
    assert sorted(hit.obj.title for hit in results.hits) == ["L'Étranger", "La Peste"]
    with statements() as counter:
        assert all(availability(hit.obj) for hit in results.hits)
    assert counter.calls == 0  # holdings and branches came with the hits

    with statements() as counter:
        backend.search("camus")
    # PostgreSQL: the words (and the vocabulary), the sample counts, the facets and the
    # hits, the items, their holdings. SQLite: the vocabulary, the counts, the hits, the
    # items, their holdings. The facets' labels come from the cache.
    assert counter.calls == 5


def test_facet_labels_are_the_branch_names_and_interest_labels(catalogue, branches, taxonomy):
    results = get_backend().search("science fiction")
    labels = {f.name: {v.value: v.label for v in f.values} for f in results.facets}
    assert labels["branch"] == {
        str(b.pk): b.name for b in Branch.objects.filter(pk__in=map(int, labels["branch"]))
    }
    assert labels["interest"] == {
        str(i.pk): i.label
        for i in Interest.objects.select_related("parent").filter(
            pk__in=map(int, labels["interest"])
        )
    }
    assert labels["interest"][str(taxonomy["sf"].pk)] == "Imaginaire › Science-fiction"

    # cached, and forgotten when a médiathèque is saved: a renamed one is seen at once
    alcazar = branches["alcazar"]
    alcazar.name = "Alcazar (rénovée)"
    alcazar.save()
    results = get_backend().search("camus")
    branch = next(f for f in results.facets if f.name == "branch")
    assert {v.label for v in branch.values if v.value == str(alcazar.pk)} == {"Alcazar (rénovée)"}


def test_selected_values_without_matches_are_labelled_too(catalogue, branches, taxonomy):
    cuisine, arles = taxonomy["cuisine"], branches["arles"]
    results = get_backend().search(
        "camus", filters=Filters(interests=(cuisine.pk,), branches=(arles.pk,))
    )
    assert results.total == 0
    selected = {
        f.name: [(v.value, v.count, v.label) for v in f.values if v.selected]
        for f in results.facets
    }
    assert selected["interest"] == [(str(cuisine.pk), 0, "Cuisine")]
    assert selected["branch"] == [(str(arles.pk), 0, arles.name)]


def test_label_facets_reads_the_labels_once_then_from_the_cache(branches, taxonomy):
    sf, alcazar = taxonomy["sf"], branches["alcazar"]
    counts = {"branch": {str(alcazar.pk): 3, "999999": 1}, "interest": {str(sf.pk): 2}}
    forget_facet_labels()
    with statements() as counter:
        label_facets(counts, Filters())
    assert counter.calls == 2  # the médiathèques, the interests
    with statements() as counter:
        facets = label_facets(counts, Filters())
    assert counter.calls == 0
    labels = {f.name: {v.value: (v.count, v.label) for v in f.values} for f in facets}
    # a value without a row (deleted since it was indexed) is left out
    assert labels["branch"] == {str(alcazar.pk): (3, alcazar.name)}
    assert labels["interest"] == {str(sf.pk): (2, "Imaginaire › Science-fiction")}

    known = {"branch": {str(alcazar.pk): "Alcazar", "999999": None}, "interest": {str(sf.pk): "SF"}}
    with statements() as counter:
        facets = label_facets(counts, Filters(), known)
    assert counter.calls == 0
    labels = {f.name: {v.value: v.label for v in f.values} for f in facets}
    assert labels == {"branch": {str(alcazar.pk): "Alcazar"}, "interest": {str(sf.pk): "SF"}}


class _Counter:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, execute, sql, params, many, context):
        self.calls += 1
        return execute(sql, params, many, context)


@contextmanager
def statements():
    """Counts the statements run inside the block."""
    counter = _Counter()
    with connection.execute_wrapper(counter):
        yield counter
