"""Feed benchmark: the feed page's server time and query count, and the fan-out of one
announcement to 10,000 interested members, on the generated dataset.

    .venv/bin/python -m tests.bench.feed_bench                 # full scale (make bench)
    .venv/bin/python -m tests.bench.feed_bench --members 5000 --items 10000 --events 500 \\
        --announcements 1000 --interactions 20000 --fanout-members 2000   # smaller
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/14 \\
        .venv/bin/python -m tests.bench.feed_bench

On a throwaway database (SQLite file in var/bench/, or ``bench_feed_<pid>`` on PostgreSQL):

1. ``feeds.dataset.generate_dataset`` (members following 3–10 interests, catalogue items,
   events, announcements, interactions);
2. the feeds of a random sample of members are built (``feeds.feed.build.build_feed``, timed);
3. each sampled member, logged in, GETs ``/fil/`` through the whole Django stack (test
   client: middleware, view, template) — p50 / p95 — interleaved with a trivial view
   (``/__bench__/trivial/``, an HttpResponse behind the same middleware) → the ratio, and
   with the site's empty layout for the same logged-in member right after (``/__bench__/
   layout/``: ``base.html`` with no content, its session, member, header and context
   processors), to show how much of the page is the layout every page pays;
4. SQL queries of a feed page at two page sizes (``FEED_PAGE_SIZE``): they must be equal;
5. fan-out: 10,000 members (``--fanout-members``) follow a new interest; an announcement for
   it is published (tasks held back), then ``feeds.fanout.fan_out_content`` runs in a
   transaction, committed, with its on-commit websocket push (``push_feed_news``) → seconds
   for the write + commit and for the push. The feed store is the database table, or Redis
   sorted sets when REDIS_URL is set.

Prints a table and writes var/bench/feed-<vendor>[-redis].json.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import statistics
import sys
import time
from pathlib import Path

from django.http import HttpResponse
from django.urls import include, path

from tests.bench._timing import (
    OUTPUT_DIR,
    machine,
    percentile,
    print_table,
    setup_django,
    throwaway_database,
    write_report,
)

TARGETS = {"p50_ms": 30, "p95_ms": 80, "ratio": 3.0, "fanout_seconds": 2.0}
FANOUT_INTEREST = "bench-fan-out"


def trivial(request):
    return HttpResponse("ok", content_type="text/plain")


def layout(request):
    """The site's layout with nothing in it, for a logged-in member (what every page pays)."""
    from django.shortcuts import render

    if not request.user.is_authenticated:
        return HttpResponse("log in first", status=403, content_type="text/plain")
    return render(request, "base.html", {})


def __getattr__(name: str):
    """``urlpatterns`` (the site's URLs plus the trivial view), ROOT_URLCONF during the
    measurements; built on first use, once Django is set up."""
    if name == "urlpatterns":
        return [
            path("__bench__/trivial/", trivial),
            path("__bench__/layout/", layout),
            path("", include("cms.urls")),
        ]
    raise AttributeError(name)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=50_000)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=5_000)
    parser.add_argument("--announcements", type=int, default=10_000)
    parser.add_argument("--interactions", type=int, default=200_000)
    parser.add_argument("--sample", type=int, default=100, help="Members whose page is timed.")
    parser.add_argument("--fanout-members", type=int, default=10_000)
    parser.add_argument(
        "--fill-feeds",
        type=int,
        default=None,
        help="Entries already in each fan-out member's feed before the fan-out (default: "
        "FEED_MAX_ENTRIES plus 0–10 %%, the steady state of a capped store; 0: empty).",
    )
    parser.add_argument("--page-sizes", default="10,40", help="Two FEED_PAGE_SIZE values.")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--output-dir", default=str(OUTPUT_DIR))
    return parser.parse_args(argv)


def generate(args) -> float:
    from feeds.dataset import DatasetSize, generate_dataset

    size = DatasetSize(
        members=args.members,
        items=args.items,
        events=args.events,
        announcements=args.announcements,
        interactions=args.interactions,
        seed=args.seed,
    )
    started = time.perf_counter()
    generate_dataset(size, say=lambda text: print(f"  {text}", flush=True))
    return time.perf_counter() - started


def analyze() -> None:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def sample_members(args) -> list:
    from django.utils import timezone

    from community.models import User
    from feeds.dataset import generated_members

    ids = sorted(generated_members().filter(is_active=True).values_list("pk", flat=True))
    chosen = random.Random(args.seed).sample(ids, min(args.sample, len(ids)))
    User.objects.filter(pk__in=chosen).update(last_login=timezone.now())
    return list(User.objects.filter(pk__in=chosen).order_by("pk"))


def build_feeds(members) -> list[float]:
    from feeds.feed.build import build_feed

    times = []
    for member in members:
        started = time.perf_counter()
        build_feed(member)
        times.append((time.perf_counter() - started) * 1000)
    return times


def time_pages(members) -> dict:
    """GET the trivial view, /fil/ (the member's first page) and the empty layout (then a
    later page: the member's admin-access answer is cached) for each member; ms."""
    from django.test import Client
    from django.test.utils import override_settings

    feed_ms, trivial_ms, layout_ms, entries = [], [], [], []
    with override_settings(ROOT_URLCONF="tests.bench.feed_bench"):
        clients = []
        for member in members:
            client = Client()
            client.force_login(member)
            clients.append(client)
        for client in clients[:5]:  # warm-up: templates, site root paths, connections
            client.get("/fil/")
            client.get("/__bench__/trivial/")
            client.get("/__bench__/layout/")
        for client in clients:
            started = time.perf_counter()
            response = client.get("/__bench__/trivial/")
            trivial_ms.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
            started = time.perf_counter()
            response = client.get("/fil/")
            feed_ms.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.status_code
            entries.append(response.content.count(b"data-feed-entry"))
            started = time.perf_counter()
            response = client.get("/__bench__/layout/")
            layout_ms.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.status_code
    return {
        "feed_ms": feed_ms,
        "trivial_ms": trivial_ms,
        "layout_ms": layout_ms,
        "entries": entries,
    }


def queries_per_page(members, sizes: list[int]) -> dict[int, list[int]]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    counts: dict[int, list[int]] = {}
    for size in sizes:
        counts[size] = []
        with override_settings(FEED_PAGE_SIZE=size):
            for member in members:
                client = Client()
                client.force_login(member)
                client.get("/fil/")  # first visit: feed state, caches
                with CaptureQueriesContext(connection) as queries:
                    response = client.get("/fil/")
                assert response.status_code == 200
                counts[size].append(len(queries))
    return counts


def fan_out(args) -> dict:
    """10,000 members follow a new interest; publish an announcement for it with the tasks
    held back, then time the fan-out (write + commit) and its on-commit push."""
    from django.db import transaction
    from django.test.utils import override_settings
    from django.utils import timezone

    from cms.models import AnnouncementPage, Interest, NewsIndexPage
    from community.models import FollowedInterest, User
    from feeds import fanout
    from feeds.dataset import generated_members
    from feeds.store import get_store

    interest = Interest.objects.create(name="Bench fan-out", slug=FANOUT_INTEREST)
    ids = list(
        generated_members().filter(is_active=True).order_by("pk").values_list("pk", flat=True)
    )[: args.fanout_members]
    FollowedInterest.objects.bulk_create(
        (FollowedInterest(user_id=pk, interest=interest) for pk in ids), batch_size=2000
    )
    User.objects.filter(pk__in=ids).update(last_login=timezone.now())  # active members
    filled = fill_feeds(ids, args)
    analyze()

    dummy = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    with override_settings(TASKS=dummy):  # publishing must not start the fan-out itself
        page = AnnouncementPage(title="Fan-out bench", slug="bench-fan-out", intro="Bench.")
        NewsIndexPage.objects.get().add_child(instance=page)
        page.interests.set([interest])
        page.save_revision().publish()

    pushed: dict[str, float] = {}
    original_push = fanout.push_feed_news

    def timed_push(member_ids, count=1):
        started = time.perf_counter()
        sent = original_push(member_ids, count)
        pushed["seconds"] = time.perf_counter() - started
        pushed["members"] = sent
        return sent

    fanout.push_feed_news = timed_push
    try:
        started = time.perf_counter()
        with transaction.atomic():
            written = fanout.fan_out_content("announcement", page.pk)
            write_done = time.perf_counter()
        total = time.perf_counter() - started
    finally:
        fanout.push_feed_news = original_push
    push_seconds = pushed.get("seconds", 0.0)
    return {
        "audience": len(ids),
        "written": written,
        "store": type(get_store()).__name__,
        "write_seconds": round(write_done - started, 3),
        "commit_and_push_seconds": round(total - (write_done - started), 3),
        "push_seconds": round(push_seconds, 3),
        "pushed_members": pushed.get("members", 0),
        "total_seconds": round(total, 3),
        "target_seconds": TARGETS["fanout_seconds"],
        **filled,
    }


def fill_feeds(member_ids: list[int], args) -> dict:
    """Bring the fan-out members' feeds to their steady state before the timed fan-out: a
    capped store holds between FEED_MAX_ENTRIES and the cap plus its slack (10 %) for every
    active member, so the fan-out writes into full feeds and trims those over the slack,
    as on a site that has been running for a while (an empty store would flatter it)."""
    from django.conf import settings

    from cms.kinds import FeedKind
    from cms.models import CatalogueItem
    from feeds.store import StoredEntry, get_store

    cap = settings.FEED_MAX_ENTRIES
    low = cap if args.fill_feeds is None else args.fill_feeds
    high = cap + cap // 10 if args.fill_feeds is None else args.fill_feeds
    if high <= 0:
        return {"feeds_filled_to": [0, 0], "fill_seconds": 0.0}
    print(f"  filling {len(member_ids)} feeds with {low}–{high} entries each…", flush=True)
    rng = random.Random(args.seed)
    item_ids = list(CatalogueItem.objects.values_list("pk", flat=True))
    store = get_store()
    started = time.perf_counter()

    def entries():
        for member_id in member_ids:
            count = min(rng.randint(low, high), len(item_ids))
            for position, object_id in enumerate(rng.sample(item_ids, count)):
                yield member_id, object_id, position / count

    if store.name == "database":
        from feeds.models import FeedEntry

        for start in range(0, len(member_ids), 1000):  # what the sampled members had
            FeedEntry.objects.filter(member_id__in=member_ids[start : start + 1000]).delete()
        _insert_feed_rows(entries())
        store.recount(member_ids)
    else:
        batch: list[tuple[int, StoredEntry]] = []
        for member_id, object_id, score in entries():
            batch.append((member_id, StoredEntry(FeedKind.ITEM, object_id, score=score)))
            if len(batch) >= 50_000:
                store.add_many(batch)
                batch = []
        store.add_many(batch)
    return {"feeds_filled_to": [low, high], "fill_seconds": round(time.perf_counter() - started, 1)}


def _insert_feed_rows(rows) -> None:
    """Plain inserts of fresh rows into the database store's table (COPY on PostgreSQL),
    much faster than the store's upserts for millions of rows; the counters are recounted
    afterwards. Only for filling empty feeds."""
    from itertools import islice

    from django.db import connection, transaction
    from django.utils import timezone

    from cms.kinds import FeedKind
    from feeds.models import FeedEntry

    table = connection.ops.quote_name(FeedEntry._meta.db_table)
    columns = "member_id, kind, object_id, score, reason, created_at"
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for member_id, object_id, score in rows:
                    copy.write_row((member_id, FeedKind.ITEM, object_id, score, "", now))
            return
        created = connection.ops.adapt_datetimefield_value(now)
        sql = f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, '', %s)"
        rows = iter(rows)
        while chunk := list(islice(rows, 100_000)):
            cursor.executemany(sql, [(m, FeedKind.ITEM, o, sc, created) for m, o, sc in chunk])


@contextlib.contextmanager
def _redis_feeds_removed():
    from django.conf import settings

    try:
        yield
    finally:
        if settings.REDIS_URL:
            from feeds.store import get_store

            get_store().clear()


def main(argv=None) -> int:
    args = parse_args(argv)
    sizes = [int(size) for size in args.page_sizes.split(",")][:2]
    setup_django()
    from django.conf import settings
    from django.test.utils import override_settings

    output_dir = Path(args.output_dir)
    redis = bool(settings.REDIS_URL)
    # Redis feeds of the throwaway members live under a prefix of their own, removed at the
    # end like the throwaway database (never another run's or a site's feeds).
    own_prefix = override_settings(FEED_REDIS_PREFIX=f"bench:feed:{os.getpid()}")
    with own_prefix, throwaway_database("feed", output_dir) as vendor, _redis_feeds_removed():
        print(
            f"Generating the dataset: {args.members} members, {args.items} items, "
            f"{args.events} events, {args.announcements} announcements, "
            f"{args.interactions} interactions…",
            flush=True,
        )
        generate_seconds = generate(args)
        analyze()
        members = sample_members(args)
        print(f"Building the feeds of {len(members)} sampled members…", flush=True)
        build_ms = build_feeds(members)
        load_before = machine()["loadavg"]
        print("Timing the feed page and the trivial view…", flush=True)
        pages = time_pages(members)
        print(f"Counting queries at page sizes {sizes}…", flush=True)
        counts = queries_per_page(members[:10], sizes)
        print(f"Fan-out to {args.fanout_members} members…", flush=True)
        fan = fan_out(args)
        store = fan["store"]

    feed_p50, feed_p95 = percentile(pages["feed_ms"], 0.5), percentile(pages["feed_ms"], 0.95)
    triv_p50, triv_p95 = (
        percentile(pages["trivial_ms"], 0.5),
        percentile(pages["trivial_ms"], 0.95),
    )
    ratio = feed_p50 / triv_p50 if triv_p50 else float("nan")
    layout_p50 = percentile(pages["layout_ms"], 0.5)
    layout_p95 = percentile(pages["layout_ms"], 0.95)
    per_size = {size: sorted(set(values)) for size, values in counts.items()}
    # Not growing with the page size: the larger page costs no more queries than the smaller
    # one plus one hydration query per kind of content (only the entries shown are hydrated,
    # so a kind absent from a short page spares its query); an N+1 would add dozens.
    from cms.kinds import FeedKind

    small, large = (counts[size] for size in sizes)
    constant = max(large) <= max(small) + len(FeedKind.values)
    result = {
        "benchmark": "feed page and fan-out",
        "vendor": vendor,
        "feed_store": store,
        "channel_layer": settings.CHANNEL_LAYERS["default"]["BACKEND"],
        "dataset": {
            "members": args.members,
            "items": args.items,
            "events": args.events,
            "announcements": args.announcements,
            "interactions": args.interactions,
            "seed": args.seed,
            "generate_seconds": round(generate_seconds, 1),
        },
        "sample": len(members),
        "feed_build_ms": {
            "p50": round(percentile(build_ms, 0.5), 1),
            "p95": round(percentile(build_ms, 0.95), 1),
        },
        "feed_page": {
            "p50_ms": round(feed_p50, 2),
            "p95_ms": round(feed_p95, 2),
            "mean_entries_shown": round(statistics.mean(pages["entries"]), 1)
            if pages["entries"]
            else 0,
            "page_size": settings.FEED_PAGE_SIZE,
        },
        "trivial_view": {"p50_ms": round(triv_p50, 2), "p95_ms": round(triv_p95, 2)},
        "ratio_p50": round(ratio, 2),
        "empty_layout": {
            "p50_ms": round(layout_p50, 2),
            "p95_ms": round(layout_p95, 2),
            "over_trivial_p50": round(layout_p50 / triv_p50, 2) if triv_p50 else None,
            "feed_over_layout_p50": round(feed_p50 / layout_p50, 2) if layout_p50 else None,
        },
        "queries_per_page": {str(size): values for size, values in per_size.items()},
        "queries_per_member": [list(pair) for pair in zip(small, large, strict=True)],
        "queries_constant": constant,
        "fan_out": fan,
        "targets": TARGETS,
        "loadavg_before_timing": load_before,
        "machine": machine(),
    }
    sizes_text = ", ".join(f"{size}: {values}" for size, values in per_size.items())
    rows = [
        ("feed page p50 (ms)", f"{feed_p50:.1f}", f"≤ {TARGETS['p50_ms']} ms"),
        ("feed page p95 (ms)", f"{feed_p95:.1f}", f"≤ {TARGETS['p95_ms']} ms"),
        ("trivial view p50 (ms)", f"{triv_p50:.1f}", ""),
        ("trivial view p95 (ms)", f"{triv_p95:.1f}", ""),
        ("feed / trivial, p50", f"{ratio:.2f}×", f"≤ {TARGETS['ratio']:g}×"),
        (
            "empty layout p50 / p95 (ms)",
            f"{layout_p50:.1f} / {layout_p95:.1f}",
            f"logged in, base.html alone: {layout_p50 / triv_p50:.1f}× trivial; "
            f"feed = {feed_p50 / layout_p50:.1f}× layout",
        ),
        (
            "SQL queries per feed page",
            "constant" if constant else "GROWS",
            f"page size → queries: {sizes_text}",
        ),
        ("feed build p50 (ms)", f"{result['feed_build_ms']['p50']:.1f}", "per member"),
        (
            f"fan-out to {fan['audience']} members (s)",
            f"{fan['total_seconds']:.2f}",
            f"≤ {TARGETS['fanout_seconds']:g} s; write {fan['write_seconds']:.2f} s, "
            f"commit + push {fan['commit_and_push_seconds']:.2f} s ({store}; feeds held "
            f"{fan['feeds_filled_to'][0]}–{fan['feeds_filled_to'][1]} entries)",
        ),
    ]
    print_table(
        f"Feed benchmark — {vendor}, {store}, {args.members} members, sample {len(members)}",
        rows,
    )
    print(f"load average: {result['machine']['loadavg']}")
    write_report(f"feed-{vendor}{'-redis' if redis else ''}", result, output_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
