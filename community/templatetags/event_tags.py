"""`{% event_registration page as reg %}`: what the registration block of an event page shows.

Used by templates/community/event_registration.html, which the event page template includes;
the page template itself needs nothing else. Three small queries (count, own registration,
waitlist position), none when the event needs no registration.
"""

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from django import template
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils import timezone

from cms.models import EventPage
from community.actions.events import active_registration, confirmed_registrations, waitlist_position
from community.models import EventRegistration

register = template.Library()

State = EventPage.Registration


@dataclass
class RegistrationBlock:
    event: EventPage
    state: str
    now: datetime
    capacity: int | None = None
    confirmed: int = 0
    registration: EventRegistration | None = None
    position: int | None = None
    login_url: str = ""
    signup_url: str = ""

    @property
    def show(self) -> bool:
        """Nothing at all for past events."""
        return self.state != State.PAST

    @property
    def is_open(self) -> bool:
        return self.state == State.OPEN

    @property
    def remaining(self) -> int | None:
        if self.capacity is None:
            return None
        return max(self.capacity - self.confirmed, 0)

    @property
    def is_full(self) -> bool:
        return self.capacity is not None and self.confirmed >= self.capacity

    @property
    def is_confirmed(self) -> bool:
        return (
            self.registration is not None
            and self.registration.status == EventRegistration.Status.CONFIRMED
        )

    @property
    def is_waitlisted(self) -> bool:
        return (
            self.registration is not None
            and self.registration.status == EventRegistration.Status.WAITLISTED
        )

    @property
    def can_cancel(self) -> bool:
        return self.registration is not None and self.event.start > self.now

    @property
    def register_url(self) -> str:
        if self.is_full:
            return reverse("community:event_waitlist", args=[self.event.pk])
        return reverse("community:event_register", args=[self.event.pk])

    @property
    def cancel_url(self) -> str:
        return reverse("community:event_cancel", args=[self.event.pk])


def registration_block(event: EventPage, user, now: datetime | None = None) -> RegistrationBlock:
    now = now or timezone.now()
    block = RegistrationBlock(event=event, state=event.registration_state(now), now=now)
    if not event.registration_required or event.pk is None or not block.show:
        return block
    block.capacity = event.capacity
    block.confirmed = confirmed_registrations(event).count()
    if user is not None and user.is_authenticated:
        block.registration = active_registration(user, event)
        if block.registration is not None:
            block.position = waitlist_position(block.registration)
    else:
        next_query = urlencode({"next": event.url or "/"})
        block.login_url = f"{resolve_url(settings.LOGIN_URL)}?{next_query}"
        block.signup_url = f"{resolve_url('account_signup')}?{next_query}"
    return block


@register.simple_tag(takes_context=True)
def event_registration(context, event: EventPage) -> RegistrationBlock:
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    return registration_block(event, user)
