"""Registering for events: places, the waitlist, cancellations and promotions.

Every change to an event's registrations happens inside a transaction holding a row lock
on the event (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite serialises write transactions
itself, the settings open them with ``BEGIN IMMEDIATE``). The confirmed count read under
that lock is therefore exact, and the capacity is never exceeded.

Invariant kept by every function here: while an event has not started, nobody waits on
the waitlist when a place is free.
"""

from datetime import datetime

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cms.dates import format_datetime
from cms.models import EventPage
from cms.transactions import on_commit
from community import notices
from community.journey import Step, send_journey_step
from community.models import EventRegistration, User

Status = EventRegistration.Status
State = EventPage.Registration


class RegistrationError(Exception):
    """A registration or cancellation that cannot be done; ``message`` is for the member."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


def _state_error(event: EventPage, state: str) -> RegistrationError:
    if state == State.NOT_REQUIRED:
        message = _("No registration is needed for this event: just come along!")
    elif state == State.NOT_OPEN:
        if event.registration_opens:
            opens = timezone.localtime(event.registration_opens)
            message = _("Registration opens on %(date)s.") % {"date": format_datetime(opens)}
        else:
            message = _("Registration is not open yet.")
    elif state == State.PAST:
        message = _("This event is over.")
    else:
        message = _("Registration for this event is closed.")
    return RegistrationError(message, code=str(state))


# --- Reading ------------------------------------------------------------------------------


def confirmed_registrations(event: EventPage) -> QuerySet[EventRegistration]:
    return EventRegistration.objects.filter(event=event, status=Status.CONFIRMED)


def waitlist(event: EventPage) -> QuerySet[EventRegistration]:
    """The waitlist in order: first come, first served."""
    return EventRegistration.objects.filter(event=event, status=Status.WAITLISTED).order_by(
        "waitlisted_at", "id"
    )


def waitlist_position(registration: EventRegistration) -> int | None:
    """1 for the first in line; None when not on the waitlist."""
    if registration.status != Status.WAITLISTED:
        return None
    ahead = EventRegistration.objects.filter(
        Q(waitlisted_at__lt=registration.waitlisted_at)
        | Q(waitlisted_at=registration.waitlisted_at, id__lt=registration.id),
        event_id=registration.event_id,
        status=Status.WAITLISTED,
    ).count()
    return ahead + 1


def active_registration(user: User, event: EventPage) -> EventRegistration | None:
    """The member's confirmed or waitlisted registration, if any."""
    if not user.is_authenticated or event.pk is None:
        return None
    return (
        EventRegistration.objects.filter(event=event, user=user)
        .exclude(status=Status.CANCELLED)
        .first()
    )


# --- Changing -----------------------------------------------------------------------------


def _lock(event: EventPage) -> EventPage:
    return EventPage.objects.select_for_update().get(pk=event.pk)


def _after_confirmation(registration: EventRegistration) -> None:
    from community.tasks import schedule_event_reminder

    schedule_event_reminder(registration)


def _after_promotion(registration: EventRegistration) -> None:
    notices.waitlist_promoted(registration)
    _after_confirmation(registration)


def _promote(event: EventPage, now: datetime) -> list[EventRegistration]:
    """Give the free places to the waitlist, in order. Call with the event locked."""
    if event.start <= now:
        return []
    candidates = waitlist(event).select_related("user")
    if event.capacity is not None:
        free = event.capacity - confirmed_registrations(event).count()
        if free <= 0:
            return []
        candidates = candidates[:free]
    promoted = []
    for registration in candidates:
        registration.status = Status.CONFIRMED
        registration.promoted_at = now
        registration.event = event
        registration.save(update_fields=["status", "promoted_at", "updated_at"])
        on_commit(_after_promotion, registration)
        promoted.append(registration)
    return promoted


def register_for_event(
    user: User, event: EventPage, *, now: datetime | None = None
) -> EventRegistration:
    """Give `user` a place at `event`, or a place on its waitlist when it is full.

    Idempotent: an existing confirmed or waitlisted registration is returned unchanged.
    Registering again after cancelling reuses the row (and goes to the back of the line).
    Raises `RegistrationError` when registration is not open.
    """
    now = now or timezone.now()
    with transaction.atomic():
        event = _lock(event)
        state = event.registration_state(now)
        if state != State.OPEN:
            raise _state_error(event, state)
        registration = EventRegistration.objects.filter(event=event, user=user).first()
        if registration is not None and registration.status != Status.CANCELLED:
            return registration
        _promote(event, now)  # keeps the invariant even if the capacity grew meanwhile
        has_place = (
            event.capacity is None or confirmed_registrations(event).count() < event.capacity
        )
        if registration is None:
            registration = EventRegistration(event=event, user=user)
        registration.status = Status.CONFIRMED if has_place else Status.WAITLISTED
        registration.waitlisted_at = None if has_place else now
        registration.promoted_at = None
        registration.created_at = now  # "registered at": the latest registration
        registration.save()
        send_journey_step(
            Step.EVENT_REGISTRATION,
            member=user,
            branch=event.branch,
            interests=event.interests.all(),
        )
        if has_place:
            on_commit(_after_confirmation, registration)
    return registration


def cancel_registration(
    user: User, event: EventPage, *, now: datetime | None = None
) -> EventRegistration | None:
    """Cancel the member's place (or waitlist place). Returns None if there was none.

    A freed place goes to the first on the waitlist in the same transaction; they are told
    after the commit. Raises `RegistrationError` once the event
    has started.
    """
    now = now or timezone.now()
    with transaction.atomic():
        event = _lock(event)
        registration = (
            EventRegistration.objects.filter(event=event, user=user)
            .exclude(status=Status.CANCELLED)
            .first()
        )
        if registration is None:
            return None
        if event.start <= now:
            raise RegistrationError(
                _("This event has already started: the registration can no longer be cancelled."),
                code="started",
            )
        was_confirmed = registration.status == Status.CONFIRMED
        registration.status = Status.CANCELLED
        registration.save(update_fields=["status", "updated_at"])
        if was_confirmed:
            _promote(event, now)
    return registration


def fill_from_waitlist(event: EventPage, *, now: datetime | None = None) -> list[EventRegistration]:
    """Promote waitlisted members into free places (e.g. after the capacity was raised)."""
    now = now or timezone.now()
    if event.pk is None:
        return []
    with transaction.atomic():
        return _promote(_lock(event), now)
