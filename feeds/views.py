"""Calendar feeds (iCal): one event, a branch's programme, a community's programme."""

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET
from icalendar import Calendar

from cms.french import elide
from cms.models import Branch, Interest
from community.agenda import AgendaForm, calendar_events
from community.models import CommunityPage
from feeds import calendars


def _ics_response(calendar: Calendar, filename: str) -> HttpResponse:
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(False, filename)
    return response


@require_GET
@cache_control(max_age=900)
def event_calendar(request: HttpRequest, page_id: int) -> HttpResponse:
    """One event, to add to a personal calendar (404 unless live and public)."""
    event = get_object_or_404(calendars.published_events(), pk=page_id)
    calendar = calendars.build_calendar([event], request=request, name=event.title)
    return _ics_response(calendar, f"{event.slug or 'evenement'}.ics")


@require_GET
@cache_control(max_age=900)
def branch_calendar(request: HttpRequest, branch_slug: str) -> HttpResponse:
    """A branch's programme: upcoming events and those of the last 30 days (subscribable)."""
    branch = get_object_or_404(Branch, slug=branch_slug)
    calendar = calendars.build_calendar(
        calendars.branch_events(branch),
        request=request,
        name=elide(_("Events at %(branch)s") % {"branch": branch.name}),
        description=elide(
            _("The programme of %(branch)s, %(commune)s.")
            % {"branch": branch.name, "commune": branch.commune}
        ),
        subscription=True,
    )
    return _ics_response(calendar, f"agenda-{branch.slug}.ics")


@require_GET
@cache_control(max_age=900)
def community_calendar(request: HttpRequest, page_id: int) -> HttpResponse:
    """Events for a community: its interests (taxonomy-aware) or held at its branches."""
    community = get_object_or_404(CommunityPage.objects.live().public(), pk=page_id)
    calendar = calendars.build_calendar(
        calendars.community_events(community),
        request=request,
        name=_("Events for %(community)s") % {"community": community.title},
        description=_("The médiathèques' events for the community %(community)s.")
        % {"community": community.title},
        subscription=True,
    )
    return _ics_response(calendar, f"agenda-{slugify(community.slug) or community.pk}.ics")


@require_GET
@cache_control(max_age=900)
def agenda_calendar(request: HttpRequest) -> HttpResponse:
    """The agenda as filtered on its page (same query string): a subscribable calendar.

    Invalid filters answer 400 with the reasons, rather than a calendar of other events."""
    branches = Branch.objects.order_by("name").only("pk", "name", "latitude", "longitude")
    form = AgendaForm(
        request.GET,
        branches=list(branches),
        interests=Interest.objects.only("pk", "name", "parent_id"),
        user=None,
    )
    if not form.is_valid():
        reasons = "\n".join(f"{name}: {' '.join(errors)}" for name, errors in form.errors.items())
        return HttpResponseBadRequest(
            _("These filters are not valid:") + "\n" + reasons,
            content_type="text/plain; charset=utf-8",
        )
    calendar = calendars.build_calendar(
        calendar_events(form, timezone.now()),
        request=request,
        name=_("Agenda of the médiathèques"),
        description=_("The médiathèques' events matching the filters chosen on the agenda."),
        subscription=True,
    )
    return _ics_response(calendar, "agenda.ics")
