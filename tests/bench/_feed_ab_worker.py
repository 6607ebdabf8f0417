"""One side of the feed A/B benchmark (``tests.bench.feed_ab``), run as a script with the
side's code first on PYTHONPATH and its database in DATABASE_URL.

It imports *that side's* ``tests.bench.feed_bench`` (the functions are the same in both
commits: ``sample_members``, ``build_feeds``, ``time_pages``, ``queries_per_page``), builds
the feeds of the sampled members, times their pages, optionally counts the queries of a
page at two page sizes, and prints one JSON object on its last line of output. It never
creates or destroys a database: the driver prepared it.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import os
import sys

# This file sits in the new code's tests/bench/: its folder must not shadow the side's modules.
if sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(__file__)):
    del sys.path[0]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="One side of the feed A/B benchmark.")
    parser.add_argument("--sample", type=int, required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--page-sizes", default="", help="e.g. 10,40: also count queries.")
    parser.add_argument("--clear-store", action="store_true", help="Empty the feed store after.")
    args = parser.parse_args(argv)

    from tests.bench import feed_bench
    from tests.bench._timing import machine, setup_django

    setup_django()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()  # as feed_bench's throwaway database does (same template path)
    members = feed_bench.sample_members(argparse.Namespace(seed=args.seed, sample=args.sample))
    build_ms = feed_bench.build_feeds(members)
    load_before = machine()["loadavg"]
    pages = feed_bench.time_pages(members)
    load_after = machine()["loadavg"]
    counts = {}
    if args.page_sizes:
        sizes = [int(size) for size in args.page_sizes.split(",")][:2]
        counts = {
            str(size): values
            for size, values in feed_bench.queries_per_page(members[:10], sizes).items()
        }
    from feeds.store import get_store

    # feed_bench's "constant": the larger page may add one hydration query per kind of content
    # shown (a kind absent from the shorter page spares its query). The enumeration moved
    # between the two commits (feeds.models → cms.kinds), so it is looked up in both places.
    kinds = next(
        len(module.FeedKind.values)
        for name in ("cms.kinds", "feeds.models")
        if importlib.util.find_spec(name)
        and hasattr(module := importlib.import_module(name), "FeedKind")
    )

    store = get_store()
    result = {
        "database": connection.settings_dict["NAME"],
        "vendor": connection.vendor,
        "feed_store": store.name,
        "page_size": settings.FEED_PAGE_SIZE,
        "members": [member.pk for member in members],
        "build_ms": build_ms,
        **pages,
        "queries": counts,
        "content_kinds": kinds,
        "loadavg": [load_before, load_after],
    }
    if args.clear_store and store.name == "redis":
        store.clear()  # this side's prefix only (FEED_REDIS_PREFIX)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
