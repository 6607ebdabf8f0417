"""“Ma médiathèque”: what one member has going on with the médiathèques, read in a fixed
number of queries (community.views.my_library renders it).

Only the member's own rows are read: registrations, waitlist positions, memberships and
purchase suggestions are all filtered on the member first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Count, Q
from django.utils import timezone

from cms.branches import nearest_branch
from cms.event_series import OVERFETCH, one_per_series
from cms.models import Branch, BranchPage, EventPage
from community.models import (
    EventRegistration,
    Membership,
    PurchaseSuggestion,
    ReadingList,
    User,
)
from community.tasks import REMINDER_WINDOW

Status = EventRegistration.Status
NEXT_EVENTS = 5
SUGGESTIONS_SHOWN = 10


@dataclass
class RegistrationLine:
    registration: EventRegistration
    position: int | None = None  # on the waitlist: 1 for the first in line
    reminder_at: datetime | None = None  # confirmed: when the reminder will be sent

    @property
    def event(self) -> EventPage:
        return self.registration.event

    @property
    def is_waitlisted(self) -> bool:
        return self.registration.status == Status.WAITLISTED


@dataclass
class Library:
    """The member's médiathèque: the home branch, else the nearest to their commune."""

    branch: Branch
    is_home: bool
    page: BranchPage | None = None
    today_slots: list = field(default_factory=list)
    closed_today: dict | None = None  # an exceptional closure covering today
    next_events: list[EventPage] = field(default_factory=list)


def registrations(user: User, now: datetime) -> list[RegistrationLine]:
    """The member's confirmed and waitlisted places at events not over yet, soonest first,
    with waitlist positions (one more query for all of them) and reminder times."""
    rows = list(
        EventRegistration.objects.filter(
            user=user,
            status__in=[Status.CONFIRMED, Status.WAITLISTED],
            event__live=True,
            event__end__gte=now,
        )
        .select_related("event", "event__branch")
        .order_by("event__start", "pk")
    )
    waiting = {row.event_id for row in rows if row.status == Status.WAITLISTED}
    queues: dict[int, list[int]] = {}
    if waiting:
        for event_id, pk in (
            EventRegistration.objects.filter(event_id__in=waiting, status=Status.WAITLISTED)
            .order_by("event_id", "waitlisted_at", "id")
            .values_list("event_id", "pk")
        ):
            queues.setdefault(event_id, []).append(pk)
    lines = []
    for row in rows:
        line = RegistrationLine(row)
        if row.status == Status.WAITLISTED:
            line.position = queues.get(row.event_id, []).index(row.pk) + 1
        elif row.reminded_at is None and row.event.start > now:
            line.reminder_at = max(row.event.start - REMINDER_WINDOW, now)
        lines.append(line)
    return lines


def communities(user: User) -> list[Membership]:
    return list(
        Membership.objects.filter(user=user, community__live=True)
        .select_related("community")
        .order_by("community__title")
    )


def suggestions(user: User) -> list[PurchaseSuggestion]:
    """The member's purchase suggestions and those they support, latest first."""
    return list(
        PurchaseSuggestion.objects.filter(Q(suggested_by=user) | Q(supports__user=user))
        .exclude(status=PurchaseSuggestion.Status.MERGED)
        .distinct()
        .order_by("-created_at")[:SUGGESTIONS_SHOWN]
    )


def reading_lists(user: User) -> list[ReadingList]:
    """The member's lists with their number of items (one query)."""
    return list(
        ReadingList.objects.filter(owner=user)
        .annotate(count=Count("entries"))
        .order_by("-is_default", "name", "pk")
    )


def member_library(user: User, now: datetime, today: date) -> Library | None:
    """The home branch, else the branch nearest the member's commune; its hours today,
    an exceptional closure today, its next events (a series once)."""
    if user.home_branch_id is not None:
        library = Library(branch=user.home_branch, is_home=True)
    elif user.has_location:
        nearest = nearest_branch(user.latitude, user.longitude)
        if nearest is None:
            return None
        library = Library(branch=nearest.branch, is_home=False)
    else:
        return None
    page = BranchPage.objects.live().public().filter(branch=library.branch).first()
    if page is not None:
        library.page = page
        for row in page.hours_table(today):
            if row["is_today"]:
                library.today_slots = row["slots"]
        library.closed_today = next(
            (notice for notice in page.closure_notices(today) if notice["current"]), None
        )
    library.next_events = one_per_series(
        EventPage.objects.live()
        .public()
        .filter(branch=library.branch, end__gte=now)
        .select_related("branch")
        .order_by("start")[: NEXT_EVENTS * OVERFETCH],
        NEXT_EVENTS,
    )
    return library


def overview(user: User) -> dict:
    now = timezone.now()
    today = timezone.localdate(now)
    return {
        "registrations": registrations(user, now),
        "memberships": communities(user),
        "suggestions": suggestions(user),
        "lists": reading_lists(user),
        "library": member_library(user, now, today),
        "now": now,
    }
