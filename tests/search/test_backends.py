"""The database backend on the same cases as the Elasticsearch contract: French matching,
facets and their counts, filters, sorting, paging, kinds, personal boosts, suggestions.

Runs on SQLite (FTS5) and, with DATABASE_URL=postgres://…, on PostgreSQL (tsvector +
pg_trgm): the same assertions hold on both.
"""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cms.models import CatalogueItem, HoldingStatus
from search import indexing
from search.backends import get_backend
from search.backends.base import Filters, MemberProfile
from tests.conftest import make_community, make_user

from .conftest import make_event, make_item

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("engine")]


def titles(results) -> list[str]:
    return [hit.obj.title for hit in results.hits]


def search(q, **kwargs):
    return get_backend().search(q, **kwargs)


@pytest.mark.parametrize(
    "query",
    ["L'Étranger", "l'etranger", "ETRANGER", "étranger", "Etranger", "l’étranger", "étrangers"],
)
def test_accents_case_elisions_and_plurals(catalogue, query):
    assert titles(search(query))[:1] == ["L'Étranger"]


def test_stemming_finds_singular_and_plural(catalogue):
    plural = titles(search("romans"))
    assert "Les plus beaux romans de science-fiction" in plural
    assert "L'Étranger" in plural  # subject "Roman français"
    assert set(titles(search("roman"))) == set(plural)


def test_stop_words_do_not_have_to_match(catalogue):
    assert titles(search("la peste de camus"))[:1] == ["La Peste"]


@pytest.mark.parametrize("query", ["Camus, Albert", "Albert Camus", "camus albert", "CAMUS"])
def test_author_in_any_order(catalogue, query):
    assert set(titles(search(query))) == {"L'Étranger", "La Peste"}


@pytest.mark.parametrize(
    "query",
    ["978-2-07-036002-4", "9782070360024", "2-07-036002-4", "2070360024", "ISBN 978 2 07 036002 4"],
)
def test_isbn_with_or_without_hyphens(catalogue, query):
    assert titles(search(query)) == ["L'Étranger"]


@pytest.mark.parametrize(
    ("query", "expected", "corrected"),
    [
        ("etrangr", "L'Étranger", "etranger"),
        ("miserbles", "Les Misérables", "miserables"),
        ("fondaton", "Fondation", "fondation"),
        ("dnue", "Dune", "dune"),
        ("provencal cusine", "La cuisine provençale", "cuisine"),
    ],
)
def test_typos_are_corrected(catalogue, query, expected, corrected):
    results = search(query)
    assert titles(results)[:1] == [expected]
    assert corrected in results.query.corrections.values()


def test_no_correction_for_known_words(catalogue):
    results = search("dune")
    assert results.query.corrections == {} and titles(results) == ["Dune"]


def test_relaxed_when_no_item_has_every_word(catalogue):
    results = search("dune fondation")
    assert results.relaxed
    assert {"Dune", "Fondation"} <= set(titles(results))


def test_withdrawn_items_are_not_found(catalogue):
    assert "Dune, édition retirée" not in titles(search("dune"))


def test_empty_query_without_filters_is_empty(catalogue):
    results = search("")
    assert results.total == 0 and results.hits == []


def test_filters_without_query_browse_by_date(catalogue, taxonomy):
    results = search("", filters=Filters(interests=(taxonomy["sf"].pk,)))
    assert titles(results) == ["Les plus beaux romans de science-fiction", "Dune", "Fondation"]


def test_parent_interest_finds_child_interest_items(catalogue, taxonomy):
    results = search("", filters=Filters(interests=(taxonomy["imaginaire"].pk,)))
    assert set(titles(results)) == {
        "Les plus beaux romans de science-fiction",
        "Dune",
        "Fondation",
        "The Hobbit",
    }


def facet(results, name):
    for f in results.facets:
        if f.name == name:
            return {v.value: v.count for v in f.values}
    return {}


def test_facet_counts(catalogue, branches, taxonomy):
    results = search("camus")
    assert results.total == 2
    assert facet(results, "kind") == {"catalogue": 2}
    assert facet(results, "doc_type") == {"livre": 2}
    assert facet(results, "available") == {"1": 2}
    assert facet(results, "year") == {"-1949": 2}
    assert facet(results, "language") == {"fre": 2}
    alc, aub, arl = (str(branches[k].pk) for k in ("alcazar", "aubagne", "arles"))
    assert facet(results, "branch") == {alc: 1, aub: 1, arl: 1}
    results = search("science fiction")
    assert facet(results, "interest")[str(taxonomy["sf"].pk)] == 3
    assert facet(results, "interest")[str(taxonomy["imaginaire"].pk)] == 3


def test_facet_filters_and_disjunctive_counts(catalogue, branches):
    arles = branches["arles"].pk
    results = search("camus", filters=Filters(branches=(arles,)))
    assert titles(results) == ["La Peste"]
    # the branch facet still counts the other branches (its own filter left out)
    assert len(facet(results, "branch")) == 3
    assert facet(results, "doc_type") == {"livre": 1}


def test_framework_statements_do_not_grow_with_the_active_facets(catalogue, branches, engine):
    """PostgreSQL, the framework engine: every filter set's counts in one aggregate
    (search/backends/framework.py), so four active facets cost the statements of none."""
    if connection.vendor != "postgresql" or engine != "framework":
        pytest.skip("the framework engine on PostgreSQL")
    active = Filters(
        branches=(branches["arles"].pk,), available=True, doc_types=("livre",), languages=("fre",)
    )
    search("camus", hydrate=False)
    with CaptureQueriesContext(connection) as plain:
        assert search("camus", hydrate=False).total == 2
    with CaptureQueriesContext(connection) as filtered:
        assert search("camus", filters=active, hydrate=False).total == 1
    # the words analysed, every set's counts (one aggregate), the page of hits; the labels
    # of the médiathèques and interests come from the cache
    assert len(filtered) == len(plain) == 3


def test_available_now_at_a_branch(catalogue, branches):
    aubagne = branches["aubagne"].pk
    # L'Étranger is held in Aubagne but on loan there
    held = search("camus", filters=Filters(branches=(aubagne,)))
    assert titles(held) == ["L'Étranger"]
    assert facet(held, "available") == {}
    available = search("camus", filters=Filters(branches=(aubagne,), available=True))
    assert available.total == 0
    anywhere = search("", filters=Filters(available=True, doc_types=("manga",)))
    assert titles(anywhere) == ["Naruto, tome 1"]


def test_year_ranges_language_audience(catalogue):
    assert titles(search("", filters=Filters(years=("1950-1979",), languages=("fre",)))) == [
        "Dune",
        "Fondation",
    ]
    assert titles(search("", filters=Filters(languages=("eng",)))) == ["The Hobbit"]
    assert titles(search("", filters=Filters(audiences=("ado",)))) == ["Naruto, tome 1"]
    both = search("", filters=Filters(years=("-1949", "2020-")))
    assert set(titles(both)) >= {"L'Étranger", "La Peste", "Les Misérables"}


def test_sort_by_date_and_pagination(catalogue):
    results = search("roman", sort="date", page_size=2)
    assert results.total == 4 and results.num_pages == 2
    assert titles(results) == ["Les plus beaux romans de science-fiction", "La Peste"]
    second = get_backend().search("roman", sort="date", page=2, page_size=2)
    assert titles(second) == ["L'Étranger", "Les Misérables"]
    assert not set(titles(results)) & set(titles(second))


def test_pages_beyond_the_rerank_window_do_not_repeat(db, branches):
    for n in range(130):
        make_item(
            f"Voyage numéro {n}", "Martin, Anne", holdings=[(branches["arles"], "disponible")]
        )
    indexing.rebuild()
    seen = []
    for page in range(1, 8):
        seen += [hit.object_id for hit in get_backend().search("voyage", page=page).hits]
    assert len(seen) == 130 and len(set(seen)) == 130


def test_kinds_events_communities_and_tabs(catalogue, branches, taxonomy):
    make_event("Club de lecture science-fiction", branches["arles"], interests=[taxonomy["sf"]])
    make_event("Atelier science-fiction passé", branches["arles"], days=-10)
    make_community("Les Voyageurs de la science-fiction", interests=[taxonomy["sf"]])
    indexing.rebuild()
    results = search("science fiction")
    kinds = facet(results, "kind")
    assert kinds == {"catalogue": 3, "event": 1, "community": 1}
    only_events = search("science fiction", filters=Filters(kinds=("event",)))
    assert titles(only_events) == ["Club de lecture science-fiction"]
    assert facet(only_events, "kind") == kinds  # tab counts ignore the selected tab


def test_personal_boost_for_a_member_and_neutral_for_anonymous(catalogue, branches, taxonomy):
    anonymous = search("camus")
    assert all(hit.reasons == [] for hit in anonymous.hits)
    assert not anonymous.personalised
    member = make_user(home_branch=branches["arles"])
    results = get_backend().search("camus", user=member)
    assert titles(results)[0] == "La Peste"
    assert (
        results.hits[0].reasons == ["Disponible maintenant dans votre médiathèque"]
        or results.hits[0].reasons
    )
    assert results.personalised
    # interests: a science-fiction reader sees the SF item first for a shared word
    reader = make_user()
    reader.interests.add(taxonomy["sf"])
    results = get_backend().search("planete empire", user=reader)
    assert results.hits and all(hit.reasons for hit in results.hits[:1])


def test_reasons_say_why(catalogue, branches, taxonomy):
    member = make_user(home_branch=branches["aubagne"])
    member.interests.add(taxonomy["sf"])
    hit = get_backend().search("dune", user=member).hits[0]
    assert len(hit.reasons) == 2


def test_suggestions_titles_authors_interests_communities(catalogue, taxonomy):
    make_community("Les Voyageurs de la science-fiction", interests=[taxonomy["sf"]])
    indexing.rebuild()
    backend = get_backend()
    kinds = {(s.kind, s.label) for s in backend.suggest("scien")}
    assert ("interest", "Science-fiction") in kinds
    assert ("community", "Les Voyageurs de la science-fiction") in kinds
    assert ("title", "Les plus beaux romans de science-fiction") in kinds
    authors = backend.suggest("victor h")
    assert [(s.kind, s.label) for s in authors] == [("author", "Victor Hugo")]
    assert backend.suggest("hugo")[0].label == "Victor Hugo"  # either order
    titles_ = [s.label for s in backend.suggest("l'etr")]
    assert "L'Étranger" in titles_
    assert backend.suggest("") == [] and backend.suggest("a") == []
    for s in backend.suggest("naru"):
        assert s.url.startswith("/recherche/notice/")


def test_events_expire_from_the_index_without_reindexing(catalogue, branches):
    event = make_event("Conférence sur la mer", branches["arles"])
    indexing.rebuild()
    assert titles(search("conférence mer")) == ["Conférence sur la mer"]
    type(event).objects.filter(pk=event.pk).update(
        end=timezone.now() - dt.timedelta(hours=1), start=timezone.now() - dt.timedelta(hours=3)
    )
    indexing.sync("event", [event.pk])
    assert titles(search("conférence mer")) == []


def test_holding_status_reaches_the_available_facet(catalogue, branches):
    peste = catalogue["peste"]
    assert search("peste").hits[0].obj.pk == peste.pk
    peste.holdings.update(status=HoldingStatus.ON_LOAN)
    indexing.sync("catalogue", [peste.pk])
    assert facet(search("peste"), "available") == {}


def test_counts_are_exact_below_the_limit(catalogue):
    results = search("camus")
    assert results.total == 2 and not results.approximate


@pytest.fixture
def broad(db, branches, monkeypatch):
    """81 items matching "voyage": above a lowered EXACT_LIMIT (PostgreSQL's broad path)."""
    from search.backends import database

    monkeypatch.setattr(database, "EXACT_LIMIT", 16)
    monkeypatch.setattr(database, "RANK_CANDIDATES", 20)
    alc, arl = branches["alcazar"], branches["arles"]
    for n in range(80):
        make_item(
            f"Carnets numéro {n}",
            summary="Un voyage au long cours.",
            holdings=[(alc if n % 2 else arl, HoldingStatus.AVAILABLE)],
            doc_type="livre" if n % 4 else "bd",
        )
    make_item("Voyage", "Auteur, Unique", holdings=[(alc, HoldingStatus.ON_LOAN)])
    indexing.rebuild()


def _sampled_count(**conditions) -> int:
    from search.backends.database import SAMPLE_MODULUS, _estimate
    from search.models import SearchEntry

    ids = SearchEntry.objects.filter(kind="catalogue", **conditions).values_list("id", flat=True)
    return _estimate(sum(1 for pk in ids if pk % SAMPLE_MODULUS == 0) * SAMPLE_MODULUS)


def test_broad_query_on_postgresql_estimates_counts_from_the_sample(broad, branches):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: the SQLite backend counts exactly")
    results = search("voyage")

    assert results.approximate
    assert results.total == _sampled_count()
    assert facet(results, "doc_type").get("bd", 0) == _sampled_count(doc_type="bd")
    alcazar = branches["alcazar"].pk
    assert facet(results, "branch").get(str(alcazar), 0) == _sampled_count(
        branch_ids__regex=rf"(^| ){alcazar}( |$)"
    )
    # ranked among candidates, the item whose title is the query comes first
    assert titles(results)[0] == "Voyage"
    assert len(results.hits) == 20


def test_broad_query_pages_follow_one_order_over_every_match(broad, monkeypatch):
    """Ranked among candidates fixed by the data (never the first rows a scan happens to
    return), then the other matches by date: paging through gives every match once, the
    same way twice."""
    from django.db import connection

    from search.backends import database

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: the SQLite backend ranks every match")
    monkeypatch.setattr(database, "RANK_CANDIDATES", 3)  # fewer candidates than a page

    def every_page():
        keys = []
        for page in range(1, 10):
            hits = search("voyage", page=page, page_size=10).hits
            keys += [(h.kind, h.object_id) for h in hits]
        return keys

    first = every_page()
    assert len(first) == 81 and len(set(first)) == 81
    assert every_page() == first
    # the item whose title is the query (a candidate) first, then candidates, then by date
    assert first[0] == ("catalogue", CatalogueItem.objects.get(title="Voyage").pk)


def test_broad_query_page_and_api_say_the_counts_are_estimates(broad, client):
    from django.db import connection

    response = client.get("/recherche/", {"q": "voyage"})
    api = client.get("/api/recherche/", {"q": "voyage"}).json()

    html = response.content.decode()
    if connection.vendor != "postgresql":
        assert api["approximate"] is False and api["total"] == 81
        assert "≈" not in html
        return
    assert api["approximate"] is True
    assert "Environ" in html and "≈" in html
    assert "estimés sur un échantillon" in html


def test_estimates_are_rounded_to_two_significant_digits():
    from search.backends.database import _estimate

    assert [_estimate(n) for n in (0, 48, 96, 112, 1234, 15376, 99_950)] == [
        0,
        48,
        96,
        110,
        1200,
        15000,
        100_000,
    ]


def test_exact_total_beside_estimated_counts_of_a_broad_facet(broad):
    """A filter leaving few entries: total, hits and the other facets exact; the filtered
    facet's own counts (its filter left out: every "voyage") estimated on PostgreSQL."""
    from django.db import connection

    from search.models import SearchEntry

    dvd = make_item("Voyage en images", summary="Un voyage filmé.", doc_type="dvd")
    indexing.sync("catalogue", [dvd.pk])
    results = search("voyage", filters=Filters(doc_types=("dvd",)))

    assert results.total == 1 and titles(results) == ["Voyage en images"]
    assert facet(results, "kind") == {"catalogue": 1}
    if connection.vendor != "postgresql":
        assert not results.approximate
        expected = {
            doc_type: SearchEntry.objects.filter(doc_type=doc_type).count()
            for doc_type in ("livre", "bd", "dvd")
        }
    else:
        assert results.approximate
        expected = {d: _sampled_count(doc_type=d) for d in ("livre", "bd", "dvd")}
        expected["dvd"] = expected["dvd"] or 0  # the selected value is always listed
    assert facet(results, "doc_type") == {k: v for k, v in expected.items() if v or k == "dvd"}


def test_branch_and_interest_filters_read_the_entries_id_lists(catalogue, branches, taxonomy):
    """PostgreSQL: the entries' GIN-indexed id lists are the only copy (no join-table rows);
    the filters and the re-ranking details come from them."""
    from django.db import connection

    from search.models import SearchEntryBranch, SearchEntryInterest

    on_postgresql = connection.vendor == "postgresql"
    assert (SearchEntryBranch.objects.count() == 0) is on_postgresql
    assert (SearchEntryInterest.objects.count() == 0) is on_postgresql
    arles, aubagne = branches["arles"].pk, branches["aubagne"].pk
    assert titles(search("camus", filters=Filters(branches=(arles,)))) == ["La Peste"]
    assert titles(search("camus", filters=Filters(branches=(aubagne,)))) == ["L'Étranger"]
    assert search("camus", filters=Filters(branches=(aubagne,), available=True)).total == 0
    family = [taxonomy[k] for k in ("imaginaire", "sf", "fantasy")]
    expected = CatalogueItem.objects.filter(interests__in=family).distinct()
    imaginaire = search("", filters=Filters(interests=(taxonomy["imaginaire"].pk,)))
    assert imaginaire.total == expected.count() > 0
    assert set(titles(imaginaire)) == {item.title for item in expected}
    raw = get_backend()._search(
        search("camus").query,
        Filters(),
        "relevance",
        offset=0,
        limit=10,
        profile=MemberProfile(home_branch_id=arles),
        with_details=True,
    )
    assert {hit.object_id: hit.branches for hit in raw.hits} == {
        item.pk: {h.branch_id: h.status == HoldingStatus.AVAILABLE for h in item.holdings.all()}
        for item in CatalogueItem.objects.filter(authors__icontains="camus")
    }
