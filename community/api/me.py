"""Member endpoints (``/me/…``) of the community layer, with a personal access token.

Every query here is filtered by the token's owner (:func:`community.api.auth.member`): a token
reads and changes its owner's data only; another member's registration is answered 404,
exactly like one that does not exist. Changes need the write scope and go through the same
actions as the site's pages (``community.actions``).
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja import Status as Answer
from pydantic import Field

from cms import links
from cms.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, page_of, paginate
from cms.api.problems import ApiProblem
from cms.models import Interest
from community.actions.events import (
    RegistrationError,
    cancel_registration,
    register_for_event,
    waitlist_position,
)
from community.actions.memberships import join_community, leave_community
from community.actions.onboarding import follow_interest, unfollow_interest
from community.models import EventRegistration, FollowedInterest, Membership

from .auth import member, read_token, write_token
from .public import live_community, live_event

router = Router(tags=["membre"])

Status = EventRegistration.Status
Limit = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Éléments par page (1 à 100).")
Cursor = Query(None, max_length=2000, description="Curseur opaque : le lien `next` le porte.")


class MeOut(Schema):
    handle: str
    display_name: str
    commune: str
    home_branch: str | None = Field(description="Slug de la médiathèque de référence")
    token_scope: str = Field(description="read ou write")


class RegistrationOut(Schema):
    event: int
    event_title: str
    event_url: str
    start: datetime
    status: str = Field(description="confirmed, waitlisted ou cancelled")
    waitlist_position: int | None = Field(description="1 : le premier en attente")
    registered_at: datetime


class RegistrationIn(Schema):
    event: int = Field(ge=1, le=2**63 - 1, description="Id de l’animation")


class FollowedInterestOut(Schema):
    slug: str
    name: str
    parent: str | None
    public: bool = Field(description="Affiché sur le profil public")
    since: datetime


class MembershipOut(Schema):
    community: int
    title: str
    url: str
    role: str
    joined_at: datetime


RegistrationList = page_of(RegistrationOut, "RegistrationList")
FollowedInterestList = page_of(FollowedInterestOut, "FollowedInterestList")
MembershipList = page_of(MembershipOut, "MembershipList")


@router.get("/me", response=MeOut, auth=read_token, summary="Le membre du jeton")
def me(request: HttpRequest):
    user = member(request)
    return {
        "handle": user.handle or "",
        "display_name": user.display_name,
        "commune": user.commune_name,
        "home_branch": user.home_branch.slug if user.home_branch_id else None,
        "token_scope": request.auth.scope,
    }


# --- registrations --------------------------------------------------------------------------


def registration_out(registration: EventRegistration) -> dict:
    event = registration.event
    return {
        "event": event.pk,
        "event_title": event.title,
        "event_url": links.page_url(event),
        "start": event.start,
        "status": registration.status,
        "waitlist_position": waitlist_position(registration),
        "registered_at": registration.created_at,
    }


@router.get(
    "/me/registrations", response=RegistrationList, auth=read_token, summary="Mes inscriptions"
)
def list_registrations(
    request: HttpRequest,
    status: str | None = Query(
        None, pattern="^(confirmed|waitlisted|cancelled)$", description="Filtrer par état"
    ),
    limit: int = Limit,
    cursor: str | None = Cursor,
):
    """Les inscriptions du membre (places confirmées, liste d’attente avec rang, annulées),
    les plus récentes d’abord."""
    rows = EventRegistration.objects.filter(user=member(request)).select_related("event")
    if status:
        rows = rows.filter(status=status)
    page, next_link = paginate(
        request, rows, order=("-created_at", "-pk"), limit=limit, cursor=cursor
    )
    return {"results": [registration_out(r) for r in page], "next": next_link}


def _own_registration(request: HttpRequest, event_id: int) -> EventRegistration:
    found = (
        EventRegistration.objects.filter(user=member(request), event_id=event_id)
        .select_related("event")
        .first()
        if 1 <= event_id <= 2**63 - 1
        else None
    )
    if found is None:
        raise ApiProblem(404, "introuvable", _("You have no registration for this event."))
    return found


@router.get(
    "/me/registrations/{event_id}",
    response=RegistrationOut,
    auth=read_token,
    summary="Mon inscription à une animation (rang en liste d’attente)",
)
def get_registration(request: HttpRequest, event_id: int):
    return registration_out(_own_registration(request, event_id))


def _refused(error: RegistrationError) -> ApiProblem:
    return ApiProblem(409, f"inscription-{error.code}".replace("_", "-"), error.message)


@router.post(
    "/me/registrations",
    response={200: RegistrationOut, 201: RegistrationOut, 409: dict},
    auth=write_token,
    summary="M’inscrire (ou rejoindre la liste d’attente)",
)
def register(request: HttpRequest, payload: RegistrationIn):
    """Une place si l’animation en a, sinon la liste d’attente (réponse `waitlisted` avec
    le rang). Idempotent : une inscription existante est renvoyée telle quelle (200)."""
    user = member(request)
    event = live_event(payload.event)
    before = EventRegistration.objects.filter(user=user, event=event).exclude(
        status=Status.CANCELLED
    )
    existed = before.exists()
    try:
        registration = register_for_event(user, event)
    except RegistrationError as error:
        raise _refused(error) from None
    registration.event = event
    return Answer(200 if existed else 201, registration_out(registration))


@router.delete(
    "/me/registrations/{event_id}",
    response=RegistrationOut,
    auth=write_token,
    summary="Annuler mon inscription",
)
def cancel(request: HttpRequest, event_id: int):
    """Annule la place (ou la place en liste d’attente) ; la place libérée va au premier en
    attente."""
    event = live_event(event_id)
    try:
        registration = cancel_registration(member(request), event)
    except RegistrationError as error:
        raise _refused(error) from None
    if registration is None:
        raise ApiProblem(404, "introuvable", _("You have no registration for this event."))
    registration.event = event
    return registration_out(registration)


# --- interests ------------------------------------------------------------------------------


def _followed_out(row: FollowedInterest) -> dict:
    interest = row.interest
    return {
        "slug": interest.slug,
        "name": interest.name,
        "parent": interest.parent.slug if interest.parent_id else None,
        "public": row.is_public,
        "since": row.created_at,
    }


@router.get(
    "/me/interests",
    response=FollowedInterestList,
    auth=read_token,
    summary="Mes centres d’intérêt",
)
def list_followed_interests(request: HttpRequest, limit: int = Limit, cursor: str | None = Cursor):
    rows = FollowedInterest.objects.filter(user=member(request)).select_related("interest__parent")
    page, next_link = paginate(
        request, rows, order=("-created_at", "-pk"), limit=limit, cursor=cursor
    )
    return {"results": [_followed_out(r) for r in page], "next": next_link}


def _interest(slug: str) -> Interest:
    found = Interest.objects.filter(slug=slug[:80]).first()
    if found is None:
        raise ApiProblem(404, "introuvable", _("No interest has this slug."))
    return found


@router.put(
    "/me/interests/{slug}",
    response=FollowedInterestOut,
    auth=write_token,
    summary="Suivre un centre d’intérêt",
)
def follow(request: HttpRequest, slug: str):
    """Idempotent : suivre un centre d’intérêt déjà suivi ne change rien."""
    rows = FollowedInterest.objects.select_related("interest__parent")
    return _put(request, follow_interest, _interest(slug), rows, "interest", _followed_out)


@router.delete(
    "/me/interests/{slug}",
    response={204: None},
    auth=write_token,
    summary="Ne plus suivre un centre d’intérêt",
)
def unfollow(request: HttpRequest, slug: str):
    return _delete(
        request, unfollow_interest, _interest(slug), _("You do not follow this interest.")
    )


# --- communities ----------------------------------------------------------------------------


def _membership_out(row: Membership) -> dict:
    return {
        "community": row.community_id,
        "title": row.community.title,
        "url": links.page_url(row.community),
        "role": row.role,
        "joined_at": row.joined_at,
    }


@router.get("/me/communities", response=MembershipList, auth=read_token, summary="Mes communautés")
def list_memberships(request: HttpRequest, limit: int = Limit, cursor: str | None = Cursor):
    rows = Membership.objects.filter(user=member(request), community__live=True).select_related(
        "community"
    )
    page, next_link = paginate(
        request, rows, order=("-joined_at", "-pk"), limit=limit, cursor=cursor
    )
    return {"results": [_membership_out(r) for r in page], "next": next_link}


@router.put(
    "/me/communities/{community_id}",
    response=MembershipOut,
    auth=write_token,
    summary="Rejoindre une communauté",
)
def join(request: HttpRequest, community_id: int):
    rows = Membership.objects.select_related("community")
    community = live_community(community_id)
    return _put(request, join_community, community, rows, "community", _membership_out)


@router.delete(
    "/me/communities/{community_id}",
    response={204: None},
    auth=write_token,
    summary="Quitter une communauté",
)
def leave(request: HttpRequest, community_id: int):
    community = live_community(community_id)
    return _delete(
        request, leave_community, community, _("You are not a member of this community.")
    )


# --- following and joining: PUT adds (idempotent), DELETE removes --------------------------


def _put(request: HttpRequest, action, target, rows: QuerySet, field: str, out) -> dict:
    """The member does `action` on `target` (an idempotent action), answered with their row
    of `rows` for it (`field`: the row's foreign key to the target)."""
    user = member(request)
    action(user, target)
    return out(rows.get(user=user, **{field: target}))


def _delete(request: HttpRequest, action, target, not_there: str) -> Answer:
    """The member undoes `action` on `target`: 204, or 404 when there was nothing to undo
    (the action answers False)."""
    if not action(member(request), target):
        raise ApiProblem(404, "introuvable", not_there)
    return Answer(204, None)
