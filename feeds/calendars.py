"""iCalendar (RFC 5545) feeds of the library events: one event, a branch, a community.

Every VEVENT carries a stable UID (``event-<page id>@<site host>``), DTSTART/DTEND in
Europe/Paris with the matching VTIMEZONE, plain-text DESCRIPTION, LOCATION, GEO, URL and
CATEGORIES (interest names). The querysets here are what the views of ``feeds.views`` serve.
"""

import html
import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vText
from wagtail.models import Site

from cms.models import Branch, EventPage, Interest
from community.models import CommunityPage

PRODID = "-//Affinités//Agenda des médiathèques//FR"
# Subscribed calendars (branch, community) keep the events of the last 30 days.
RECENT_PAST = timedelta(days=30)


# --- Which events ---------------------------------------------------------------------


def published_events() -> QuerySet[EventPage]:
    """Live, public events with what a VEVENT needs (branch, interests) loaded in bulk."""
    return (
        EventPage.objects.live()
        .public()
        .select_related("branch")
        .prefetch_related("interests")
        .order_by("start", "pk")
    )


def branch_events(branch: Branch, now: datetime | None = None) -> QuerySet[EventPage]:
    """A branch's upcoming events and those that ended in the last 30 days."""
    now = now or timezone.now()
    return published_events().filter(branch=branch, end__gte=now - RECENT_PAST)


def community_events(community: CommunityPage, now: datetime | None = None) -> QuerySet[EventPage]:
    """Events matching a community: tagged with one of its interests, a child or the parent of
    one (taxonomy-aware), or held at one of its branches; upcoming and last 30 days."""
    now = now or timezone.now()
    interest_ids = list(community.interests.values_list("pk", flat=True))
    family = Interest.objects.with_family(interest_ids).values("pk")
    branch_ids = community.branches.values("pk")
    return (
        published_events()
        .filter(end__gte=now - RECENT_PAST)
        .filter(Q(interests__in=family) | Q(branch__in=branch_ids))
        .distinct()
    )


# --- Building the calendar ------------------------------------------------------------

_BLOCK_END = re.compile(r"(?i)<br\s*/?>|</(?:p|li|h[1-6]|ul|ol|div|blockquote)>")
_LIST_ITEM = re.compile(r"(?i)<li(?:\s[^>]*)?>")


def rich_text_to_plain(value: str) -> str:
    """Wagtail rich text → plain text: one line per paragraph or list item, entities decoded."""
    text = _LIST_ITEM.sub("• ", _BLOCK_END.sub("\n", value or ""))
    text = html.unescape(strip_tags(text))
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def site_host(request: HttpRequest) -> str:
    """The host part of UIDs: the Wagtail site's hostname, so it does not depend on how the
    server was reached (127.0.0.1, localhost, a proxy)."""
    site = Site.find_for_request(request)
    if site is not None and site.hostname:
        return site.hostname
    return request.get_host().split(":")[0]


def event_location(event: EventPage) -> str:
    branch = event.branch
    parts = [branch.name, event.room, f"{branch.address}, {branch.postcode} {branch.commune}"]
    return ", ".join(part for part in parts if part)


def event_description(event: EventPage) -> str:
    lines = [rich_text_to_plain(event.description)]
    lines.append(_("For whom: %(audience)s") % {"audience": event.audience_label})
    if event.registration_required:
        lines.append(_("Registration required: see the event page."))
    return "\n\n".join(line for line in lines if line)


def event_component(event: EventPage, *, request: HttpRequest, host: str, now: datetime) -> Event:
    """One VEVENT. `event` must come with its branch and interests (see published_events)."""
    vevent = Event()
    vevent.add("uid", f"event-{event.pk}@{host}")
    vevent.add("dtstamp", now.astimezone(UTC))
    vevent.add("dtstart", event.start.astimezone(timezone.get_current_timezone()))
    vevent.add("dtend", event.end.astimezone(timezone.get_current_timezone()))
    vevent.add("summary", event.title)
    vevent.add("description", event_description(event))
    vevent.add("location", event_location(event))
    vevent.add("geo", (event.branch.latitude, event.branch.longitude))
    url = event.get_url(request)  # relative on the current site, absolute otherwise
    if url:
        vevent.add("url", request.build_absolute_uri(url))
    categories = [interest.name for interest in event.interests.all()]
    if categories:
        vevent.add("categories", categories)
    modified = event.latest_revision_created_at or event.last_published_at
    if modified:
        vevent.add("last-modified", modified.astimezone(UTC))
    vevent.add("status", "CONFIRMED")
    return vevent


def build_calendar(
    events: Iterable[EventPage],
    *,
    request: HttpRequest,
    name: str,
    description: str = "",
    subscription: bool = False,
) -> Calendar:
    """A VCALENDAR of the given events, with the VTIMEZONE their DTSTART/DTEND refer to."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("name", name)
    calendar.add("x-wr-calname", vText(name))
    calendar.add("x-wr-timezone", str(timezone.get_current_timezone()))
    if description:
        calendar.add("description", description)
        calendar.add("x-wr-caldesc", vText(description))
    if subscription:
        calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", "PT1H")

    now = timezone.now()
    host = site_host(request)
    events = list(events)
    for event in events:
        calendar.add_component(event_component(event, request=request, host=host, now=now))
    if events:
        first = min(event.start for event in events).astimezone(timezone.get_current_timezone())
        last = max(event.end for event in events).astimezone(timezone.get_current_timezone())
        # VTIMEZONE rules limited to the years the events span (instead of 1970–2038).
        calendar.add_missing_timezones(
            first_date=date(first.year, 1, 1), last_date=date(last.year + 2, 1, 1)
        )
    return calendar
