"""Offline evaluation: a time-based held-out split of the interactions.

The cutoff is the moment before which (1 − holdout) of the dataset's interactions happened.
Everything before it is what the recommender may know (history, co-occurrences, popularity
snapshot); for each sampled member with at least one *new* item after it (an item they had
not interacted with before the cutoff), we ask for 10 suggestions and compare:

- precision@k: hits / k, averaged over members;
- recall@k: hits / number of the member's new items, averaged over members;
- coverage: distinct items suggested to all sampled members / active catalogue items.

The popularity baseline suggests the k most popular items before the cutoff that the member
had not interacted with yet.
"""

from __future__ import annotations

import random
import time
from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import datetime

from cms.models import CatalogueItem
from community.models import Interaction, User

from .engine import WEIGHTS, member_profile, score_member
from .snapshot import Snapshot, compute_snapshot

GENERATED_SUFFIX = "@generated.invalid"


@dataclass
class Row:
    name: str
    precision: float
    recall: float
    coverage: float
    hit_rate: float
    ms_per_member: float


def dataset_members(dataset: str):
    members = User.objects.all()
    if dataset == "generated":
        return members.filter(email__endswith=GENERATED_SUFFIX)
    return members.exclude(email__endswith=GENERATED_SUFFIX)


def split_cutoff(interactions, holdout: float) -> datetime | None:
    total = interactions.count()
    if total < 2:
        return None
    position = min(total - 1, max(1, int(total * (1 - holdout))))
    return interactions.order_by("created_at", "pk").values_list("created_at", flat=True)[position]


def held_out(interactions, cutoff: datetime) -> dict[int, set[int]]:
    """member id → items first interacted with after the cutoff."""
    before: dict[int, set[int]] = defaultdict(set)
    after: dict[int, set[int]] = defaultdict(set)
    for member_id, item_id, created_at in interactions.values_list(
        "member_id", "item_id", "created_at"
    ).iterator(chunk_size=20000):
        (before if created_at < cutoff else after)[member_id].add(item_id)
    return {m: items - before[m] for m, items in after.items() if items - before[m]}


def _row(name, suggested: dict[int, list[int]], truth, catalogue_size, seconds, k) -> Row:
    k_hits = [len(set(suggested[m]) & truth[m]) for m in suggested]
    n = max(len(suggested), 1)
    precision = sum(h / k for h in k_hits) / n
    recall = sum(h / len(truth[m]) for h, m in zip(k_hits, suggested, strict=True)) / n
    distinct = {i for items in suggested.values() for i in items}
    return Row(
        name=name,
        precision=round(precision, 4),
        recall=round(recall, 4),
        coverage=round(len(distinct) / max(catalogue_size, 1), 4),
        hit_rate=round(sum(1 for h in k_hits if h) / n, 4),
        ms_per_member=round(1000 * seconds / n, 2),
    )


def evaluate(
    dataset: str = "generated",
    holdout: float = 0.2,
    sample: int = 1000,
    k: int = 10,
    seed: int = 1,
    variants: bool = False,
) -> dict:
    """Run the split and both (or, with `variants`, four) recommenders; returns a report."""
    members = dataset_members(dataset)
    interactions = Interaction.objects.filter(member__in=members)
    cutoff = split_cutoff(interactions, holdout)
    if cutoff is None:
        raise ValueError("not enough interactions")
    truth = held_out(interactions, cutoff)
    ids = sorted(truth)
    if len(ids) > sample:
        ids = sorted(random.Random(seed).sample(ids, sample))
    people = {m.pk: m for m in User.objects.filter(pk__in=ids).only("pk", "home_branch_id")}
    catalogue_size = CatalogueItem.objects.active().count()
    started = time.perf_counter()
    snapshot: Snapshot = compute_snapshot(before=cutoff)
    snapshot_seconds = time.perf_counter() - started

    configurations = {"recommender": WEIGHTS}
    if variants:
        configurations["content only"] = {"content": 1.0, "collaborative": 0.0, "popularity": 0.0}
        configurations["collaborative only"] = {
            "content": 0.0,
            "collaborative": 1.0,
            "popularity": 0.0,
        }
    rows = []
    for name, weights in configurations.items():
        suggested = {}
        started = time.perf_counter()
        for member_id in ids:
            profile = member_profile(people[member_id], before=cutoff)
            scored = score_member(profile, snapshot, k, before=cutoff, weights=weights)
            suggested[member_id] = [s.item_id for s in scored if s.score > 0]
        rows.append(_row(name, suggested, truth, catalogue_size, time.perf_counter() - started, k))

    started = time.perf_counter()
    baseline = {}
    for member_id in ids:
        seen = set(
            Interaction.objects.filter(member_id=member_id, created_at__lt=cutoff).values_list(
                "item_id", flat=True
            )
        )
        baseline[member_id] = [i for i in snapshot.ranked if i not in seen][:k]
    rows.append(
        _row("popularity", baseline, truth, catalogue_size, time.perf_counter() - started, k)
    )

    return {
        "dataset": dataset,
        "k": k,
        "holdout": holdout,
        "cutoff": cutoff.isoformat(),
        "interactions": interactions.count(),
        "members_with_new_items": len(truth),
        "members_evaluated": len(ids),
        "catalogue_items": catalogue_size,
        "snapshot_seconds": round(snapshot_seconds, 2),
        "rows": [asdict(row) for row in rows],
    }
