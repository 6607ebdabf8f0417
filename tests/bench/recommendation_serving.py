"""What the recommender's production path costs on the generated dataset in DATABASE_URL
(`manage.py generate_dataset` first):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench \\
        .venv/bin/python -m tests.bench.recommendation_serving --members 200

1. training: `feeds.recommendations.similarity.train` then `store` — what
   `train_recommendations` does every day (it replaces the stored neighbours);
2. the popularity snapshot, computed once (then cached);
3. `recommend_for(member, limit=10)` for --members generated members drawn with a fixed
   seed, p50 / p95 in ms, as the feed calls it.

Prints one line per step with the load average (the machine may be shared).
"""

from __future__ import annotations

import argparse
import os
import random
import time
from pathlib import Path


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.dev")
    import django

    django.setup()
    from feeds.dataset import generated_members
    from feeds.recommendations import recommend_for
    from feeds.recommendations.similarity import store, train
    from feeds.recommendations.snapshot import current_snapshot

    started = time.perf_counter()
    model = train()
    written = store(model)
    print(f"training: {time.perf_counter() - started:.1f} s, {written} neighbours; load {load()}")

    started = time.perf_counter()
    current_snapshot()
    print(f"snapshot: {time.perf_counter() - started:.1f} s; load {load()}")

    ids = sorted(generated_members().values_list("pk", flat=True))
    if not ids:
        raise SystemExit("No generated members: run `manage.py generate_dataset` first.")
    chosen = random.Random(args.seed).sample(ids, min(args.members, len(ids)))
    times = []
    for member in generated_members().filter(pk__in=chosen):
        started = time.perf_counter()
        recommend_for(member, limit=10)
        times.append(1000 * (time.perf_counter() - started))
    times.sort()
    p50, p95 = times[len(times) // 2], times[min(len(times) - 1, int(len(times) * 0.95))]
    print(f"recommend_for × {len(times)}: p50 {p50:.0f} ms, p95 {p95:.0f} ms; load {load()}")


if __name__ == "__main__":
    main()
