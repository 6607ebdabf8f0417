"""What the item page shows around a catalogue item: the communities and the upcoming events
on the same interests (an interest or its parent: a novel tagged Science-fiction finds the
Imaginaire club), in two queries."""

from __future__ import annotations

from django.utils import timezone

from cms.event_series import OVERFETCH, one_per_series
from cms.models import EventPage
from community.models import CommunityPage

COMMUNITIES_SHOWN = 3
EVENTS_SHOWN = 3


def around_item(interests) -> dict:
    ids = {interest.pk for interest in interests}
    ids |= {interest.parent_id for interest in interests if interest.parent_id}
    if not ids:
        return {"communities": [], "events": []}
    communities = list(
        CommunityPage.objects.live()
        .public()
        .filter(interests__in=ids)
        .distinct()
        .order_by("title")[:COMMUNITIES_SHOWN]
    )
    events = one_per_series(
        EventPage.objects.live()
        .public()
        .filter(interests__in=ids, end__gte=timezone.now())
        .select_related("branch")
        .distinct()
        .order_by("start")[: EVENTS_SHOWN * OVERFETCH],
        EVENTS_SHOWN,
    )
    return {"communities": communities, "events": events}
