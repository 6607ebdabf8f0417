"""The Elasticsearch backend without a server: generated mappings, request bodies
(`Search.to_dict()`), bulk actions and the rebuild / alias swap sequence."""

import datetime as dt
import json

import pytest

from search.analysis import parse_query
from search.backends.base import Filters, MemberProfile
from search.backends.elasticsearch import (
    ElasticsearchBackend,
    build_search,
    build_suggest,
    parse_counts,
)
from search.backends.es_documents import SearchDocument, SuggestionDocument, build_index
from search.documents import Document, Suggestion

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)


def body(query="romans", filters=None, sort="relevance", profile=None, offset=0, limit=20):
    return build_search(
        "affinites-search",
        parse_query(query),
        filters or Filters(),
        sort,
        offset=offset,
        limit=limit,
        profile=profile,
        now=NOW,
    ).to_dict()


def test_french_analyzer_chain():
    settings = build_index("x", SearchDocument).to_dict()["settings"]
    analysis = settings["analysis"]
    chain = analysis["analyzer"]["affinites_french"]["filter"]
    assert chain == [
        "affinites_elision",
        "lowercase",
        "affinites_french_stop",
        "asciifolding",
        "affinites_french_stop",
        "affinites_french_stemmer",
    ]
    assert analysis["filter"]["affinites_elision"]["type"] == "elision"
    assert {"l", "d", "qu", "jusqu"} <= set(analysis["filter"]["affinites_elision"]["articles"])
    assert analysis["filter"]["affinites_french_stemmer"] == {
        "type": "stemmer",
        "language": "french",
    }
    assert {"le", "la", "les", "été"} <= set(
        analysis["filter"]["affinites_french_stop"]["stopwords"]
    )


def test_search_document_mapping():
    props = build_index("x", SearchDocument).to_dict()["mappings"]["properties"]
    assert props["title"]["analyzer"] == "affinites_french"
    assert props["title"]["fields"]["prefix"]["type"] == "search_as_you_type"
    assert props["title"]["fields"]["raw"]["type"] == "keyword"
    assert props["people"]["fields"]["prefix"]["type"] == "search_as_you_type"
    for keyword in ("kind", "doc_type", "audience", "language", "isbn", "title_key"):
        assert props[keyword]["type"] == "keyword"
    assert props["year"]["type"] == "integer"
    assert props["location"]["type"] == "geo_point"
    assert props["available"]["type"] == "boolean"
    assert props["branch_ids"]["type"] == props["interest_ids"]["type"] == "integer"
    sugg = build_index("y", SuggestionDocument).to_dict()["mappings"]["properties"]
    assert sugg["label"]["type"] == "search_as_you_type"
    assert sugg["weight"]["type"] == "float"


def test_query_matches_every_word_with_variants_and_fuzziness():
    b = body("Les romans de l'étranger")
    fs = b["query"]["function_score"]
    must = fs["query"]["bool"]["must"][0]["bool"]["must"]
    assert len(must) == 2  # "romans", "etranger": each required
    cross, fuzzy = must[1]["bool"]["should"]
    assert cross["multi_match"]["query"] == "etranger etrangers"
    assert cross["multi_match"]["type"] == "cross_fields"
    assert fuzzy["multi_match"]["fuzziness"] == "AUTO"
    assert fs["query"]["bool"]["filter"][0]["bool"]["should"][0] == {
        "range": {"expires_at": {"gte": NOW.isoformat()}}
    }
    assert b["track_total_hits"] is True
    assert b["sort"][0] == "_score"
    assert b["from"] == 0 and b["size"] == 20


def test_isbn_query_is_a_keyword_lookup():
    b = body("978-2-07-036002-4")
    inner = b["query"]["function_score"]["query"]["bool"]["must"][0]
    assert inner == {"terms": {"isbn": ["9782070360024", "2070360024"]}}


def test_facets_are_filter_wrapped_aggregations_and_post_filter():
    f = Filters(doc_types=("livre",), branches=(3,), available=True, years=("2010-2019",))
    b = body("dune", filters=f)
    post = b["post_filter"]["bool"]["filter"]
    assert {"terms": {"doc_type": ["livre"]}} in post
    assert {"terms": {"available_branch_ids": [3]}} in post
    aggs = b["aggs"]
    assert set(aggs) == {
        "kind",
        "doc_type",
        "interest",
        "branch",
        "available",
        "audience",
        "language",
        "year",
    }
    # a facet's counts ignore its own filter, keep the others
    doc_type_filters = aggs["doc_type"]["filter"]["bool"]["filter"]
    assert {"terms": {"doc_type": ["livre"]}} not in doc_type_filters
    assert {"terms": {"available_branch_ids": [3]}} in doc_type_filters
    assert aggs["doc_type"]["aggs"]["values"] == {"terms": {"field": "doc_type", "size": 20}}
    years = aggs["year"]["aggs"]["values"]["range"]
    assert years["field"] == "year"
    assert {"key": "2010-2019", "from": 2010, "to": 2020} in years["ranges"]
    assert {"key": "-1949", "to": 1950} in years["ranges"]
    assert aggs["available"]["aggs"]["values"] == {
        "filter": {"terms": {"available_branch_ids": [3]}}
    }


def test_proximity_only_for_a_member_with_a_location():
    anonymous = body("dune")["query"]["function_score"]["functions"]
    assert anonymous == [{"field_value_factor": {"field": "boost", "missing": 1.0}}]
    member = MemberProfile(latitude=43.29, longitude=5.37)
    functions = body("dune", profile=member)["query"]["function_score"]["functions"]
    assert functions[1]["filter"] == {
        "geo_distance": {"distance": "15km", "location": {"lat": 43.29, "lon": 5.37}}
    }


def test_sort_by_date_and_paging():
    b = body("dune", sort="date", offset=40, limit=20)
    assert b["sort"][0] == {"date": {"order": "desc", "missing": "_last"}}
    assert b["from"] == 40 and b["size"] == 20


def test_suggest_request():
    b = build_suggest("affinites-suggestions", "Victor Hu").to_dict()
    mm = b["query"]["function_score"]["query"]["multi_match"]
    assert mm["type"] == "bool_prefix" and mm["query"] == "victor hu"
    assert mm["fields"] == ["label", "label._2gram", "label._3gram"]
    assert build_suggest("x", "a") is None


def test_parse_counts():
    counts = parse_counts(
        {
            "kind": {"values": {"buckets": [{"key": "catalogue", "doc_count": 3}]}},
            "available": {"values": {"doc_count": 2}},
            "year": {"values": {"buckets": [{"key": "2010-2019", "doc_count": 1}]}},
        }
    )
    assert counts["kind"] == {"catalogue": 3}
    assert counts["available"] == {"1": 2}
    assert counts["year"] == {"2010-2019": 1}


def test_bulk_actions_from_documents():
    doc = Document(
        kind="catalogue",
        object_id=7,
        title="L'Étranger",
        people="Camus, Albert ; Albert Camus",
        year=1942,
        branches={1: True, 2: False},
        interests=[4, 1],
        isbns=["9782070360024"],
        locations=[(43.3, 5.38)],
        suggestions=[Suggestion("title", "7", "L'Étranger", "/recherche/notice/A1/")],
    )
    (action,) = ElasticsearchBackend.index_actions("affinites-search", [doc])
    assert action["_id"] == "catalogue-7" and action["_index"] == "affinites-search"
    source = action["_source"]
    assert source["available_branch_ids"] == [1] and source["branch_ids"] == [1, 2]
    assert source["available"] is True and source["title_key"] == "l etranger"
    assert source["location"] == [{"lat": 43.3, "lon": 5.38}]
    (sugg,) = ElasticsearchBackend.suggestion_actions("s", doc.suggestions)
    assert sugg["_id"] == "title-7" and sugg["_source"]["key"] == "l'etranger"
    json.dumps(action)  # serialisable


class FakeIndices:
    def __init__(self, log, aliases):
        self.log, self.aliases = log, aliases

    def create(self, index, **kwargs):
        self.log.append(("create", index))

    def put_settings(self, index, body):
        self.log.append(("settings", index, body["index"]["refresh_interval"]))

    def refresh(self, index):
        self.log.append(("refresh", index))

    def exists_alias(self, name):
        return name in self.aliases

    def exists(self, index):
        return index in self.aliases

    def get_alias(self, name):
        return {self.aliases[name]: {}}

    def update_aliases(self, body):
        self.log.append(("aliases", body["actions"]))

    def delete(self, index, ignore_unavailable=False):
        self.log.append(("delete", index))

    def forcemerge(self, index, **kwargs):
        self.log.append(("forcemerge", index, kwargs))


class FakeClient:
    def __init__(self, aliases):
        self.log = []
        self.indices = FakeIndices(self.log, aliases)


def test_rebuild_fills_new_indexes_then_swaps_aliases(monkeypatch):
    backend = ElasticsearchBackend("http://es.invalid:9200", prefix="t")
    client = FakeClient({"t-search": "t-search-1", "t-suggestions": "t-suggestions-1"})
    backend._client = client
    bulks = []
    monkeypatch.setattr(
        backend, "_bulk", lambda actions, refresh=False: bulks.append(list(actions))
    )
    docs = [Document(kind="catalogue", object_id=i, title=f"Livre {i}") for i in range(3)]
    count = backend.rebuild(
        [docs[:2], docs[2:]], extra_suggestions=[Suggestion("interest", "1", "Jazz", "/r")]
    )
    assert count == 3
    created = [entry[1] for entry in client.log if entry[0] == "create"]
    assert len(created) == 2 and all(
        name.startswith(("t-search-", "t-suggestions-")) for name in created
    )
    assert ("settings", created[0], "-1") in client.log  # no refresh while loading
    (aliases,) = [entry[1] for entry in client.log if entry[0] == "aliases"]
    assert {"remove": {"index": "t-search-1", "alias": "t-search"}} in aliases
    assert {"add": {"index": created[0], "alias": "t-search"}} in aliases
    assert {"add": {"index": created[1], "alias": "t-suggestions"}} in aliases
    assert ("delete", "t-search-1") in client.log and ("delete", "t-suggestions-1") in client.log
    # one atomic alias request, after every document was loaded
    order = [entry[0] for entry in client.log]
    assert order.index("aliases") > max(i for i, e in enumerate(order) if e == "refresh")
    assert sum(len(b) for b in bulks) == 3 + 1


def test_failed_rebuild_keeps_the_old_index(monkeypatch):
    backend = ElasticsearchBackend("http://es.invalid:9200", prefix="t")
    client = FakeClient({"t-search": "t-search-1", "t-suggestions": "t-suggestions-1"})
    backend._client = client

    def boom(actions, refresh=False):
        raise RuntimeError("cluster down")

    monkeypatch.setattr(backend, "_bulk", boom)
    with pytest.raises(RuntimeError):
        backend.rebuild([[Document(kind="catalogue", object_id=1, title="x")]])
    assert not [e for e in client.log if e[0] == "aliases"]
    deleted = [e[1] for e in client.log if e[0] == "delete"]
    assert "t-search-1" not in deleted and len(deleted) == 2


def test_settings_select_the_backend(settings):
    from search.backends import get_backend

    settings.SEARCH_BACKEND = "elasticsearch"
    settings.ELASTICSEARCH_URL = "http://es.invalid:9200"
    backend = get_backend()
    assert isinstance(backend, ElasticsearchBackend)
    assert backend.search_alias == f"{settings.SEARCH_INDEX_PREFIX}-search"
    settings.SEARCH_BACKEND = "database"
    assert get_backend().name == "database"


def test_index_settings_let_a_forced_merge_expunge_every_deleted_document():
    settings = build_index("x", SearchDocument).to_dict()["settings"]
    assert settings["merge"]["policy"]["expunge_deletes_allowed"] == 0


def test_erasure_removes_then_expunges_deleted_documents(monkeypatch):
    """Account erasure: the documents are deleted, then the deletions made visible and
    merged away (a deleted document's terms stay in its segment until it merges)."""
    from search import erasure, indexing
    from search.backends import elasticsearch as es_module

    backend = ElasticsearchBackend("http://es.invalid:9200", prefix="t")
    client = FakeClient({"t-search": "t-search-1", "t-suggestions": "t-suggestions-1"})
    backend._client = client
    monkeypatch.setattr(backend, "_ensure_indexes", lambda: None)
    deleted = []
    monkeypatch.setattr(
        "elasticsearch.helpers.bulk",
        lambda _client, actions, **kwargs: deleted.extend(actions),
    )
    monkeypatch.setattr(erasure, "get_backend", lambda: backend)
    monkeypatch.setattr(indexing, "get_backend", lambda: backend)
    monkeypatch.setattr(
        indexing.KINDS["catalogue"], "documents_for_ids", lambda ids: ([], sorted(ids))
    )
    assert not backend.in_database  # written once the deletion has committed

    erasure.purge({"catalogue": {7}})

    assert [(a["_op_type"], a["_id"]) for a in deleted] == [
        ("delete", "catalogue-7"),
        ("delete", "title-7"),
    ]
    assert client.log[-2] == ("refresh", ["t-search", "t-suggestions"])
    assert client.log[-1] == (
        "forcemerge",
        ["t-search", "t-suggestions"],
        {"only_expunge_deletes": True},
    )
    assert es_module  # the backend module is the one the settings select
