"""Scoring: content-based, collaborative and branch popularity, blended with explanations.

Every signal works on ids in a fixed number of queries (the member's interests, the member's
interactions, one co-occurrence aggregate, the candidates' popularity, one long-tail query
by interest); the caller hydrates the chosen items in one more query.

- content: items tagged with an interest the member follows, or a parent or child of one
  (taxonomy family), most popular first, then the newest of the long tail; each interest
  weighted by how much the member uses it (the interests of their recent items);
- collaborative: item-item similarity from the member's most recent items. Learned in the
  background from every community signal (:mod:`.similarity`: interactions, supports of
  purchase suggestions, posts about items, registrations to events featuring items) and
  read from `feeds.ItemNeighbour`; before the first training (or for items the model has
  not seen yet), the live co-occurrence of interactions (members who interacted with
  both), cosine-normalised and shrunk for rare pairs;
- popularity: the most interacted-with items held at the member's home branch (or in the
  whole network without a home branch), which also serves the cold start without interests.

The suggestions take turns across the member's interests, an interest they use much more
than the others taking more places (:func:`spread_across_interests`).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection
from django.db.models import Count, Q

from cms.models import CatalogueItem, Interest
from community.models import FollowedInterest, Interaction

from .signals import SIGNALS, signal_rows
from .snapshot import Snapshot

WEIGHTS = {"collaborative": 0.4, "content": 0.3, "popularity": 0.3}
SEED_ITEMS = 30
PAIR_ROWS = 1000
SEED_ROWS = 500
NETWORK_DISCOUNT = 0.7
READER_ITEMS = 50
# Candidates per signal: a multiple of the limit, so the work does not grow with the catalogue.
CANDIDATES_PER_LIMIT = 5
MIN_CANDIDATES = 50
SHRINK = 2.0
# Interest relation to what the member follows → weight.
FOLLOWED, CHILD_OF_FOLLOWED, PARENT_OF_FOLLOWED = 1.0, 0.8, 0.4
# Discount per item an interest already placed in the suggestions (spread_across_interests).
SPREAD_DECAY = 0.6
# Weight kept by an interest the member follows but has not used lately (see interest_weight).
USED_FLOOR = 0.5


@dataclass
class Because:
    """Why an item scored: which signal, and what it refers to (an interest, an item…)."""

    kind: str  # "interest" | "item" | "branch" | "network"
    ref: int | None = None
    label: str = ""


@dataclass
class Scored:
    item_id: int
    score: float
    because: Because
    parts: dict[str, float] = field(default_factory=dict)


@dataclass
class MemberProfile:
    member_id: int
    home_branch_id: int | None
    interests: dict[int, tuple[float, str]]  # interest id → (weight, followed interest name)
    seen: set[int]
    seeds: list[tuple[int, float]]  # (item id, weight), most recent first
    # interest id → 0..1, how much of what the member signalled lately is tagged with it
    # (1 for the interest they use most); empty without history.
    used: dict[int, float] = field(default_factory=dict)


def member_profile(
    member, before: datetime | None = None, signals: tuple[str, ...] = SIGNALS
) -> MemberProfile:
    """The member's interest family and what they signalled about items (`signals`, see
    :mod:`.signals`; one query each), in two more queries."""
    followed = list(
        FollowedInterest.objects.filter(user_id=member.pk).values_list(
            "interest_id", "interest__parent_id", "interest__name"
        )
    )
    interests: dict[int, tuple[float, str]] = {}
    followed_ids = {pk for pk, _parent, _name in followed}
    if followed:
        names = {pk: name for pk, _parent, name in followed}
        parent_of = {pk: parent for pk, parent, _name in followed if parent}
        for pk, name in names.items():
            interests[pk] = (FOLLOWED, name)
        family = Interest.objects.filter(
            Q(parent_id__in=followed_ids) | Q(pk__in=parent_of.values())
        )
        for pk, parent_id in family.values_list("pk", "parent_id"):
            if pk in interests:
                continue
            if parent_id in followed_ids:
                interests[pk] = (CHILD_OF_FOLLOWED, names[parent_id])
            else:
                child = min(c for c, p in parent_of.items() if p == pk)
                interests[pk] = (PARENT_OF_FOLLOWED, names[child])
    # What the member signalled (one query per signal), most recent first.
    history = sorted(
        signal_rows(signals, members=[member.pk], before=before),
        key=lambda row: (row.when, row.weight, row.item_id),
        reverse=True,
    )
    seen: set[int] = set()
    seeds: list[tuple[int, float]] = []
    for row in history:
        if row.item_id not in seen and len(seeds) < SEED_ITEMS:
            recency = 1.0 / (1.0 + 0.05 * len(seeds))
            seeds.append((row.item_id, row.weight * recency))
        seen.add(row.item_id)
    used: dict[int, float] = {}
    if seeds and interests:
        # Which of their interests the member actually uses (one query): a reader who
        # follows eight subjects but borrows crime novels gets more crime novels.
        seed_weight = dict(seeds)
        through = CatalogueItem.interests.through
        for item_id, interest_id in through.objects.filter(
            catalogueitem_id__in=list(seed_weight), interest_id__in=list(interests)
        ).values_list("catalogueitem_id", "interest_id"):
            used[interest_id] = used.get(interest_id, 0.0) + seed_weight[item_id]
        top = max(used.values(), default=0.0)
        used = {pk: value / top for pk, value in used.items()} if top else {}
    return MemberProfile(
        member_id=member.pk,
        home_branch_id=getattr(member, "home_branch_id", None),
        interests=interests,
        seen=seen,
        seeds=seeds,
        used=used,
    )


def interest_weight(profile: MemberProfile, interest_id: int) -> float:
    """The interest's weight for the member: its relation to what they follow (followed,
    child, parent), scaled by how much they use it when they have a history with their
    interests (USED_FLOOR for an interest they follow but never used)."""
    weight = profile.interests[interest_id][0]
    if not profile.used:
        return weight
    return weight * (USED_FLOOR + (1 - USED_FLOOR) * profile.used.get(interest_id, 0.0))


# --- signals --------------------------------------------------------------------------------


def content_scores(
    profile: MemberProfile, snapshot: Snapshot, exclude: set[int], per_list: int = MIN_CANDIDATES
) -> dict[int, tuple[float, int]]:
    """item id → (0..1 score, interest id it matched), for the member's interest family."""
    scores: dict[int, tuple[float, int]] = {}

    def offer(item_id: int, value: float, interest_id: int) -> None:
        if item_id in exclude:
            return
        if item_id not in scores or scores[item_id][0] < value:
            scores[item_id] = (value, interest_id)

    for interest_id in profile.interests:
        weight = interest_weight(profile, interest_id)
        offered = 0
        for item_id in snapshot.by_interest.get(interest_id, ()):
            if offered >= per_list:
                break
            offered += item_id not in exclude
            offer(item_id, weight * (0.5 + 0.5 * snapshot.popularity(item_id)), interest_id)
    if profile.interests and per_list:
        # The long tail (nothing popular yet): the latest items added with those interests
        # (walks the (item, interest) index backwards; withdrawn ones go at hydration).
        through = CatalogueItem.interests.through
        rows = (
            through.objects.filter(interest_id__in=list(profile.interests))
            .order_by("-catalogueitem_id")
            .values_list("catalogueitem_id", "interest_id")[: per_list + min(len(exclude), 1000)]
        )
        for item_id, interest_id in rows:
            offer(item_id, interest_weight(profile, interest_id) * 0.45, interest_id)
    return scores


def collaborative_scores(
    profile: MemberProfile,
    exclude: set[int],
    before: datetime | None = None,
    snapshot: Snapshot | None = None,
) -> dict[int, tuple[float, int]]:
    """item id → (0..1 score, seed item that contributed most), from co-occurrences."""
    if not profile.seeds:
        return {}
    seed_weight = dict(profile.seeds)
    seed_ids = list(seed_weight)
    # Bounded whatever the popularity of the seeds or the activity of their readers: the
    # SEED_ROWS most recent interactions with the seeds, and for each of those readers their
    # READER_ITEMS most recent items (window function: SQLite ≥ 3.25 and PostgreSQL).
    # Plain SQL: the ORM cannot join a windowed subquery to another one (the pairs).
    table = connection.ops.quote_name(Interaction._meta.db_table)
    window = "AND created_at < %s" if before is not None else ""
    stamp = connection.ops.adapt_datetimefield_value(before) if before is not None else None
    sql = f"""
        WITH seed AS (
            SELECT item_id, member_id FROM {table}
            WHERE item_id IN ({", ".join(["%s"] * len(seed_ids))}) AND member_id <> %s {window}
            ORDER BY created_at DESC LIMIT %s
        ),
        other AS (
            SELECT member_id, item_id FROM (
                SELECT member_id, item_id, ROW_NUMBER() OVER (
                    PARTITION BY member_id ORDER BY created_at DESC
                ) AS position
                FROM {table}
                WHERE member_id IN (SELECT member_id FROM seed) {window}
            ) ranked
            WHERE position <= %s
        )
        SELECT seed.item_id, other.item_id, COUNT(DISTINCT other.member_id) AS n
        FROM seed JOIN other ON other.member_id = seed.member_id AND other.item_id <> seed.item_id
        GROUP BY seed.item_id, other.item_id
        ORDER BY n DESC, other.item_id
        LIMIT %s
    """  # noqa: S608 (identifiers quoted by the backend, values as parameters)
    params: list = [*seed_ids, profile.member_id]
    if before is not None:
        params.append(stamp)
    params.append(SEED_ROWS)
    if before is not None:
        params.append(stamp)
    params += [READER_ITEMS, PAIR_ROWS]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = [
            (seed, item_id, n)
            for seed, item_id, n in cursor.fetchall()
            if item_id not in exclude and item_id not in seed_weight
        ]
    if not rows:
        return {}
    # How many members interacted with each item (the popular ones are in the snapshot).
    known = snapshot.counts if snapshot is not None else {}
    counted = {seed for seed, _item, _n in rows} | {item for _seed, item, _n in rows}
    members = {pk: known[pk] for pk in counted if pk in known}
    missing = counted - members.keys()
    if missing:
        population = Interaction.objects.filter(item_id__in=missing)
        if before is not None:
            population = population.filter(created_at__lt=before)
        members |= dict(
            population.values("item_id")
            .annotate(n=Count("member_id", distinct=True))
            .values_list("item_id", "n")
        )
    total: dict[int, float] = defaultdict(float)
    best: dict[int, tuple[float, int]] = {}
    for seed, item_id, n in rows:
        cosine = n / math.sqrt(max(members.get(seed, n), 1) * max(members.get(item_id, n), 1))
        contribution = seed_weight[seed] * cosine * n / (n + SHRINK)
        total[item_id] += contribution
        if item_id not in best or best[item_id][0] < contribution:
            best[item_id] = (contribution, seed)
    return {item_id: (min(1.0, value), best[item_id][1]) for item_id, value in total.items()}


def learned_scores(
    profile: MemberProfile, exclude: set[int], neighbours
) -> dict[int, tuple[float, int]]:
    """item id → (0..1 score, seed item that contributed most), from the learned item-item
    similarities of the member's seeds (`neighbours`: a model with ``pairs(seed_ids)``)."""
    if not profile.seeds:
        return {}
    seed_weight = dict(profile.seeds)
    total: dict[int, float] = defaultdict(float)
    best: dict[int, tuple[float, int]] = {}
    for seed, item_id, similarity in neighbours.pairs(list(seed_weight)):
        if item_id in exclude or item_id in seed_weight:
            continue
        contribution = seed_weight[seed] * similarity
        total[item_id] += contribution
        if item_id not in best or best[item_id] < (contribution, -seed):
            best[item_id] = (contribution, -seed)
    return {item_id: (min(1.0, value), -best[item_id][1]) for item_id, value in total.items()}


def popularity_scores(
    profile: MemberProfile, snapshot: Snapshot, exclude: set[int], per_list: int = MIN_CANDIDATES
) -> tuple[dict[int, float], bool]:
    """item id → 0..1 popularity at the home branch (or in the network); True if by branch."""
    by_branch = profile.home_branch_id is not None and bool(
        snapshot.by_branch.get(profile.home_branch_id)
    )
    ids = snapshot.by_branch[profile.home_branch_id] if by_branch else snapshot.ranked
    scores: dict[int, float] = {}
    for item_id in ids:
        if len(scores) >= per_list:
            break
        if item_id not in exclude:
            scores[item_id] = snapshot.popularity(item_id)
    return scores, by_branch


# --- blend ----------------------------------------------------------------------------------


def score_member(
    profile: MemberProfile,
    snapshot: Snapshot,
    limit: int,
    exclude_ids=(),
    before: datetime | None = None,
    weights: dict[str, float] | None = None,
    neighbours=None,
) -> list[Scored]:
    """The member's best `limit` item ids with their blended score and main reason.

    `neighbours`: the learned item-item model (:mod:`.similarity`); without one, or when it
    knows none of the member's items, the live co-occurrence of interactions."""
    weights = weights or WEIGHTS
    exclude = profile.seen | set(exclude_ids)
    per_list = max(MIN_CANDIDATES, CANDIDATES_PER_LIMIT * limit)
    content = content_scores(profile, snapshot, exclude, per_list)
    collaborative = learned_scores(profile, exclude, neighbours) if neighbours else {}
    if not collaborative:
        collaborative = collaborative_scores(profile, exclude, before, snapshot)
    popular, by_branch = popularity_scores(profile, snapshot, exclude, per_list)
    results: list[Scored] = []
    for item_id in set(content) | set(collaborative) | set(popular):
        parts = {
            "content": content[item_id][0] if item_id in content else 0.0,
            "collaborative": collaborative[item_id][0] if item_id in collaborative else 0.0,
            # Popular at the branch, else popularity in the network as a prior (discounted).
            "popularity": popular.get(item_id, NETWORK_DISCOUNT * snapshot.popularity(item_id)),
        }
        weighted = {name: weights[name] * value for name, value in parts.items()}
        if not any(weighted.values()):
            continue  # only signals weighted 0 (evaluation variants)
        # Explained by the most personal signal that contributed; popularity only alone.
        personal = {n: weighted[n] for n in ("collaborative", "content") if weighted[n] > 0}
        main = max(personal, key=personal.__getitem__) if personal else "popularity"
        if main == "collaborative":
            because = Because("item", collaborative[item_id][1])
        elif main == "content":
            interest_id = content[item_id][1]
            because = Because("interest", interest_id, profile.interests[interest_id][1])
        else:
            because = Because("branch" if by_branch else "network", profile.home_branch_id)
        score = min(1.0, max(0.0, sum(weighted.values())))
        results.append(Scored(item_id, score, because, parts))
    results.sort(key=lambda s: (-s.score, s.item_id))
    return spread_across_interests(results, content, limit)


def spread_across_interests(
    results: list[Scored],
    content: dict[int, tuple[float, int]],
    limit: int | None = None,
    decay: float = SPREAD_DECAY,
) -> list[Scored]:
    """`results` (best first) re-ordered so that the member's interests take turns: items
    are grouped by the interest they matched (the items matching none of them — popular at
    the branch, read by similar members — form one more group), and each next place goes
    to the group whose best remaining item has the best score once discounted by `decay`
    for every item that group already placed. Equal scores alternate (a member following
    science fiction, cooking and video games sees all three, not ten games in a row); an
    interest the member uses much more than the others can take more places. `decay` 0:
    strict turns. Within a group the order is kept; ties go to the group whose best item
    came first."""
    groups: dict[int | None, list[Scored]] = {}
    for scored in results:
        interest_id = content[scored.item_id][1] if scored.item_id in content else None
        groups.setdefault(interest_id, []).append(scored)
    queues = [(rank, queue) for rank, queue in enumerate(groups.values())]
    placed = [0] * len(queues)
    heads = [0] * len(queues)
    spread: list[Scored] = []
    wanted = len(results) if limit is None else min(limit, len(results))
    while len(spread) < wanted:
        best = None
        for n, (_rank, queue) in enumerate(queues):
            if heads[n] >= len(queue):
                continue
            # Strict turns (decay 0): the group that placed least.
            value = queue[heads[n]].score * decay ** placed[n] if decay else -placed[n]
            if best is None or value > best[0]:
                best = (value, n)
        n = best[1]
        spread.append(queues[n][1][heads[n]])
        heads[n] += 1
        placed[n] += 1
    return spread
