"""Public read endpoints of the community layer: events (places left live here, with the
registrations) and communities."""

from __future__ import annotations

from datetime import date, datetime, time

from django.db.models import Count, F, Prefetch, Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from cms import links
from cms.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, page_of, paginate
from cms.api.problems import ApiProblem
from cms.models import Branch, EventPage, Interest
from community.models import CommunityPage, EventRegistration

router = Router(tags=["public"])

Status = EventRegistration.Status
Limit = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Éléments par page (1 à 100).")
Cursor = Query(None, max_length=2000, description="Curseur opaque : le lien `next` le porte.")


class RegistrationInfo(Schema):
    required: bool
    state: str = Field(description="not_required, not_open, open, closed ou past")
    opens: datetime | None
    closes: datetime | None
    capacity: int | None
    places_left: int | None = Field(description="null : pas de limite")
    waitlist: int = Field(description="Personnes en liste d’attente")


class EventOut(Schema):
    id: int
    title: str
    url: str
    start: datetime
    end: datetime
    branch: str = Field(description="Slug de la médiathèque")
    branch_name: str
    room: str
    min_age: int | None
    max_age: int | None
    interests: list[str]
    registration: RegistrationInfo


class CommunityOut(Schema):
    id: int
    title: str
    url: str
    summary: str
    interests: list[str]
    branches: list[str]
    member_count: int


EventList = page_of(EventOut, "EventList")
CommunityList = page_of(CommunityOut, "CommunityList")


def events_with_counts():
    return (
        EventPage.objects.live()
        .public()
        .select_related("branch")
        .prefetch_related(Prefetch("interests", queryset=Interest.objects.only("pk", "slug")))
        .annotate(
            confirmed_count=Count(
                "registrations", filter=Q(registrations__status=Status.CONFIRMED)
            ),
            waitlist_count=Count(
                "registrations", filter=Q(registrations__status=Status.WAITLISTED)
            ),
        )
    )


def event_out(event: EventPage, now: datetime) -> dict:
    places = None
    if event.registration_required and event.capacity is not None:
        places = max(0, event.capacity - event.confirmed_count)
    return {
        "id": event.pk,
        "title": event.title,
        "url": links.page_url(event),
        "start": event.start,
        "end": event.end,
        "branch": event.branch.slug,
        "branch_name": event.branch.name,
        "room": event.room,
        "min_age": event.min_age,
        "max_age": event.max_age,
        "interests": [i.slug for i in event.interests.all()],
        "registration": {
            "required": event.registration_required,
            "state": str(event.registration_state(now)),
            "opens": event.registration_opens,
            "closes": event.registration_closes,
            "capacity": event.capacity if event.registration_required else None,
            "places_left": places,
            "waitlist": event.waitlist_count,
        },
    }


def _day_start(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    return timezone.make_aware(datetime.combine(value, time.min))


@router.get("/events", response=EventList, summary="Agenda")
def list_events(
    request: HttpRequest,
    start_after: date | None = Query(None, description="Commence ce jour ou après (AAAA-MM-JJ)"),
    start_before: date | None = Query(None, description="Commence avant ce jour (AAAA-MM-JJ)"),
    branch: str | None = Query(None, max_length=150, description="Slug d’une médiathèque"),
    interest: str | None = Query(None, max_length=80, description="Slug d’un centre d’intérêt"),
    places_left: bool | None = Query(
        None,
        description="true : seulement les animations où il reste de la place (sans inscription, "
        "sans limite, ou places libres)",
    ),
    past: bool = Query(
        False, description="true : les animations passées, les plus récentes d’abord"
    ),
    limit: int = Limit,
    cursor: str | None = Cursor,
):
    """Les animations à venir (ou passées), par date, avec places restantes et liste
    d’attente. Une animation récurrente compte une entrée par séance."""
    now = timezone.now()
    events = events_with_counts()
    if past:
        events, order = events.filter(end__lt=now), ("-start", "-pk")
    else:
        events, order = events.filter(end__gte=now), ("start", "pk")
    if start_after is not None:
        events = events.filter(start__gte=_day_start(start_after))
    if start_before is not None:
        events = events.filter(start__lt=_day_start(start_before))
    if branch:
        found = Branch.objects.filter(slug=branch).first()
        if found is None:
            raise ApiProblem(404, "introuvable", _("No médiathèque has this slug."))
        events = events.filter(branch=found)
    if interest:
        found_interest = Interest.objects.filter(slug=interest).first()
        if found_interest is None:
            raise ApiProblem(404, "introuvable", _("No interest has this slug."))
        events = events.filter(interests=found_interest)
    if places_left is not None:
        has_room = (
            Q(registration_required=False)
            | Q(capacity__isnull=True)
            | Q(capacity__gt=F("confirmed_count"))
        )
        events = events.filter(has_room) if places_left else events.exclude(has_room)
    rows, next_link = paginate(request, events, order=order, limit=limit, cursor=cursor)
    return {"results": [event_out(e, now) for e in rows], "next": next_link}


def live_event(event_id: int) -> EventPage:
    if not 1 <= event_id <= 2**63 - 1:
        raise ApiProblem(404, "introuvable", _("No event has this id."))
    event = events_with_counts().filter(pk=event_id).first()
    if event is None:
        raise ApiProblem(404, "introuvable", _("No event has this id."))
    return event


@router.get("/events/{event_id}", response=EventOut, summary="Une animation")
def get_event(request: HttpRequest, event_id: int):
    return event_out(live_event(event_id), timezone.now())


# --- communities ----------------------------------------------------------------------------


def communities_with_counts():
    return (
        CommunityPage.objects.live()
        .public()
        .annotate(member_count=Count("memberships", distinct=True))
        .prefetch_related(
            Prefetch("interests", queryset=Interest.objects.only("pk", "slug")),
            Prefetch("branches", queryset=Branch.objects.only("pk", "slug")),
        )
    )


def community_out(community: CommunityPage) -> dict:
    return {
        "id": community.pk,
        "title": community.title,
        "url": links.page_url(community),
        "summary": community.summary,
        "interests": [i.slug for i in community.interests.all()],
        "branches": [b.slug for b in community.branches.all()],
        "member_count": community.member_count,
    }


def live_community(community_id: int) -> CommunityPage:
    found = None
    if 1 <= community_id <= 2**63 - 1:
        found = communities_with_counts().filter(pk=community_id).first()
    if found is None:
        raise ApiProblem(404, "introuvable", _("No community has this id."))
    return found


@router.get("/communities", response=CommunityList, summary="Communautés")
def list_communities(
    request: HttpRequest,
    interest: str | None = Query(None, max_length=80, description="Slug d’un centre d’intérêt"),
    limit: int = Limit,
    cursor: str | None = Cursor,
):
    """Les communautés thématiques, par titre, avec leur nombre de membres."""
    communities = communities_with_counts()
    if interest:
        found = Interest.objects.filter(slug=interest).first()
        if found is None:
            raise ApiProblem(404, "introuvable", _("No interest has this slug."))
        communities = communities.filter(interests=found)
    rows, next_link = paginate(
        request, communities, order=("title", "pk"), limit=limit, cursor=cursor
    )
    return {"results": [community_out(c) for c in rows], "next": next_link}


@router.get("/communities/{community_id}", response=CommunityOut, summary="Une communauté")
def get_community(request: HttpRequest, community_id: int):
    return community_out(live_community(community_id))
