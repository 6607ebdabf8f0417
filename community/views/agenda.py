"""The agenda page: list, month and week views of the events with their filters.

Served at the address of the site's event index page (`EventIndexPage`), through Wagtail's
``before_serve_page`` hook (community/wagtail_hooks.py): the agenda keeps its URL, its
title and introduction from the page librarians edit, and the navigation link.
What it shows is read by `community.agenda`; this view only parses and renders.
"""

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import WEEKDAYS, WEEKDAYS_ABBR

from cms.models import Branch, EventIndexPage, Interest
from community import agenda

PER_PAGE = 20
# The list reads at most this many sessions (a year of a busy network); narrower filters or
# the month view reach the rest.
LIST_LIMIT = 1500


def _branches() -> list[Branch]:
    return list(Branch.objects.order_by("name").only("pk", "name", "slug", "latitude", "longitude"))


def _interests() -> list[Interest]:
    return list(Interest.objects.order_by("name").only("pk", "name", "parent_id"))


def calendar_query(form: agenda.AgendaForm) -> str:
    """The query string of the filtered view's iCal subscription: its event filters, with
    "near my commune" written as that commune (a calendar application is not logged in)."""
    params = []
    for name in agenda.EVENT_FILTERS:
        if name in form.errors or name in ("commune", "insee"):
            continue
        value = form.data.get(name, "")
        if value:
            params.append((name, value))
    place = form.place
    if place is not None:
        params.append(("commune", place.name))
        if place.insee:
            params.append(("insee", place.insee))
    return urlencode(params)


def _calendar_urls(request: HttpRequest, query: str) -> dict:
    """{"https", "webcal"} addresses of the filtered view's calendar (webcal:// makes calendar
    applications offer a subscription)."""
    path = reverse("feeds:agenda_calendar") + (f"?{query}" if query else "")
    absolute = request.build_absolute_uri(path)
    return {"https": absolute, "webcal": "webcal://" + absolute.split("://", 1)[1]}


def agenda_page(request: HttpRequest, index: EventIndexPage) -> HttpResponse:
    now = timezone.now()
    today = timezone.localdate(now)
    branches = _branches()
    form = agenda.AgendaForm(
        request.GET, branches=branches, interests=_interests(), user=request.user
    )
    form.is_valid()  # errors are shown; the valid filters apply
    period = agenda.period_for(form, today)
    near = None
    if form.place is not None:
        radius = form.value("rayon") or agenda.DEFAULT_RADIUS
        near = agenda.branches_near(form.place, radius, branches)
    events = agenda.in_period(
        agenda.filter_events(agenda.agenda_events(), form, near=near), period, now
    )
    context = {
        "page": index,
        "self": index,
        "form": form,
        "period": period,
        "today": today,
        "near": near,
        "place": form.place,
        "calendar": _calendar_urls(request, calendar_query(form)),
        "weekdays": [(WEEKDAYS[n], WEEKDAYS_ABBR[n]) for n in range(7)],
        "filtered": any(form.data.get(name) for name in agenda.EVENT_FILTERS)
        or bool(form.data.get("pres")),
    }
    if period.view == agenda.LIST:
        entries = agenda.group_series(events[:LIST_LIMIT], near)
        page_obj = Paginator(entries, PER_PAGE).get_page(request.GET.get("page"))
        context.update(page_obj=page_obj, days=agenda.entries_by_day(list(page_obj.object_list)))
    else:
        days = agenda.by_day(
            events,
            period.first,
            period.last,
            today=today,
            month=period.anchor.month if period.view == agenda.MONTH else None,
        )
        context.update(days=days, weeks=agenda.weeks_of(days))
    return render(request, "community/agenda.html", context)
