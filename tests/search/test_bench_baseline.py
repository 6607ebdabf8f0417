"""The search benchmark's rebuild baseline (tests/bench/search_bench.py): a real row-by-row
indexing of a sample, rolled back, and no figure printed when it cannot be right."""

import pytest

from search.models import SearchEntry, SearchSuggestion
from tests.bench import search_bench

pytestmark = pytest.mark.django_db


def test_naive_rebuild_writes_every_entry_and_leaves_the_index_as_it_was(catalogue):
    entries = sorted(SearchEntry.objects.values_list("kind", "object_id", "title"))
    suggestions = SearchSuggestion.objects.count()

    rate, label = search_bench.naive_rebuild_rate(5)

    assert rate is not None and 0 < rate < search_bench.IMPOSSIBLE_NAIVE_RATE
    assert label == "naive row-by-row ORM indexing, 5 items, extrapolated"
    assert sorted(SearchEntry.objects.values_list("kind", "object_id", "title")) == entries
    assert SearchSuggestion.objects.count() == suggestions


def test_an_impossible_baseline_is_refused(catalogue, monkeypatch):
    monkeypatch.setattr(search_bench, "IMPOSSIBLE_NAIVE_RATE", 0)

    rate, label = search_bench.naive_rebuild_rate(5)

    assert rate is None and "impossible" in label


def test_no_baseline_without_items(db):
    assert search_bench.naive_rebuild_rate(5) == (None, "no catalogue item to index")
