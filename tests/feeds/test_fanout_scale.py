"""Fan-out at scale: the per-member cap is kept off the hot path (counters on the database
store, a script in the write pipeline on Redis, trims only past the cap plus a slack), and
branch-bound content pre-filters its audience with a bounding box that agrees with the
exact distance check."""

import os
import random
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cms.kinds import FeedKind
from cms.models import Branch
from community.models import User
from feeds import ranking
from feeds.fanout import audience, near_branches
from feeds.models import FeedCount, FeedEntry
from feeds.store import DatabaseFeedStore, StoredEntry
from feeds.store import database as database_store

NOW = datetime(2026, 11, 25, tzinfo=UTC)
CAP = 10  # slack: 1 → a member is trimmed back to 10 once they pass 11

pytestmark = pytest.mark.django_db


def entry(n, score=None):
    return StoredEntry("announcement", n, float(n if score is None else score), created_at=NOW)


@pytest.fixture(params=["database", "redis"])
def store(request, db):
    if request.param == "database":
        yield DatabaseFeedStore(max_entries=CAP)
        return
    import redis
    from django.conf import settings

    from feeds.store.redis import RedisFeedStore

    url = settings.REDIS_URL or os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/11")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
    except redis.exceptions.RedisError:
        pytest.skip("Redis is not reachable")
    store = RedisFeedStore(max_entries=CAP, url=url, prefix=f"test-scale-{os.getpid()}")
    store.clear()
    yield store
    store.clear()


def users(count):
    User.objects.bulk_create(
        User(username=f"scale{n}", email=f"scale{n}@example.org") for n in range(count)
    )
    return list(User.objects.filter(username__startswith="scale").order_by("pk"))


def bound(member):
    return FeedCount.objects.filter(member=member).values_list("entries", flat=True).first()


def test_the_cap_waits_for_the_slack_then_keeps_the_best(store):
    (a,) = users(1)
    store.add_many([(a.pk, entry(n)) for n in range(1, 12)])
    assert store.count(a.pk) == 11  # cap + slack: not trimmed yet
    store.add_many([(a.pk, entry(12))])
    assert store.count(a.pk) == CAP
    kept = [e.object_id for e in store.page(a.pk, before=None, limit=50)]
    assert kept == list(range(12, 2, -1))  # the lowest scores went
    assert store.members_with("announcement", 1) == set()  # …from every index
    assert store.members_with("announcement", 3) == {a.pk}
    assert store.get_many(a.pk, ["announcement:1", "announcement:2"]) == []


def test_explicit_trim_is_exact(store):
    a, b = users(2)
    store.add_many([(a.pk, entry(n)) for n in range(1, 12)] + [(b.pk, entry(1))])
    assert store.trim([a.pk, b.pk]) == 1
    assert store.count(a.pk) == CAP and store.count(b.pk) == 1
    assert "announcement:1" not in {e.key for e in store.page(a.pk, before=None, limit=50)}


def test_database_counters_are_an_upper_bound_made_exact_by_trims_and_rebuilds():
    store = DatabaseFeedStore(max_entries=CAP)
    a, b = users(2)
    store.add_many([(a.pk, entry(n)) for n in range(1, 6)])
    assert bound(a) == 5
    store.add_many([(a.pk, entry(1, score=50))])  # a re-score counts as a write
    assert bound(a) == 6 and FeedEntry.objects.filter(member=a).count() == 5
    store.remove_content("announcement", 2)  # removals are not subtracted
    assert bound(a) == 6 and store.count(a.pk) == 4
    store.add_many([(a.pk, entry(n)) for n in range(10, 16)])  # bound 12 > 11: trim
    assert store.count(a.pk) == CAP == bound(a)
    store.replace_member(a.pk, [entry(7), entry(8)])
    assert bound(a) == 2 == store.count(a.pk)
    store.add_many([(b.pk, entry(1))])
    FeedCount.objects.filter(member=b).delete()
    store.recount()
    assert bound(a) == 2 and bound(b) == 1
    store.clear(a.pk)
    assert bound(a) is None and bound(b) == 1
    store.clear()
    assert not FeedCount.objects.exists()


def test_a_stale_low_counter_never_hides_an_explicit_trim():
    """Members without a counter (or over it) are trimmed; members under it are spared."""
    store = DatabaseFeedStore(max_entries=CAP)
    a, b = users(2)
    store.add_many([(a.pk, entry(n)) for n in range(1, 12)] + [(b.pk, entry(1))])
    FeedCount.objects.filter(member=a).delete()
    with CaptureQueriesContext(connection) as queries:
        assert store.trim([a.pk, b.pk]) == 1
    assert store.count(a.pk) == CAP and bound(a) == CAP
    assert not any(f"= {b.pk}" in q["sql"] for q in queries.captured_queries[1:])


def test_writes_to_full_feeds_cost_the_same_queries_for_5_or_40_members():
    """No per-member query: the counters come back from the upsert, the trim is batched."""
    store = DatabaseFeedStore(max_entries=CAP)
    members = users(40)

    def fill_then_write(group, first):
        store.add_many([(m.pk, entry(n)) for m in group for n in range(first, first + 11)])
        with CaptureQueriesContext(connection) as queries:
            store.add_many([(m.pk, entry(first + 11)) for m in group])
        assert all(store.count(m.pk) == CAP for m in group)
        return len(queries)

    assert fill_then_write(members[:5], 100) == fill_then_write(members[5:], 200)


def test_one_write_trims_a_bounded_number_of_members_the_most_over_first(monkeypatch):
    store = DatabaseFeedStore(max_entries=CAP)
    monkeypatch.setattr(database_store, "TRIM_PER_WRITE", 2)
    a, b, c = users(3)
    store.add_many([(m.pk, entry(n)) for m in (a, b, c) for n in range(1, 12)])
    store.add_many([(a.pk, entry(20)), (a.pk, entry(21)), (b.pk, entry(20)), (c.pk, entry(20))])
    counts = {m: store.count(m.pk) for m in (a, b, c)}
    assert counts[a] == CAP  # the most over
    assert sorted([counts[b], counts[c]]) == [CAP, 12]  # one of the others waits…
    waiting = b if counts[b] == 12 else c
    store.add_many([(waiting.pk, entry(30))])
    assert store.count(waiting.pk) == CAP  # …for its next write


def test_redis_writes_and_trims_in_one_call_per_chunk(store):
    if store.name != "redis":
        pytest.skip("Redis only")
    members = users(30)
    store.add_many([(m.pk, entry(n)) for m in members for n in range(1, 12)])
    calls = []
    original = store.client.execute_command

    def counting(*args, **kwargs):
        calls.append(args[0])
        return original(*args, **kwargs)

    store.client.execute_command = counting
    try:
        store.add_many([(m.pk, entry(40)) for m in members])
    finally:
        del store.client.execute_command
    assert calls == ["EVALSHA"]  # one round trip for 30 members, trims included
    assert {store.count(m.pk) for m in members} == {CAP}
    assert store.members_with("announcement", 40) == {m.pk for m in members}
    assert store.members_with("announcement", 1) == set()
    assert store.get_many(members[0].pk, ["announcement:40"])[0].created_at == NOW


# --- the bounding box ----------------------------------------------------------------------


def test_the_bounding_box_keeps_exactly_the_members_in_audience(taxonomy):
    """Members scattered up to ~150 km around two branches, with their own place, their
    home branch's only, or none: the pre-filter drops only members `in_audience` rejects,
    and drops most of the far ones."""
    rng = random.Random(4)
    near_one = Branch.objects.create(
        name="Aubagne", commune="Aubagne", latitude=43.29, longitude=5.57
    )
    near_two = Branch.objects.create(name="Arles", commune="Arles", latitude=43.68, longitude=4.63)
    far = Branch.objects.create(name="Lyon", commune="Lyon", latitude=45.76, longitude=4.83)
    homes = [None, near_one, near_two, far]
    created = []
    for n in range(300):
        home = rng.choice(homes)
        placed = rng.random() < 0.8
        created.append(
            User(
                username=f"box{n}",
                email=f"box{n}@example.org",
                latitude=round(43.3 + rng.uniform(-1.4, 1.4), 5) if placed else None,
                longitude=round(5.2 + rng.uniform(-1.9, 1.9), 5) if placed else None,
                home_branch=home,
            )
        )
    User.objects.bulk_create(created)
    content = ranking.ContentFacts(
        FeedKind.ANNOUNCEMENT,
        1,
        title="Près de deux médiathèques",
        branches=tuple(
            ranking.BranchFact(b.pk, b.name, b.latitude, b.longitude) for b in (near_one, near_two)
        ),
        published_at=NOW,
    )
    from feeds import facts

    everyone = User.objects.filter(username__startswith="box")
    prefiltered = set(
        everyone.filter(near_branches(content.branches, 60)).values_list("pk", flat=True)
    )
    all_facts = facts.members(everyone.values_list("pk", flat=True))
    wanted = {pk for pk, m in all_facts.items() if ranking.in_audience(m, content, 60)}
    assert wanted <= prefiltered  # never drops a member in the audience
    assert len(wanted) > 50
    dropped = set(all_facts) - prefiltered
    assert len(dropped) > 0.5 * (len(all_facts) - len(wanted))  # and drops most of the others


def test_fan_out_audience_uses_the_box_for_branch_bound_content(taxonomy, branches):
    content = ranking.ContentFacts(
        FeedKind.EVENT,
        1,
        title="Club",
        interests=(ranking.InterestFact(taxonomy["sf"].pk, "SF", None),),
        branches=(ranking.BranchFact(branches["aubagne"].pk, "Aubagne", 43.2925, 5.5693),),
        published_at=NOW,
    )
    members, _ = audience(content)
    sql = str(members.query)
    assert "latitude" in sql and "BETWEEN" in sql
    network_wide = ranking.ContentFacts(
        FeedKind.ANNOUNCEMENT,
        2,
        title="Partout",
        interests=content.interests,
        published_at=NOW,
    )
    assert "BETWEEN" not in str(audience(network_wide)[0].query)


def test_no_box_across_the_antimeridian_or_near_a_pole():
    assert near_branches([ranking.BranchFact(1, "Nord", 88.9, 0.0)], 60) is None
    assert near_branches([ranking.BranchFact(1, "Fidji", -17.7, 179.9)], 60) is None
    assert near_branches([ranking.BranchFact(1, "Marseille", 43.3, 5.4)], 60) is not None


# --- the whole path ------------------------------------------------------------------------


def test_fan_out_to_full_feeds_costs_the_same_queries_for_3_or_30_members(
    settings, taxonomy, branches
):
    """Branch-bound content, members near and far, feeds already past the cap: the number
    of queries of a fan-out does not depend on its audience."""
    from feeds.fanout import fan_out_content
    from feeds.store import get_store
    from tests.cms.library_factories import make_event
    from tests.feeds.feed_fixtures import make_member

    settings.FEED_MAX_ENTRIES = 5  # slack 0: every write past 5 trims
    store = get_store()
    store.clear()

    def crowd(count, first):
        near = [
            make_member(interests=[taxonomy["sf"]], lat=43.29 + n / 1000, lon=5.57)
            for n in range(count)
        ]
        far = make_member(interests=[taxonomy["sf"]], lat=45.76, lon=4.83)  # Lyon
        store.add_many([(m.pk, entry(n)) for m in near for n in range(first, first + 5)])
        return near, far

    def fan_out(near, far, title):
        event = make_event(title, branch=branches["aubagne"], interests=[taxonomy["sf"]])
        with CaptureQueriesContext(connection) as queries:
            assert fan_out_content("event", event.pk) == len(near)
        assert {store.count(m.pk) for m in near} == {5}
        assert store.get_many(near[0].pk, [f"event:{event.pk}"])  # the newest stays
        assert store.count(far.pk) == 0
        return len(queries)

    try:
        first, far = crowd(3, 100)
        few = fan_out(first, far, "Club SF")
        store.clear()
        more, _ = crowd(27, 200)
        store.add_many([(m.pk, entry(n)) for m in first for n in range(300, 305)])
        many = fan_out(first + more, far, "Club SF bis")
    finally:
        store.clear()
    assert few == many
