"""Background tasks of the community package (django-tasks API).

Event reminders: each confirmed participant is reminded once, when the event starts within
24 hours. A reminder is scheduled when a place is confirmed (deferred to 24 hours before
the start, on backends that support it: django-tasks-db does); the `send_event_reminders`
command, run from cron, sweeps whatever is due, whatever the backend.
"""

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django_tasks import task

from community import notices
from community.models import EventRegistration

logger = logging.getLogger(__name__)

REMINDER_WINDOW = timedelta(hours=24)


def due_reminders(now: datetime | None = None) -> QuerySet[EventRegistration]:
    """Confirmed, not yet reminded registrations whose event starts within the window."""
    now = now or timezone.now()
    return EventRegistration.objects.filter(
        status=EventRegistration.Status.CONFIRMED,
        reminded_at__isnull=True,
        event__live=True,
        event__start__gt=now,
        event__start__lte=now + REMINDER_WINDOW,
    )


def remind(registration_id: int, *, now: datetime | None = None) -> bool:
    """Remind the member of this registration if it is due. True if reminded.

    Idempotent: the registration is locked and marked reminded in the same transaction
    that writes the notification, so two workers never remind twice.
    """
    now = now or timezone.now()
    with transaction.atomic():
        registration = (
            due_reminders(now)
            .select_for_update(of=("self",))
            .select_related("event", "user")
            .filter(pk=registration_id)
            .first()
        )
        if registration is None:
            return False
        registration.reminded_at = now
        registration.save(update_fields=["reminded_at", "updated_at"])
        notices.event_reminder(registration)
    return True


@task()
def send_event_reminder(registration_id: int) -> bool:
    return remind(registration_id)


@task()
def send_due_reminders() -> int:
    return sweep_reminders()


def sweep_reminders(now: datetime | None = None) -> int:
    """Remind every registration that is due. Returns how many reminders were sent."""
    now = now or timezone.now()
    sent = 0
    for pk in due_reminders(now).values_list("pk", flat=True):
        try:
            sent += remind(pk, now=now)
        except Exception:  # one failing reminder must not stop the sweep
            logger.exception("Event reminder for registration %s failed", pk)
    return sent


def schedule_event_reminder(registration: EventRegistration) -> None:
    """Enqueue the reminder for 24 hours before the event (only where tasks can be deferred)."""
    backend = send_event_reminder.get_backend()
    if not backend.supports_defer:
        return  # the cron sweep (`send_event_reminders`) covers it
    now = timezone.now()
    if registration.event.start <= now:
        return
    run_after = max(registration.event.start - REMINDER_WINDOW, now)
    send_event_reminder.using(run_after=run_after).enqueue(registration.pk)
