"""What members tell the network about catalogue items, as implicit feedback.

Four sources, each a row (member, item, weight, when):

- ``interactions``: `community.Interaction` — « Réserver » clicks, and the likes and « ça
  m'intéresse » on community posts that carry an item card (the reactions are recorded
  there already);
- ``supports``: « Moi aussi » (and the suggestion itself) on a purchase suggestion that an
  item in the catalogue answers — counted from the moment both the support and the match
  exist;
- ``posts``: a member's published community post that carries an item card;
- ``registrations``: a confirmed or waitlisted registration to an event that features an
  item — an event features the items carried by published community posts about the event
  (a post with both cards, « on en parle au club de lecture »), posted before the
  registration is counted.

« Ça m'intéresse » said on an item's own page is an INTERESTED interaction without a post,
read here like the one from a post. The members' reading lists (« À lire ») are not a
signal: they are the member's own notes, private unless they choose otherwise.

Everything takes `before`: only what happened before that moment is returned, which is how
the evaluation trains on the past and tests on the future without leakage.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from django.db.models import F
from django.db.models.functions import Greatest

from community.models import (
    EventRegistration,
    Interaction,
    Post,
    PurchaseSuggestion,
    SuggestionSupport,
)
from community.models.posts import ContentStatus

SIGNALS = ("interactions", "supports", "posts", "registrations")
WEIGHTS = {
    Interaction.Kind.RESERVATION_CLICK: 1.0,
    Interaction.Kind.LIKE: 0.9,
    Interaction.Kind.INTERESTED: 0.7,
    "support": 1.0,
    "post": 0.8,
    "registration": 0.6,
}


@dataclass(frozen=True)
class Signal:
    member_id: int
    item_id: int
    weight: float
    when: datetime
    source: str  # one of SIGNALS


def _interactions(members, before, since) -> Iterator[Signal]:
    rows = Interaction.objects.all()
    if members is not None:
        rows = rows.filter(member_id__in=members)
    if before is not None:
        rows = rows.filter(created_at__lt=before)
    if since is not None:
        rows = rows.filter(created_at__gte=since)
    for member_id, item_id, kind, when in rows.values_list(
        "member_id", "item_id", "kind", "created_at"
    ).iterator(chunk_size=20000):
        yield Signal(member_id, item_id, WEIGHTS.get(kind, 0.5), when, "interactions")


def _supports(members, before, since) -> Iterator[Signal]:
    rows = SuggestionSupport.objects.filter(
        suggestion__item__isnull=False,
        suggestion__status=PurchaseSuggestion.Status.AVAILABLE,
        suggestion__item__withdrawn=False,
    ).annotate(known=Greatest(F("created_at"), F("suggestion__status_changed_at")))
    if members is not None:
        rows = rows.filter(user_id__in=members)
    if before is not None:
        # The support, and the match with an item, both before the cutoff.
        rows = rows.filter(known__lt=before)
    if since is not None:
        rows = rows.filter(created_at__gte=since)
    for member_id, item_id, when in rows.values_list(
        "user_id", "suggestion__item_id", "created_at"
    ).iterator(chunk_size=20000):
        yield Signal(member_id, item_id, WEIGHTS["support"], when, "supports")


def _posts(members, before, since) -> Iterator[Signal]:
    rows = Post.objects.filter(catalogue_item__isnull=False, status=ContentStatus.PUBLISHED)
    if members is not None:
        rows = rows.filter(author_id__in=members)
    if before is not None:
        rows = rows.filter(created_at__lt=before)
    if since is not None:
        rows = rows.filter(created_at__gte=since)
    for member_id, item_id, when in rows.values_list(
        "author_id", "catalogue_item_id", "created_at"
    ).iterator(chunk_size=20000):
        yield Signal(member_id, item_id, WEIGHTS["post"], when, "posts")


def _registrations(members, before, since) -> Iterator[Signal]:
    # One join: registrations → event → the published posts about it carrying an item,
    # posted before the registration (what the member could have seen) and the cutoff.
    rows = EventRegistration.objects.filter(
        status__in=[EventRegistration.Status.CONFIRMED, EventRegistration.Status.WAITLISTED],
        event__community_posts__catalogue_item__isnull=False,
        event__community_posts__status=ContentStatus.PUBLISHED,
        event__community_posts__created_at__lte=F("created_at"),
    )
    if members is not None:
        rows = rows.filter(user_id__in=members)
    if before is not None:
        rows = rows.filter(created_at__lt=before)
    if since is not None:
        rows = rows.filter(created_at__gte=since)
    seen: set[tuple[int, int]] = set()
    for member_id, item_id, when in rows.values_list(
        "user_id", "event__community_posts__catalogue_item_id", "created_at"
    ).iterator(chunk_size=20000):
        if (member_id, item_id) in seen:
            continue
        seen.add((member_id, item_id))
        yield Signal(member_id, item_id, WEIGHTS["registration"], when, "registrations")


SOURCES = {
    "interactions": _interactions,
    "supports": _supports,
    "posts": _posts,
    "registrations": _registrations,
}


def signal_rows(
    signals: Iterable[str] = SIGNALS,
    members: Iterable[int] | None = None,
    before: datetime | None = None,
    since: datetime | None = None,
) -> Iterator[Signal]:
    """Every signal of the chosen sources (one query each), for `members` (default: all),
    that happened in [since, before)."""
    unknown = set(signals) - set(SOURCES)
    if unknown:
        raise ValueError(f"unknown signals: {sorted(unknown)}")
    members = list(members) if members is not None else None
    for name in SIGNALS:
        if name in signals:
            yield from SOURCES[name](members, before, since)


__all__ = ["SIGNALS", "WEIGHTS", "Signal", "signal_rows"]
