"""Registering for an event, joining its waitlist, cancelling. POST only; thin: parse, act, redirect.

Every outcome comes back to the event page as a message; nothing here answers with an error
page except a 404 for an event that is not published.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _

from cms.models import EventPage
from community.actions.events import (
    RegistrationError,
    active_registration,
    cancel_registration,
    register_for_event,
    waitlist_position,
)
from community.models import EventRegistration


def _event(page_id: int) -> EventPage:
    return get_object_or_404(EventPage.objects.live().public(), pk=page_id)


def _back(request, event: EventPage):
    return redirect(event.get_url(request) or "/")


def post_only(view):
    """POST runs the view; a GET (e.g. back from the login page) just shows the event."""

    @wraps(view)
    def wrapper(request, page_id: int):
        if request.method in ("GET", "HEAD"):
            return _back(request, _event(page_id))
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        return view(request, page_id)

    return wrapper


@post_only
@login_required
def register(request, page_id: int):
    """Register, or join the waitlist when the event is full (same action)."""
    event = _event(page_id)
    already = active_registration(request.user, event) is not None
    try:
        registration = register_for_event(request.user, event)
    except RegistrationError as error:
        messages.error(request, error.message)
        return _back(request, event)
    params = {"event": event.title}
    if registration.status == EventRegistration.Status.CONFIRMED:
        if already:
            messages.info(request, _("You are already registered for “%(event)s”.") % params)
        else:
            messages.success(request, _("You are registered for “%(event)s”.") % params)
    else:
        params["position"] = waitlist_position(registration)
        if already:
            message = _("You are already on the waitlist for “%(event)s” (position %(position)s).")
            messages.info(request, message % params)
        else:
            message = _(
                "“%(event)s” is full: you are on the waitlist (position %(position)s). "
                "We will let you know if a place becomes free."
            )
            messages.success(request, message % params)
    return _back(request, event)


@post_only
@login_required
def cancel(request, page_id: int):
    event = _event(page_id)
    before = active_registration(request.user, event)
    try:
        registration = cancel_registration(request.user, event)
    except RegistrationError as error:
        messages.error(request, error.message)
        return _back(request, event)
    params = {"event": event.title}
    if registration is None:
        messages.info(request, _("You were not registered for “%(event)s”.") % params)
    elif before is not None and before.status == EventRegistration.Status.WAITLISTED:
        messages.success(request, _("You left the waitlist for “%(event)s”.") % params)
    else:
        messages.success(request, _("Your registration for “%(event)s” is cancelled.") % params)
    return _back(request, event)
