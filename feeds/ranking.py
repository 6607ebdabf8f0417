"""How much an entry matters to a member, and why — pure functions, no database access.

score = interest match × W_INTEREST + proximity × W_PROXIMITY + engagement × W_ENGAGEMENT
        + freshness (in days since EPOCH) / DAYS_PER_POINT − "not interested" penalties

* interest: 1.0 when the member follows one of the content's interests, 0.8 when they follow
  its parent (Imaginaire for Science-fiction), 0.6 when they follow one of its children;
  posts: 0.9 in a community they joined, 0.85 by someone they follow.
* proximity: 1.0 at the member's home branch, then exp(−distance / DISTANCE_SCALE_KM) × 0.9;
  0.5 for network-wide content, 0.4 when the member's location is unknown.
* freshness: the publication date ("hot" ranking: a day newer is worth 1 / DAYS_PER_POINT
  points, so the stored score never needs ageing); events count from when the entry is
  written, plus up to 3 days when they start soon, minus up to 7 when they start far ahead.
  Past events are never scored.
* engagement: reactions and comments (posts), confirmed registrations (events), on a log scale.
* diversity is applied when a page is read (`diversify`): never more than two consecutive
  entries of the same kind or of the same community.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import TypeVar

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from cms.geo import haversine_km
from cms.kinds import FeedKind

EPOCH = datetime(2025, 1, 1, tzinfo=UTC)
W_INTEREST = 4.0
W_PROXIMITY = 3.0
W_ENGAGEMENT = 1.0
DAYS_PER_POINT = 2.0
DISTANCE_SCALE_KM = 15.0
NETWORK_WIDE = 0.5
UNKNOWN_PLACE = 0.4
ENGAGEMENT_SATURATION = 30
SIMILAR_PENALTY = 6.0  # same kind and interest, or same community: three days' worth and more
MAX_CONSECUTIVE = 2

DIRECT, PARENT_FOLLOWED, CHILD_FOLLOWED = 1.0, 0.8, 0.6
IN_COMMUNITY, AUTHOR_FOLLOWED = 0.9, 0.85


@dataclass(frozen=True)
class InterestFact:
    id: int
    name: str
    parent_id: int | None = None


@dataclass(frozen=True)
class BranchFact:
    id: int
    name: str
    lat: float
    lon: float


@dataclass
class ContentFacts:
    """What ranking needs to know about one piece of content."""

    kind: str
    pk: int
    title: str = ""
    interests: tuple[InterestFact, ...] = ()
    branches: tuple[BranchFact, ...] = ()
    published_at: datetime | None = None
    start: datetime | None = None
    end: datetime | None = None
    community_id: int | None = None
    community_title: str = ""
    author_id: int | None = None
    author_name: str = ""
    engagement: int = 0
    reason: str = ""  # precomputed (suggested catalogue items: the recommender's explanation)
    base: float | None = None  # precomputed relevance in 0..1 (suggested items)
    series_key: str = ""  # events: the series its sessions share (EventPage.series_key)


@dataclass
class MemberFacts:
    """What ranking needs to know about one member."""

    id: int
    followed: dict[int, InterestFact] = field(default_factory=dict)
    lat: float | None = None
    lon: float | None = None
    home_branch_id: int | None = None
    communities: frozenset[int] = frozenset()
    followed_authors: frozenset[int] = frozenset()
    dismissed: frozenset[tuple[str, int]] = frozenset()
    dismissed_interests: frozenset[tuple[str, int]] = frozenset()
    dismissed_communities: frozenset[int] = frozenset()
    dismissed_series: frozenset[str] = frozenset()

    def has_dismissed(self, content: ContentFacts) -> bool:
        """The member said "not interested" to this entry, or to a session of its series."""
        return (content.kind, content.pk) in self.dismissed or (
            bool(content.series_key) and content.series_key in self.dismissed_series
        )

    @property
    def has_location(self) -> bool:
        return self.lat is not None and self.lon is not None


@dataclass(frozen=True)
class Scored:
    score: float
    reason: str
    interest_id: int | None
    community_id: int | None


@dataclass(frozen=True)
class Proximity:
    value: float
    branch: BranchFact | None = None
    distance_km: float | None = None
    is_home: bool = False


# --- components ----------------------------------------------------------------------------


def interest_match(
    member: MemberFacts, content: ContentFacts
) -> tuple[float, InterestFact | None, int | None]:
    """(level, the followed interest that matched, the content interest it matched)."""
    best: tuple[float, InterestFact | None, int | None] = (0.0, None, None)
    followed = member.followed
    for interest in content.interests:
        if interest.id in followed:
            candidate = (DIRECT, followed[interest.id], interest.id)
        elif interest.parent_id is not None and interest.parent_id in followed:
            candidate = (PARENT_FOLLOWED, followed[interest.parent_id], interest.id)
        else:
            child = next((f for f in followed.values() if f.parent_id == interest.id), None)
            if child is None:
                continue
            candidate = (CHILD_FOLLOWED, child, interest.id)
        if candidate[0] > best[0]:
            best = candidate
            if best[0] == DIRECT:
                break
    return best


def proximity(member: MemberFacts, content: ContentFacts) -> Proximity:
    if not content.branches:
        return Proximity(NETWORK_WIDE)
    for branch in content.branches:
        if branch.id == member.home_branch_id:
            return Proximity(1.0, branch, None, True)
    if not member.has_location:
        return Proximity(UNKNOWN_PLACE, content.branches[0])
    distance, branch = min(
        ((haversine_km(member.lat, member.lon, b.lat, b.lon), b) for b in content.branches),
        key=lambda pair: (pair[0], pair[1].name),
    )
    return Proximity(0.9 * math.exp(-distance / DISTANCE_SCALE_KM), branch, distance)


def freshness_days(content: ContentFacts, now: datetime) -> float | None:
    """Days since EPOCH the content counts as published; None for a past event."""
    if content.kind == FeedKind.EVENT:
        if content.end is not None and content.end < now:
            return None
        start = content.start or now
        days_until = max(0.0, (start - now).total_seconds() / 86400)
        bonus = max(-7.0, min(3.0, 3.0 - days_until / 3.0))
        return (now - EPOCH).total_seconds() / 86400 + bonus
    published = content.published_at or now
    return (published - EPOCH).total_seconds() / 86400


def engagement(count: int) -> float:
    if count <= 0:
        return 0.0
    return min(1.0, math.log1p(count) / math.log1p(ENGAGEMENT_SATURATION))


def in_audience(
    member: MemberFacts, content: ContentFacts, audience_km: float | None = None
) -> bool:
    """Whether the content belongs in this member's feed at all (fan-out and rebuilds agree)."""
    if content.kind == FeedKind.POST:
        return (
            content.community_id in member.communities
            or content.author_id in member.followed_authors
        )
    if content.kind == FeedKind.ITEM:
        return True  # chosen for this member by the recommender
    if content.interests and interest_match(member, content)[0] <= 0:
        return False
    if content.branches:
        near = proximity(member, content)
        if near.is_home or not member.has_location:
            return True
        limit = audience_km if audience_km is not None else settings.FEED_AUDIENCE_KM
        return near.distance_km is not None and near.distance_km <= limit
    return True


# --- the score -----------------------------------------------------------------------------


def _km(distance: float) -> str:
    if distance < 1:
        return _("less than 1 km")
    if distance < 10:
        return _("%(km)s km") % {"km": f"{distance:.1f}".replace(".", ",")}
    return _("%(km)s km") % {"km": int(round(distance))}


def _km_key(distance: float) -> float:
    """The distance as shown (under 1 km, one decimal under 10 km, whole km beyond)."""
    if distance < 1:
        return 0.0
    return round(distance, 1) if distance < 10 else float(int(round(distance)))


@lru_cache(maxsize=8192)
def _reason(
    language: str,
    why: tuple[str, str],
    branch: str,
    is_home: bool,
    distance: float | None,
) -> str:
    """The reason text, cached: a fan-out to thousands of members repeats a few variants."""
    kind, value = why
    with translation.override(language):
        parts = []
        if kind == "given":
            parts.append(value)
        elif kind == "community":
            parts.append(_("In your community %(community)s") % {"community": value})
        elif kind == "person":
            parts.append(_("Because you follow %(name)s") % {"name": value})
        elif kind == "interest":
            parts.append(_("Because you follow %(interest)s") % {"interest": value})
        if branch:
            if is_home:
                parts.append(_("%(branch)s, your médiathèque") % {"branch": branch})
            elif distance is not None:
                parts.append(
                    _("%(branch)s, %(distance)s") % {"branch": branch, "distance": _km(distance)}
                )
            else:
                parts.append(branch)
        if not parts:
            parts.append(_("News from the network of médiathèques"))
        return " · ".join(parts)


def explain(member: MemberFacts, content: ContentFacts, match, near: Proximity) -> str:
    """ "Parce que vous suivez Science-fiction · Médiathèque de l'Alcazar, 3 km" (in French)."""
    _level, followed, _content_interest = match
    if content.reason:
        why = ("given", content.reason)
    elif content.kind == FeedKind.POST and content.community_id in member.communities:
        why = ("community", content.community_title)
    elif content.kind == FeedKind.POST and content.author_id in member.followed_authors:
        why = ("person", content.author_name)
    elif followed is not None:
        why = ("interest", followed.name)
    else:
        why = ("", "")
    show_branch = content.kind != FeedKind.ITEM and near.branch is not None
    return _reason(
        settings.LANGUAGE_CODE,
        why,
        near.branch.name if show_branch else "",
        near.is_home,
        _km_key(near.distance_km) if near.distance_km is not None else None,
    )


def score(member: MemberFacts, content: ContentFacts, now: datetime) -> Scored | None:
    """The member's score for this content and the reason shown, or None: a past event, or
    an entry (or a session of a series) the member said they are not interested in."""
    fresh = freshness_days(content, now)
    if fresh is None or member.has_dismissed(content):
        return None
    match = interest_match(member, content)
    level = match[0]
    if content.kind == FeedKind.POST:
        if content.community_id in member.communities:
            level = max(level, IN_COMMUNITY)
        elif content.author_id in member.followed_authors:
            level = max(level, AUTHOR_FOLLOWED)
    if content.base is not None:
        level = max(level, content.base)
    elif not content.interests and content.kind != FeedKind.POST:
        level = max(level, 0.3)  # untargeted content: everyone's a little concerned
    near = proximity(member, content)
    value = (
        W_INTEREST * level
        + W_PROXIMITY * near.value
        + W_ENGAGEMENT * engagement(content.engagement)
        + fresh / DAYS_PER_POINT
    )
    interest_id = match[2]
    if interest_id is None and content.interests:
        interest_id = content.interests[0].id
    if (interest_id is not None and (content.kind, interest_id) in member.dismissed_interests) or (
        content.community_id is not None and content.community_id in member.dismissed_communities
    ):
        value -= SIMILAR_PENALTY
    return Scored(value, explain(member, content, match, near), interest_id, content.community_id)


# --- diversity -----------------------------------------------------------------------------

T = TypeVar("T")


def _breaks_rule(tail: Sequence[str | None], value: str | None) -> bool:
    if value is None or len(tail) < MAX_CONSECUTIVE:
        return False
    return all(previous == value for previous in tail[-MAX_CONSECUTIVE:])


def diversify(
    candidates: Iterable[T],
    limit: int,
    *,
    kind: Callable[[T], str],
    community: Callable[[T], int | None],
    tail_kinds: Sequence[str] = (),
    tail_communities: Sequence[int | None] = (),
    more_coming: bool = False,
) -> tuple[list[T], list[T]]:
    """Pick up to `limit` candidates (given best first) so that no more than two consecutive
    entries share a kind or a community; the tails carry the end of the previous page.
    When every remaining candidate would break the rule, a page at least half full stops
    there if more candidates are coming (they go first on the next page, with other kinds);
    otherwise the best one is taken, and the page goes on to its end: the candidates hold
    nothing else to mix in (a feed of events only would else show two entries a page).
    Returns (picked in display order, the candidates left over, best first)."""
    remaining = list(candidates)
    picked: list[T] = []
    repeated = False
    kinds = list(tail_kinds)[-MAX_CONSECUTIVE:]
    communities = list(tail_communities)[-MAX_CONSECUTIVE:]
    while remaining and len(picked) < limit:
        index = next(
            (
                i
                for i, c in enumerate(remaining)
                if not _breaks_rule(kinds, kind(c)) and not _breaks_rule(communities, community(c))
            ),
            None,
        )
        if index is None:
            if more_coming and not repeated and len(picked) * 2 >= limit:
                break  # leave them for the next page, where other kinds come in
            index = 0  # nothing else to show: better a repeat than a hole
            repeated = True
        chosen = remaining.pop(index)
        picked.append(chosen)
        kinds = (kinds + [kind(chosen)])[-MAX_CONSECUTIVE:]
        communities = (communities + [community(chosen)])[-MAX_CONSECUTIVE:]
    return picked, remaining


def since(now: datetime, days: int) -> datetime:
    return now - timedelta(days=days)
