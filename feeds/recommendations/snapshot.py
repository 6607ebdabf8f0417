"""Popularity snapshot: the most interacted-with items, overall, per branch and per interest.

Computed in three queries (one aggregate over the recent interactions, then the holdings
and the interests of the top items) and cached. The cache key carries the newest
interaction (id and time), so a new interaction gives a new snapshot on the next call and a
quiet site reuses the same one until it expires.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db.models import Count
from django.utils import timezone

from cms.models import CatalogueItem, Holding
from community.models import Interaction

TOP_ITEMS = 5000
PER_LIST = 300
WINDOW_DAYS = 365
CACHE_SECONDS = 600


@dataclass
class Snapshot:
    """`counts`: item id → distinct members who interacted (top items only)."""

    counts: dict[int, int] = field(default_factory=dict)
    by_branch: dict[int, list[int]] = field(default_factory=dict)
    by_interest: dict[int, list[int]] = field(default_factory=dict)
    ranked: list[int] = field(default_factory=list)
    max_count: int = 0

    def popularity(self, item_id: int) -> float:
        """0..1, log-scaled against the most popular item."""
        count = self.counts.get(item_id, 0)
        if not self.max_count or not count:
            return 0.0
        return math.log1p(count) / math.log1p(self.max_count)


def compute_snapshot(before: datetime | None = None) -> Snapshot:
    """The snapshot of the interactions in the WINDOW_DAYS before `before` (default: now)."""
    end = before or timezone.now()
    rows = (
        Interaction.objects.filter(
            created_at__lt=end,
            created_at__gte=end - timedelta(days=WINDOW_DAYS),
            item__withdrawn=False,
        )
        .values("item_id")
        .annotate(n=Count("member_id", distinct=True))
        .order_by("-n", "item_id")[:TOP_ITEMS]
    )
    counts = {row["item_id"]: row["n"] for row in rows}
    ranked = list(counts)
    order = {item_id: rank for rank, item_id in enumerate(ranked)}
    by_branch: dict[int, list[int]] = defaultdict(list)
    by_interest: dict[int, list[int]] = defaultdict(list)
    if ranked:
        for item_id, branch_id in (
            Holding.objects.filter(item_id__in=ranked)
            .values_list("item_id", "branch_id")
            .distinct()
        ):
            by_branch[branch_id].append(item_id)
        through = CatalogueItem.interests.through
        for item_id, interest_id in through.objects.filter(catalogueitem_id__in=ranked).values_list(
            "catalogueitem_id", "interest_id"
        ):
            by_interest[interest_id].append(item_id)
    for lists in (by_branch, by_interest):
        for key, ids in lists.items():
            lists[key] = sorted(set(ids), key=order.__getitem__)[:PER_LIST]
    return Snapshot(
        counts=counts,
        by_branch=dict(by_branch),
        by_interest=dict(by_interest),
        ranked=ranked,
        max_count=max(counts.values(), default=0),
    )


def current_snapshot() -> Snapshot:
    """The cached snapshot of the interactions up to now."""
    newest = Interaction.objects.order_by("-pk").values_list("pk", "created_at").first()
    if newest is None:
        return Snapshot()
    key = f"feeds:recommendations:snapshot:{newest[0]}:{newest[1].timestamp()}"
    snapshot = cache.get(key)
    if snapshot is None:
        snapshot = compute_snapshot()
        cache.set(key, snapshot, CACHE_SECONDS)
    return snapshot
