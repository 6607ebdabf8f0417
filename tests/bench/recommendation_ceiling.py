"""The most any recommender could find on a generated dataset: the generator's own odds.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench \\
        .venv/bin/python -m tests.bench.recommendation_ceiling --taste shared --members 20000 \\
        --items 40000 --events 2000 --announcements 4000 --interactions 80000 --sample 500

Give the sizes, seed, taste and anchor day the dataset was generated with (`--anchor
YYYY-MM-DD`, by default today, as `generate_dataset`'s): the script replays `feeds.dataset` in memory (its writes replaced by
no-ops, the ids read back from the dataset in the database) to recover each member's true
tastes, then ranks, for the members `evaluate_recommendations` samples (same split, same
`--sample` and `--seed`), the items they had not used by the probability the generator
gives each one next. No recommender that learns from the data can rank better on average;
recall@10 against the popularity baseline is the ceiling of the « × popularity » ratio.
It checks the replay first: the share of the stored interactions that fall in the
members' own replayed taste clusters, against a random member's.
"""

from __future__ import annotations

import argparse
import os
import random
from datetime import UTC, date, datetime, time
from unittest import mock

import numpy as np


def zipf_pmf(size: int, skew: float) -> np.ndarray:
    """The odds of each index of `feeds.dataset._zipf_index(rng, size, skew)`."""
    cdf = (np.arange(1, size + 1) / size) ** (1 / skew)
    cdf[-1] = 1.0
    return np.diff(np.concatenate([[0.0], cdf]))


def replay(size, anchor):
    from feeds import dataset as ds

    def no_pages(parent, model, pages, m2m, rng):
        for _page in pages:
            rng.getrandbits(128)  # what bulk_add_children draws per page
        return []

    rng = random.Random(size.seed)
    with (
        mock.patch.object(ds, "_insert_rows", lambda model, rows: None),
        mock.patch.object(ds, "bulk_add_children", no_pages),
    ):
        branches, interests = ds._ensure_base(print)
        items, by_interest, by_branch = ds._generate_items(
            size.items, size.seed, branches, interests
        )
        members, homes, follows = ds._generate_members(
            size.members, rng, branches, interests, anchor
        )
        ds._generate_events(size.events, rng, branches, interests, anchor)
        ds._generate_announcements(size.announcements, rng, branches, interests, anchor)
        shuffled = random.Random()
        shuffled.setstate(rng.getstate())
        order = items[:]
        shuffled.shuffle(order)  # the popularity order _generate_interactions draws first
        _n, tastes, _shares = ds._generate_interactions(
            size.interactions, rng, members, homes, follows, items, by_interest, by_branch,
            interests, anchor, ds.TASTE_MODELS[size.taste],
        )  # fmt: skip
    return order, tastes, homes, by_branch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name, default in (("members", 50_000), ("items", 100_000), ("events", 5_000)):
        parser.add_argument(f"--{name}", type=int, default=default)
    parser.add_argument("--announcements", type=int, default=10_000)
    parser.add_argument("--interactions", type=int, default=200_000)
    parser.add_argument("--taste", default="shared")
    parser.add_argument(
        "--anchor",
        type=date.fromisoformat,
        help="The anchor day given to generate_dataset (YYYY-MM-DD; default today).",
    )
    parser.add_argument("--dataset-seed", type=int, default=1)
    parser.add_argument("--sample", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.dev")
    import django

    django.setup()
    from cms.models import CatalogueItem
    from community.models import Interaction
    from feeds.dataset import CLUSTER_SIZE, TASTE_MODELS, DatasetSize
    from feeds.recommendations.evaluation import (
        dataset_members,
        held_out,
        metrics,
        split_cutoff,
    )
    from feeds.recommendations.snapshot import compute_snapshot

    size = DatasetSize(
        members=args.members, items=args.items, events=args.events,
        announcements=args.announcements, interactions=args.interactions,
        seed=args.dataset_seed, taste=args.taste,
    )  # fmt: skip
    from feeds.dataset import default_anchor

    anchor = datetime.combine(args.anchor, time(0, 0), UTC) if args.anchor else default_anchor()
    order, tastes, homes, by_branch = replay(size, anchor)
    skew = TASTE_MODELS[args.taste].skew

    interactions = Interaction.objects.filter(member__in=dataset_members("generated"))
    pairs = list(interactions.values_list("member_id", "item_id"))

    def pool(member):
        return {i for f, c in tastes.by_member.get(member, ()) for i in tastes.cluster(f, c)}

    rnd = random.Random(args.seed)
    check = rnd.sample(pairs, min(20_000, len(pairs)))
    everyone = list(tastes.by_member)
    own = sum(i in pool(m) for m, i in check) / len(check)
    other = sum(i in pool(rnd.choice(everyone)) for m, i in check) / len(check)
    print(f"replay: {own:.1%} of the interactions in the member's own taste clusters, "
          f"{other:.1%} in a random member's")  # fmt: skip

    position = {item_id: n for n, item_id in enumerate(order)}

    def spread(ids, pmf):
        vector = np.zeros(len(order))
        np.add.at(vector, [position[i] for i in ids], pmf)
        return vector

    network = spread(order, zipf_pmf(len(order), 3.5 * skew))
    branch_odds = {
        b: spread(sorted(ids, key=position.__getitem__), zipf_pmf(len(ids), 3.0 * skew))
        for b, ids in by_branch.items()
    }
    interest_odds = {
        f: spread(ids, zipf_pmf(len(ids), 2.5 * skew)) for f, ids in tastes.interest_lists.items()
    }

    def odds(member) -> np.ndarray:
        """feeds.dataset._generate_interactions's draw, as probabilities."""
        taste = tastes.by_member.get(member, [])
        home = branch_odds.get(homes.get(member))
        if not taste:
            return 0.85 * home + 0.15 * network if home is not None else network
        weights = np.array(tastes.weights.get(member) or [1.0] * len(taste))
        p = np.zeros(len(order))
        for (f, c), w in zip(taste, weights / weights.sum(), strict=True):
            cluster = tastes.interest_lists[f][c * CLUSTER_SIZE : (c + 1) * CLUSTER_SIZE]
            p += 0.45 * w * spread(cluster, np.full(len(cluster), 1 / len(cluster)))
            p += 0.25 * w * interest_odds[f]
        return p + (0.15 * home + 0.15 * network if home is not None else 0.30 * network)

    cutoff = split_cutoff(interactions, 0.2)
    truth = held_out(interactions, cutoff)
    ids = sorted(truth)
    if len(ids) > args.sample:
        ids = sorted(random.Random(args.seed).sample(ids, args.sample))
    snapshot = compute_snapshot(before=cutoff)
    oracle, popular = {}, {}
    for member in ids:
        seen = set(
            interactions.filter(member_id=member, created_at__lt=cutoff).values_list(
                "item_id", flat=True
            )
        )
        p = odds(member)
        p[[position[i] for i in seen if i in position]] = -1.0
        oracle[member] = [order[n] for n in np.argsort(-p, kind="stable")[:10]]
        popular[member] = [i for i in snapshot.ranked if i not in seen][:10]
    catalogue = CatalogueItem.objects.active().count()
    base = metrics(popular, truth, catalogue, 10)
    best = metrics(oracle, truth, catalogue, 10)
    print(f"{len(ids)} members, cutoff {cutoff.isoformat()}")
    print(f"popularity: recall@10 {base['recall']:.4f}, precision@10 {base['precision']:.4f}")
    print(
        f"generator's odds: recall@10 {best['recall']:.4f}, precision@10 "
        f"{best['precision']:.4f}, × {best['recall'] / base['recall']:.2f} popularity"
    )


if __name__ == "__main__":
    main()
