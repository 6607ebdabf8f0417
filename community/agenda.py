"""The agenda that plans: which events match the filters, over which period, in which view.

Read by the agenda page (`community.views.agenda`, served at the event index page's own
address) and by its iCal subscription (`feeds.views.agenda_calendar`), so both always show
the same events. It lives in `community` because "places left" counts the registrations.

Filters, all in the query string of a GET form (shareable, no JavaScript needed):

- ``du`` / ``au``: dates (Paris days, inclusive). In the month and week views they only say
  which month or week to show (``date`` does too); the grid shows its whole period.
- ``mediatheque``: one branch.
- ``pres`` (the member's own commune) or ``commune`` (+ ``insee`` from the autocomplete)
  with ``rayon`` (km): events at the branches within that distance.
- ``interet``: an interest and its sub-interests.
- ``public``: children, teenagers or adults; events for everyone match each of them.
- ``acces``: free entry (no registration) or on registration.
- ``places``: hide the events that are full (registration required and no place left).
- ``passes``: past events instead of upcoming ones (list view).

A series (one page per session, see `cms.event_series`) is listed once in the list view,
with the dates of its sessions; the calendar views show every session on its day.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django import forms
from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cms.branches import nearest_branches
from cms.event_series import series_key_of
from cms.models import Branch, EventPage, Interest
from cms.places import find_place
from community.models import EventRegistration

LIST, MONTH, WEEK = "liste", "mois", "semaine"
RADII = (5, 10, 20, 50)
DEFAULT_RADIUS = 10
# Filters that decide which events, as opposed to how they are shown (view, period, page).
EVENT_FILTERS = (
    "du",
    "au",
    "mediatheque",
    "commune",
    "insee",
    "rayon",
    "interet",
    "public",
    "acces",
    "places",
)
# How many events the iCal subscription carries at most.
CALENDAR_LIMIT = 1000
# What a subscribed calendar keeps of the past when no start date is given.
RECENT_PAST = timedelta(days=30)

Audience = EventPage.Audience


class AgendaForm(forms.Form):
    """The agenda's filters. Invalid values are form errors shown above the results; the
    valid ones still apply."""

    vue = forms.ChoiceField(
        label=gettext_lazy("View"),
        required=False,
        choices=[
            (LIST, gettext_lazy("List")),
            (MONTH, gettext_lazy("Month")),
            (WEEK, gettext_lazy("Week")),
        ],
    )
    date = forms.DateField(required=False, widget=forms.HiddenInput)
    du = forms.DateField(
        label=gettext_lazy("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    au = forms.DateField(
        label=gettext_lazy("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    mediatheque = forms.TypedChoiceField(
        label=gettext_lazy("Médiathèque"),
        required=False,
        coerce=int,
        empty_value=None,
        widget=forms.Select(attrs={"id": "agenda-branch"}),
    )
    pres = forms.BooleanField(label=gettext_lazy("Near my commune"), required=False)
    commune = forms.CharField(label=gettext_lazy("Or near"), required=False, max_length=120)
    insee = forms.CharField(required=False, max_length=5, widget=forms.HiddenInput)
    rayon = forms.TypedChoiceField(
        label=gettext_lazy("Within"),
        required=False,
        coerce=int,
        empty_value=DEFAULT_RADIUS,
        choices=[(r, gettext_lazy("%(km)s km") % {"km": r}) for r in RADII],
    )
    interet = forms.TypedChoiceField(
        label=gettext_lazy("Interest"), required=False, coerce=int, empty_value=None
    )
    public = forms.ChoiceField(
        label=gettext_lazy("For whom"),
        required=False,
        choices=[("", gettext_lazy("Everyone"))]
        + [(value, label) for value, label in Audience.choices if value],
    )
    acces = forms.ChoiceField(
        label=gettext_lazy("Entry"),
        required=False,
        choices=[
            ("", gettext_lazy("Free entry or on registration")),
            ("libre", gettext_lazy("Free entry, no registration")),
            ("inscription", gettext_lazy("On registration")),
        ],
    )
    places = forms.BooleanField(label=gettext_lazy("Hide full events"), required=False)
    passes = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, branches=(), interests=(), user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.place = None  # the commune the distance is measured from, once cleaned
        self.fields["mediatheque"].choices = [("", _("All the médiathèques"))] + [
            (branch.pk, branch.name) for branch in branches
        ]
        self.fields["interet"].choices = [("", _("All interests"))] + interest_choices(interests)

    def clean(self):
        data = super().clean()
        start, end = data.get("du"), data.get("au")
        if start and end and end < start:
            self.add_error("au", _("The end date must be on or after the start date."))
        if data.get("pres"):
            user = self.user
            if user is None or not user.is_authenticated:
                self.add_error("pres", _("Log in to use your commune, or type a commune."))
            elif not user.has_location:
                self.add_error(
                    "pres",
                    _("Your commune is not set: add it to your profile, or type a commune."),
                )
            else:
                self.place = Place(
                    user.commune_name, user.latitude, user.longitude, user.commune_insee
                )
        elif data.get("commune"):
            found = find_place(data["commune"], data.get("insee") or "")
            if found.commune is None:
                names = ", ".join(commune.name for commune in found.suggestions[:3])
                if names:
                    message = _("Unknown commune. Did you mean: %(names)s?") % {"names": names}
                else:
                    message = _("Unknown commune: type its name or its postcode.")
                self.add_error("commune", message)
            else:
                commune = found.commune
                self.place = Place(commune.name, commune.lat, commune.lon, commune.insee)
        return data

    def value(self, name: str):
        """A cleaned value, or None when the field was left empty or was invalid."""
        if not hasattr(self, "cleaned_data"):
            return None
        return self.cleaned_data.get(name)


def interest_choices(interests) -> list:
    """<optgroup> per top-level interest: the parent itself first, then its children."""
    interests = list(interests)
    children: dict[int, list] = {}
    for interest in interests:
        if interest.parent_id:
            children.setdefault(interest.parent_id, []).append(interest)
    groups = []
    for parent in interests:
        if parent.parent_id:
            continue
        options = [(parent.pk, _("All of %(name)s") % {"name": parent.name})]
        options += [(child.pk, child.name) for child in children.get(parent.pk, [])]
        groups.append((parent.name, options))
    return groups


@dataclass(frozen=True)
class Place:
    name: str
    lat: float
    lon: float
    insee: str = ""


@dataclass
class Period:
    """What the page shows: the view, its first and last day, the month or week around."""

    view: str
    first: date | None
    last: date | None
    anchor: date
    past: bool = False

    @property
    def previous(self) -> date:
        if self.view == WEEK:
            return self.anchor - timedelta(days=7)
        return (self.anchor.replace(day=1) - timedelta(days=1)).replace(day=1)

    @property
    def following(self) -> date:
        if self.view == WEEK:
            return self.anchor + timedelta(days=7)
        days = calendar.monthrange(self.anchor.year, self.anchor.month)[1]
        return self.anchor.replace(day=1) + timedelta(days=days)


def period_for(form: AgendaForm, today: date) -> Period:
    view = form.value("vue") or LIST
    anchor = form.value("date") or form.value("du") or today
    if view == MONTH:
        weeks = calendar.Calendar().monthdatescalendar(anchor.year, anchor.month)
        return Period(view, weeks[0][0], weeks[-1][-1], anchor.replace(day=1))
    if view == WEEK:
        monday = anchor - timedelta(days=anchor.weekday())
        return Period(view, monday, monday + timedelta(days=6), monday)
    return Period(LIST, form.value("du"), form.value("au"), anchor, past=bool(form.value("passes")))


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def confirmed_count() -> Subquery:
    """The number of confirmed registrations of each event, as one subquery."""
    rows = (
        EventRegistration.objects.filter(
            event=OuterRef("pk"), status=EventRegistration.Status.CONFIRMED
        )
        .order_by()
        .values("event")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def agenda_events() -> QuerySet[EventPage]:
    """Live, public events with their branch and confirmed count (`confirmed`)."""
    return (
        EventPage.objects.live()
        .public()
        .select_related("branch")
        .annotate(confirmed=confirmed_count())
    )


def branches_near(place: Place, radius_km: float, branches) -> dict[int, float]:
    """{branch pk: distance in km} of the branches within `radius_km` of `place`."""
    return {
        bd.branch.pk: round(bd.distance_km, 1)
        for bd in nearest_branches(place.lat, place.lon, branches)
        if bd.distance_km <= radius_km
    }


def filter_events(
    events: QuerySet[EventPage], form: AgendaForm, *, near: dict[int, float] | None
) -> QuerySet[EventPage]:
    """`events` narrowed by every valid filter of `form` except the period."""
    branch = form.value("mediatheque")
    if branch is not None:
        events = events.filter(branch_id=branch)
    if near is not None:
        events = events.filter(branch_id__in=list(near))
    interest = form.value("interet")
    if interest is not None:
        family = Interest.objects.filter(Q(pk=interest) | Q(parent_id=interest)).values("pk")
        tagged = EventPage.objects.filter(interests__in=family).values("pk")
        events = events.filter(pk__in=tagged)
    audience = form.value("public")
    if audience:
        events = events.filter(audience__in=[audience, Audience.EVERYONE])
    access = form.value("acces")
    if access == "libre":
        events = events.filter(registration_required=False)
    elif access == "inscription":
        events = events.filter(registration_required=True)
    if form.value("places"):
        events = events.filter(
            Q(registration_required=False)
            | Q(capacity__isnull=True)
            | Q(capacity__gt=F("confirmed"))
        )
    return events


def in_period(events: QuerySet[EventPage], period: Period, now: datetime) -> QuerySet[EventPage]:
    """Events overlapping the period; upcoming (or past) ones in the list view."""
    if period.first is not None:
        events = events.filter(end__gte=_day_start(period.first))
    if period.last is not None:
        events = events.filter(start__lt=_day_start(period.last + timedelta(days=1)))
    if period.view == LIST:
        if period.past:
            return events.filter(end__lt=now).order_by("-start", "pk")
        events = events.filter(end__gte=now)
    return events.order_by("start", "pk")


def calendar_events(form: AgendaForm, now: datetime) -> QuerySet[EventPage]:
    """What the iCal subscription of a filtered agenda carries: the matching events from the
    start date (or the last 30 days) to the end date, soonest first."""
    near = None
    if form.place is not None:
        near = branches_near(
            form.place, form.value("rayon") or DEFAULT_RADIUS, Branch.objects.all()
        )
    events = filter_events(agenda_events(), form, near=near)
    first = form.value("du")
    events = events.filter(end__gte=_day_start(first) if first else now - RECENT_PAST)
    last = form.value("au")
    if last is not None:
        events = events.filter(start__lt=_day_start(last + timedelta(days=1)))
    return events.prefetch_related("interests").order_by("start", "pk")[:CALENDAR_LIMIT]


# --- Shaping for the page -------------------------------------------------------------------


@dataclass
class SeriesEntry:
    """One card of the list view: an event, the sessions of its series in the list, how far
    its branch is from the chosen commune."""

    event: EventPage
    sessions: list[EventPage] = field(default_factory=list)
    distance_km: float | None = None

    @property
    def other_sessions(self) -> list[EventPage]:
        return self.sessions[1:]

    @property
    def places_left(self) -> int | None:
        return places_left(self.event)

    @property
    def day(self) -> date:
        return timezone.localtime(self.event.start).date()


def group_series(events, near: dict[int, float] | None = None) -> list[SeriesEntry]:
    """Events in their order, one entry per series at its first session, with its sessions."""
    entries: dict[str, SeriesEntry] = {}
    for event in events:
        key = series_key_of(event)
        if key in entries:
            entries[key].sessions.append(event)
        else:
            distance = near.get(event.branch_id) if near else None
            entries[key] = SeriesEntry(event, [event], distance)
    return list(entries.values())


def entries_by_day(entries: list[SeriesEntry]) -> list[tuple[date, list[SeriesEntry]]]:
    """[(day, entries)] in order, by the Paris day of each entry's first session."""
    days: dict[date, list[SeriesEntry]] = {}
    for entry in entries:
        days.setdefault(entry.day, []).append(entry)
    return list(days.items())


@dataclass
class Day:
    day: date
    events: list[EventPage]
    in_period: bool
    is_today: bool


def by_day(events, first: date, last: date, *, today: date, month: int | None = None):
    """Every day from `first` to `last` with the events starting that day (Paris time)."""
    days: dict[date, list] = {}
    for event in events:
        days.setdefault(timezone.localtime(event.start).date(), []).append(event)
    span = (last - first).days + 1
    return [
        Day(
            day,
            days.get(day, []),
            in_period=month is None or day.month == month,
            is_today=day == today,
        )
        for day in (first + timedelta(days=n) for n in range(span))
    ]


def weeks_of(days: list[Day]) -> list[list[Day]]:
    return [days[i : i + 7] for i in range(0, len(days), 7)]


def places_left(event: EventPage) -> int | None:
    """Free places of an event loaded by `agenda_events` (None: no limit or no registration)."""
    if not event.registration_required or event.capacity is None:
        return None
    return max(event.capacity - event.confirmed, 0)
