"""“Ma médiathèque”: the signed-in member's page, and leaving an event from it.

Thin: `community.my_library` reads, `community.actions.events.cancel_registration` acts.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cms.models import EventPage
from community import my_library
from community.actions.events import RegistrationError, cancel_registration


@require_GET
@login_required
def my_library_page(request):
    return render(request, "community/my_library.html", my_library.overview(request.user))


@require_POST
@login_required
def leave_event(request, page_id: int):
    """“Se désinscrire” from Ma médiathèque: the same action as on the event page, back here."""
    event = get_object_or_404(EventPage.objects.live().public(), pk=page_id)
    try:
        registration = cancel_registration(request.user, event)
    except RegistrationError as error:
        messages.error(request, error.message)
        return redirect("community:my_library")
    params = {"event": event.title}
    if registration is None:
        messages.info(request, _("You were not registered for “%(event)s”.") % params)
    elif registration.waitlisted_at is not None and registration.promoted_at is None:
        messages.success(request, _("You left the waitlist for “%(event)s”.") % params)
    else:
        messages.success(request, _("Your registration for “%(event)s” is cancelled.") % params)
    return redirect("community:my_library")
