"""Offline evaluation: a time-based held-out split of the interactions.

The cutoff is the moment before which (1 − holdout) of the dataset's interactions happened.
Everything before it is what the recommender may know (history, co-occurrences, popularity
snapshot); for each sampled member with at least one *new* item after it (an item they had
not interacted with before the cutoff), we ask for 10 suggestions and compare:

- precision@k: hits / k, averaged over members;
- recall@k: hits / number of the member's new items, averaged over members;
- coverage: distinct items suggested to all sampled members / active catalogue items;
- novelty: mean self-information of the suggested items, −log2((n + 1) / (N + 1)) bits,
  n the members who interacted with the item before the cutoff, N all members who
  interacted before it (higher: less obvious suggestions).

Rows, all on the same split and members: the popularity baseline (the k most popular items
before the cutoff that the member had not interacted with yet), the *current* recommender
(interactions only, live co-occurrence), and the *community* recommender (every signal of
:mod:`.signals`, item-item similarities learned by :mod:`.similarity` on what happened
before the cutoff). With `variants`: the community recommender without each signal in turn
(the signal left out of both the training and the members' profiles), and content or
collaborative alone.

No leakage: the held-out interactions are after the cutoff; every signal used for training
or for a member's profile is before it (a support counts once both it and the suggestion's
match with an item are); the popularity snapshot and the novelty counts are before it.
"""

from __future__ import annotations

import math
import random
import time
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from datetime import datetime

from django.db.models import Count

from cms.models import CatalogueItem
from community.models import FollowedInterest, Interaction, User

from .engine import WEIGHTS, member_profile, score_member
from .signals import SIGNALS, signal_rows
from .similarity import train
from .snapshot import Snapshot, compute_snapshot

GENERATED_SUFFIX = "@generated.invalid"
# The community recommender's blend (the learned similarities carry more than the live
# co-occurrence of interactions alone did).
COMMUNITY_WEIGHTS = WEIGHTS


@dataclass
class Row:
    name: str
    precision: float
    recall: float
    coverage: float
    novelty: float
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


def metrics(
    suggested: dict[int, list[int]],
    truth: dict[int, set[int]],
    catalogue_size: int,
    k: int,
    item_members: dict[int, int] | None = None,
    members_total: int = 0,
) -> dict[str, float]:
    """precision@k, recall@k, hit rate, coverage and novelty (unrounded) of `suggested`
    (member → items, best first) against `truth` (member → held-out items)."""
    k_hits = [len(set(suggested[m][:k]) & truth[m]) for m in suggested]
    n = max(len(suggested), 1)
    distinct = {i for items in suggested.values() for i in items[:k]}
    counts = item_members or {}
    bits = [
        -math.log2((counts.get(i, 0) + 1) / (members_total + 1))
        for items in suggested.values()
        for i in items[:k]
    ]
    return {
        "precision": sum(h / k for h in k_hits) / n,
        "recall": sum(h / len(truth[m]) for h, m in zip(k_hits, suggested, strict=True)) / n,
        "hit_rate": sum(1 for h in k_hits if h) / n,
        "coverage": len(distinct) / max(catalogue_size, 1),
        "novelty": sum(bits) / len(bits) if bits else 0.0,
    }


def _row(name, suggested, truth, catalogue_size, seconds, k, counts, total) -> Row:
    m = metrics(suggested, truth, catalogue_size, k, counts, total)
    n = max(len(suggested), 1)
    return Row(
        name=name,
        precision=round(m["precision"], 4),
        recall=round(m["recall"], 4),
        coverage=round(m["coverage"], 4),
        novelty=round(m["novelty"], 2),
        hit_rate=round(m["hit_rate"], 4),
        ms_per_member=round(1000 * seconds / n, 2),
    )


def interest_popularity(
    snapshot: Snapshot, interest_ids: set[int], seen: set[int], k: int
) -> list[int]:
    """The second baseline: the k items most popular before the cutoff among those tagged
    with an interest the member follows (the network's popularity when they follow none,
    or to fill up), that the member had not interacted with yet."""
    candidates = {
        i for interest_id in interest_ids for i in snapshot.by_interest.get(interest_id, ())
    }
    ranked = sorted(candidates - seen, key=lambda i: (-snapshot.counts.get(i, 0), i))[:k]
    if len(ranked) < k:
        chosen = set(ranked)
        ranked += [i for i in snapshot.ranked if i not in seen and i not in chosen][
            : k - len(ranked)
        ]
    return ranked


def evaluate(
    dataset: str = "generated",
    holdout: float = 0.2,
    sample: int = 1000,
    k: int = 10,
    seed: int = 1,
    variants: bool = False,
    validation: bool = False,
) -> dict:
    """Run the split and both (or, with `variants`, four) recommenders; returns a report.

    `validation`: the same split made again inside what happened before the cutoff (the
    held-out part never seen), for choosing parameters without looking at the test."""
    members = dataset_members(dataset)
    interactions = Interaction.objects.filter(member__in=members)
    cutoff = split_cutoff(interactions, holdout)
    if cutoff is not None and validation:
        interactions = interactions.filter(created_at__lt=cutoff)
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

    # Novelty's popularity: members who interacted with each item before the cutoff.
    past = interactions.filter(created_at__lt=cutoff)
    counts = dict(
        past.values("item_id")
        .annotate(n=Count("member_id", distinct=True))
        .values_list("item_id", "n")
    )
    total = past.values("member_id").distinct().count()

    # name → (signals, learned model or None for the live co-occurrence, blend weights)
    started = time.perf_counter()
    full_model = train(before=cutoff)
    training_seconds = time.perf_counter() - started
    configurations: dict[str, tuple[tuple[str, ...], object, dict[str, float]]] = {
        "current": (("interactions",), None, WEIGHTS),
        "community": (SIGNALS, full_model, COMMUNITY_WEIGHTS),
    }
    if variants:
        for left_out in SIGNALS:
            kept = tuple(s for s in SIGNALS if s != left_out)
            configurations[f"community without {left_out}"] = (
                kept,
                train(before=cutoff, signals=kept),
                COMMUNITY_WEIGHTS,
            )
        configurations["community content only"] = (
            SIGNALS,
            full_model,
            {"content": 1.0, "collaborative": 0.0, "popularity": 0.0},
        )
        configurations["community collaborative only"] = (
            SIGNALS,
            full_model,
            {"content": 0.0, "collaborative": 1.0, "popularity": 0.0},
        )
    rows = []
    for name, (signals, model, weights) in configurations.items():
        suggested = {}
        started = time.perf_counter()
        for member_id in ids:
            profile = member_profile(people[member_id], before=cutoff, signals=signals)
            scored = score_member(
                profile, snapshot, k, before=cutoff, weights=weights, neighbours=model
            )
            suggested[member_id] = [s.item_id for s in scored if s.score > 0]
        seconds = time.perf_counter() - started
        rows.append(_row(name, suggested, truth, catalogue_size, seconds, k, counts, total))

    started = time.perf_counter()
    baseline, seen_by_member = {}, {}
    for member_id in ids:
        seen = set(
            Interaction.objects.filter(member_id=member_id, created_at__lt=cutoff).values_list(
                "item_id", flat=True
            )
        )
        seen_by_member[member_id] = seen
        baseline[member_id] = [i for i in snapshot.ranked if i not in seen][:k]
    seconds = time.perf_counter() - started
    rows.insert(0, _row("popularity", baseline, truth, catalogue_size, seconds, k, counts, total))
    started = time.perf_counter()
    followed = defaultdict(set)
    for member_id, interest_id in FollowedInterest.objects.filter(user_id__in=ids).values_list(
        "user_id", "interest_id"
    ):
        followed[member_id].add(interest_id)
    by_interest = {
        member_id: interest_popularity(snapshot, followed[member_id], seen_by_member[member_id], k)
        for member_id in ids
    }
    seconds += time.perf_counter() - started
    rows.insert(
        1,
        _row("interest popularity", by_interest, truth, catalogue_size, seconds, k, counts, total),
    )
    signals_before = Counter(row.source for row in signal_rows(SIGNALS, before=cutoff))
    # What bounds any recommender on this split: how much the evaluated members did before
    # the cutoff, and how often their new items are among the network's most popular.
    history = sorted(len(seen_by_member[m]) for m in ids)
    new_items = [i for m in ids for i in truth[m]]
    top10, top100 = set(snapshot.ranked[:10]), set(snapshot.ranked[:100])
    diagnostics = {
        "history_items_median": history[len(history) // 2] if history else 0,
        "members_without_history": round(sum(1 for n in history if not n) / len(ids), 3),
        "new_items_per_member": round(len(new_items) / len(ids), 2),
        "new_items_in_network_top_10": round(
            sum(i in top10 for i in new_items) / len(new_items), 3
        ),
        "new_items_in_network_top_100": round(
            sum(i in top100 for i in new_items) / len(new_items), 3
        ),
    }

    return {
        "dataset": dataset,
        "validation": validation,
        "k": k,
        "holdout": holdout,
        "cutoff": cutoff.isoformat(),
        "interactions": interactions.count(),
        "members_with_new_items": len(truth),
        "members_evaluated": len(ids),
        "catalogue_items": catalogue_size,
        "snapshot_seconds": round(snapshot_seconds, 2),
        "training_seconds": round(training_seconds, 2),
        "item_neighbours": sum(len(v) for v in full_model.neighbours.values()),
        "signals_before_cutoff": dict(signals_before),
        "diagnostics": diagnostics,
        "rows": [asdict(row) for row in rows],
    }
