"""The Elasticsearch backend against a real cluster: runs only when ELASTICSEARCH_URL is set
(e.g. ELASTICSEARCH_URL=http://127.0.0.1:9200 .venv/bin/pytest tests/search -k live)."""

import os
import uuid

import pytest

from search import indexing
from search.backends import get_backend
from search.backends.base import Filters

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not os.environ.get("ELASTICSEARCH_URL"),
        reason="Elasticsearch live suite: set ELASTICSEARCH_URL to run it (no cluster on this machine)",
    ),
]


@pytest.fixture
def es(settings, catalogue):
    settings.ELASTICSEARCH_URL = os.environ["ELASTICSEARCH_URL"]
    settings.SEARCH_BACKEND = "elasticsearch"
    settings.SEARCH_INDEX_PREFIX = f"affinites-test-{uuid.uuid4().hex[:8]}"
    backend = get_backend()
    indexing.rebuild()
    backend.refresh()
    yield backend
    backend.client.indices.delete(
        index=f"{settings.SEARCH_INDEX_PREFIX}-*", ignore_unavailable=True
    )


def titles(results):
    return [hit.obj.title for hit in results.hits]


@pytest.mark.parametrize("query", ["L'Étranger", "l'etranger", "ETRANGER", "étrangers"])
def test_live_french_matching(es, query):
    assert titles(es.search(query))[:1] == ["L'Étranger"]


def test_live_authors_isbn_typos(es):
    assert set(titles(es.search("Albert Camus"))) == {"L'Étranger", "La Peste"}
    assert set(titles(es.search("Camus, Albert"))) == {"L'Étranger", "La Peste"}
    assert titles(es.search("978-2-07-036002-4")) == ["L'Étranger"]
    assert titles(es.search("miserbles"))[:1] == ["Les Misérables"]


def test_live_facets_and_filters(es, branches):
    results = es.search("camus", filters=Filters(branches=(branches["arles"].pk,)))
    assert titles(results) == ["La Peste"]
    branch_facet = next(f for f in results.facets if f.name == "branch")
    assert len(branch_facet.values) == 3


def test_live_suggestions(es):
    assert ("author", "Albert Camus") in {(s.kind, s.label) for s in es.suggest("cam")}


def test_live_rebuild_swaps_aliases(es):
    before = set(es.client.indices.get_alias(name=es.search_alias))
    indexing.rebuild()
    after = set(es.client.indices.get_alias(name=es.search_alias))
    assert before != after and len(after) == 1
    es.refresh()
    assert titles(es.search("dune")) == ["Dune"]


def test_live_sync_on_commit(es, on_commit):
    from .conftest import make_item

    with on_commit():
        item = make_item("Le Horla", "Maupassant, Guy de")
    es.refresh()
    assert titles(es.search("horla")) == ["Le Horla"]
    with on_commit():
        item.delete()
    es.refresh()
    assert titles(es.search("horla")) == []
