"""One side of the feed A/B benchmark (``tests.bench.feed_ab``), run as a long-lived process
with the side's code first on PYTHONPATH and its database in DATABASE_URL.

It imports *that side's* ``tests.bench.feed_bench`` (the functions are the same in both
commits: ``sample_members``, ``build_feeds``, ``time_pages``, ``queries_per_page``), samples
the members and builds their feeds, then answers the driver's commands, one JSON object a
line on stdin, one JSON answer a line on stdout (prefixed with ``@@``):

- ``{"time": [i, j, …]}``: ``time_pages`` of the sampled members at these positions, run
  behind the same five warm-up members every time (their figures dropped), so each timed
  member's page is a first visit of a fresh session after the warm-up, as in feed_bench;
- ``{"queries": [10, 40]}``: ``queries_per_page`` of ten sampled members at those sizes;
- ``{"quit": true}``: empty the side's Redis feed store (its own prefix) and stop.

It never creates or destroys a database: the driver prepared it.
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

WARM_UP = 5  # time_pages warms up on its first five members


def answer(value: dict) -> None:
    print("@@" + json.dumps(value), flush=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="One side of the feed A/B benchmark.")
    parser.add_argument("--sample", type=int, required=True)
    parser.add_argument("--seed", type=int, required=True)
    args = parser.parse_args(argv)

    from tests.bench import feed_bench
    from tests.bench._timing import machine, setup_django

    setup_django()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_test_environment

    from feeds.store import get_store

    setup_test_environment()  # as feed_bench's throwaway database does (same template path)
    sampled = feed_bench.sample_members(
        argparse.Namespace(seed=args.seed, sample=args.sample + WARM_UP)
    )
    warm, members = sampled[:WARM_UP], sampled[WARM_UP:]
    build_ms = feed_bench.build_feeds(sampled)
    # feed_bench's "constant": the larger page may add one hydration query per kind of
    # content shown (a kind absent from the shorter page spares its query). The enumeration
    # moved between the two commits (feeds.models → cms.kinds): looked up in both places.
    kinds = next(
        len(module.FeedKind.values)
        for name in ("cms.kinds", "feeds.models")
        if importlib.util.find_spec(name)
        and hasattr(module := importlib.import_module(name), "FeedKind")
    )
    store = get_store()
    answer(
        {
            "database": connection.settings_dict["NAME"],
            "vendor": connection.vendor,
            "feed_store": store.name,
            "page_size": settings.FEED_PAGE_SIZE,
            "members": [member.pk for member in members],
            "build_ms": build_ms[WARM_UP:],
            "content_kinds": kinds,
        }
    )
    for line in sys.stdin:
        command = json.loads(line)
        if "time" in command:
            load = machine()["loadavg"][0]
            pages = feed_bench.time_pages(warm + [members[i] for i in command["time"]])
            answer({name: values[WARM_UP:] for name, values in pages.items()} | {"load": load})
        elif "queries" in command:
            counts = feed_bench.queries_per_page(members[:10], command["queries"])
            answer({"queries": {str(size): values for size, values in counts.items()}})
        elif command.get("quit"):
            if store.name == "redis":
                store.clear()  # this side's prefix only (FEED_REDIS_PREFIX)
            answer({"done": True})
            return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
