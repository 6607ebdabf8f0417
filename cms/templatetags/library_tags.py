"""Template helpers of the library pages: French dates, OPAC links, holdings, pagination, maps.

{% load library_tags %}
{{ event.start|date_range:event.end }}     samedi 12 décembre 2026, 14 h 30 – 16 h 00
{% event_when event %}                     the same, marked up with <time> elements
{% opac_url item as url %}                 the “Reserve” link ("" when not configured)
{% availability item request.user as rows %}  holdings per branch, the member's first
{% paginate announcements 12 as page_obj %}
"""

import math
from collections import OrderedDict
from datetime import date, datetime

from django import template
from django.core.paginator import Page as PaginatorPage
from django.core.paginator import Paginator
from django.db.models import Prefetch, prefetch_related_objects
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

from cms import geo
from cms.dates import format_date, format_datetime, format_range, format_time, to_local
from cms.french import elide
from cms.models import Branch, CatalogueItem, HoldingStatus, NetworkSettings
from cms.prefetching import COVER_SPECS, holdings_prefetch, images_with_renditions

register = template.Library()

# Rendition used for covers in listings and cards (prefetched by the pages that show them).


# --- Dates and times (the formatting itself lives in cms.dates) ----------------------


@register.filter
def long_date(value):
    """{{ page.first_published_at|long_date }} → “12 décembre 2026”."""
    return format_date(value) if value else ""


@register.filter
def day_date(value):
    """{{ day|day_date }} → “samedi 12 décembre 2026”."""
    return format_date(value, weekday=True) if value else ""


@register.filter
def clock(value):
    """{{ slot.opens|clock }} → “9 h 30”."""
    return format_time(value) if value else ""


@register.filter
def date_time(value, arg=""):
    """{{ post.created_at|date_time }} → “12 décembre 2026, 14 h 30”; with "weekday",
    “samedi 12 décembre 2026, 14 h 30”; with "short", “samedi 12 décembre, 14 h 30”."""
    if not value:
        return ""
    return format_datetime(value, weekday=arg in ("weekday", "short"), year=arg != "short")


@register.filter
def date_range(start, end=None):
    """{{ event.start|date_range:event.end }}."""
    return format_range(start, end) if start else ""


@register.filter
def iso(value):
    """Machine-readable value for <time datetime="…">, in Paris time."""
    if isinstance(value, datetime):
        return to_local(value).isoformat(timespec="minutes")
    return value.isoformat() if value else ""


@register.filter
def has_started(value) -> bool:
    return bool(value) and value <= timezone.now()


@register.simple_tag
def event_when(event, time_only: bool = False):
    """When an event happens, marked up with <time> elements; only the hours if time_only."""
    start, end = to_local(event.start), to_local(event.end)
    if time_only and start.date() == end.date():
        return format_html(
            '<time datetime="{}">{}</time> – <time datetime="{}">{}</time>',
            iso(start),
            format_time(start),
            iso(end),
            format_time(end),
        )
    start_text = format_datetime(start)
    end_text = format_time(end) if start.date() == end.date() else format_datetime(end)
    return format_html(
        '<time datetime="{}">{}</time> – <time datetime="{}">{}</time>',
        iso(start),
        start_text,
        iso(end),
        end_text,
    )


@register.filter
def events_by_day(events):
    """[(date, [events…]), …] grouped by the Paris day the events start, order kept."""
    days: OrderedDict[date, list] = OrderedDict()
    for event in events:
        days.setdefault(to_local(event.start).date(), []).append(event)
    return list(days.items())


# --- Catalogue ------------------------------------------------------------------------

_STATUS_RANK = {
    HoldingStatus.AVAILABLE: 0,
    HoldingStatus.ON_LOAN: 1,
    HoldingStatus.ON_ORDER: 2,
    HoldingStatus.IN_REPAIR: 3,
}


def _status_text(holding_status: str, branch_name: str, *, home: bool, due=None) -> str:
    if holding_status == HoldingStatus.AVAILABLE and home:
        text = _("On the shelf at %(branch)s")
    elif holding_status == HoldingStatus.ON_LOAN and due is not None:
        text = _("On loan, due back %(date)s (%(branch)s)")
    else:
        text = {
            HoldingStatus.AVAILABLE: _("Available at %(branch)s"),
            HoldingStatus.ON_LOAN: _("On loan (%(branch)s)"),
            HoldingStatus.ON_ORDER: _("On order (%(branch)s)"),
            HoldingStatus.IN_REPAIR: _("Being repaired (%(branch)s)"),
        }.get(holding_status, _("On loan (%(branch)s)"))
    return elide(text % {"branch": branch_name, "date": format_date(due) if due else ""})


def _holdings(item) -> list:
    prefetch_related_objects([item], holdings_prefetch())  # nothing to do when prefetched
    return list(item.holdings.all())


def _reader_place(member) -> tuple[int | None, tuple[float, float] | None]:
    """The member's médiathèque (home branch id) and where distances are measured from: their
    commune, else their médiathèque. Read from attributes already loaded: no query."""
    if member is None or not getattr(member, "is_authenticated", False):
        return None, None
    home_id = getattr(member, "home_branch_id", None)
    if getattr(member, "latitude", None) is not None and member.longitude is not None:
        return home_id, (member.latitude, member.longitude)
    if home_id is not None:
        home = member.home_branch  # cached by the caller when shown in a listing
        return home_id, (home.latitude, home.longitude)
    return None, None


@register.simple_tag
def availability(item, member=None) -> list[dict]:
    """One row per branch holding the item: {branch, status, available, text, due_date,
    is_home, distance_km}.

    For a member: their médiathèque first (“On the shelf at …”), then the other branches
    nearest first (from their commune, else from their médiathèque). Otherwise available
    first, then by name. A branch counts as available when any of its copies is on the
    shelf; a branch whose copies are all on loan shows the soonest due date known.
    """
    home_id, origin = _reader_place(member)
    best: dict[int, tuple] = {}
    for holding in _holdings(item):
        rank = _STATUS_RANK.get(holding.status, 1)
        due = holding.due_date if holding.status == HoldingStatus.ON_LOAN else None
        current = best.get(holding.branch_id)
        if (
            current is None
            or rank < current[0]
            or rank == current[0]
            and due is not None
            and (current[3] is None or due < current[3])
        ):
            best[holding.branch_id] = (rank, holding.status, holding.branch, due)
    rows = []
    for _rank, status, branch, due in best.values():
        is_home = branch.pk == home_id
        rows.append(
            {
                "branch": branch,
                "status": status,
                "available": status == HoldingStatus.AVAILABLE,
                "text": _status_text(status, branch.name, home=is_home, due=due),
                "due_date": due,
                "is_home": is_home,
                "distance_km": (
                    geo.haversine_km(origin[0], origin[1], branch.latitude, branch.longitude)
                    if origin is not None
                    else None
                ),
            }
        )
    if origin is not None:
        rows.sort(key=lambda row: (not row["is_home"], row["distance_km"], row["branch"].name))
    else:
        rows.sort(key=lambda row: (not row["available"], row["branch"].name))
    return rows


@register.simple_tag(takes_context=True)
def opac_url(context, item) -> str:
    """The item's record in the library's online catalogue, or "" when not configured."""
    if item is None or not item.record_id:
        return ""
    settings = NetworkSettings.load(request_or_site=context.get("request"))
    return settings.opac_url(item.record_id)


@register.simple_tag
def recommendation_previews(lists, count: int = 4) -> list[tuple]:
    """[(recommendation page, [its first `count` catalogue items]), …] in three queries,
    whatever the number of lists (items, holdings are not needed, covers with renditions)."""
    lists = list(lists)
    wanted: dict = {}
    for page in lists:
        ids = []
        for raw in page.items.raw_data:
            item_id = (raw.get("value") or {}).get("item")
            if item_id and item_id not in ids:
                ids.append(item_id)
            if len(ids) == count:
                break
        wanted[page.pk] = ids
    all_ids = {item_id for ids in wanted.values() for item_id in ids}
    items = CatalogueItem.objects.in_bulk(all_ids) if all_ids else {}
    prefetch_related_objects(
        list(items.values()),
        Prefetch("cover", queryset=images_with_renditions(COVER_SPECS)),
    )
    return [(page, [items[i] for i in wanted[page.pk] if i in items]) for page in lists]


# --- Interests, branches --------------------------------------------------------------


@register.filter
def with_parent(interests) -> list:
    """The interests of a page with their parent loaded (for “Imaginaire › Science-fiction”)."""
    interests = list(interests.all() if hasattr(interests, "all") else interests)
    prefetch_related_objects(interests, "parent")
    return interests


@register.simple_tag
def network_branches():
    return Branch.objects.order_by("name").only("pk", "name", "slug")


# --- Pagination -----------------------------------------------------------------------


@register.simple_tag(takes_context=True)
def paginate(
    context, object_list, per_page: int = 12, param: str = "page", image_spec: str = ""
) -> PaginatorPage:
    """{% paginate announcements 12 as page_obj %}: the requested page (invalid → nearest).

    With image_spec="fill-{320x180,640x360}|format-{webp,jpeg}" (a spec as the picture tag
    takes it), the pages' `image` and those renditions are loaded in two queries for the
    whole page of results.
    """
    request = context.get("request")
    number = request.GET.get(param) if request is not None else None
    page = Paginator(object_list, per_page).get_page(number)
    page.object_list = list(page.object_list)
    if image_spec and page.object_list:
        prefetch_related_objects(
            page.object_list,
            Prefetch("image", queryset=images_with_renditions(image_spec)),
        )
    return page


@register.simple_tag
def page_links(page_obj) -> list[dict]:
    """The numbered links of a pagination nav: {number, current, ellipsis}."""
    paginator = page_obj.paginator
    return [
        {
            "number": number,
            "current": number == page_obj.number,
            "ellipsis": number == paginator.ELLIPSIS,
        }
        for number in paginator.get_elided_page_range(page_obj.number, on_each_side=2, on_ends=1)
    ]


# --- Calendars ------------------------------------------------------------------------


@register.simple_tag(takes_context=True)
def calendar_urls(context, viewname: str, *args) -> dict:
    """Absolute addresses of an iCal feed: {"https": "https://…/agenda.ics", "webcal": "webcal://…"}.

    webcal:// makes calendar applications offer a subscription instead of a download.
    """
    from cms.links import absolute_url

    path = reverse(viewname, args=args)
    request = context.get("request")
    absolute = request.build_absolute_uri(path) if request is not None else absolute_url(path)
    webcal = "webcal://" + absolute.split("://", 1)[1]
    return {"https": absolute, "webcal": webcal}


# --- Situation map --------------------------------------------------------------------


@register.simple_tag
def situation_map(branches, current, width: int = 320, height: int = 240, padding: int = 22):
    """Points of an inline SVG “situation map”: an equirectangular projection of the branches'
    coordinates (longitudes shrunk by cos(mean latitude)), scaled to fit the bounding box.

    Returns {width, height, others: [{x, y, name}], current: {x, y, name}, label: {x, y, anchor}}.
    """
    branches = [b for b in branches if b.pk != current.pk] + [current]
    mean_lat = sum(b.latitude for b in branches) / len(branches)
    kx = math.cos(math.radians(mean_lat))
    xs = [b.longitude * kx for b in branches]
    ys = [-b.latitude for b in branches]
    span_x, span_y = max(xs) - min(xs), max(ys) - min(ys)
    scales = []
    if span_x > 0:
        scales.append((width - 2 * padding) / span_x)
    if span_y > 0:
        scales.append((height - 2 * padding) / span_y)
    scale = min(scales) if scales else 1.0
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2

    def point(i: int) -> dict:
        return {
            "x": round(width / 2 + (xs[i] - cx) * scale, 1),
            "y": round(height / 2 + (ys[i] - cy) * scale, 1),
            "name": branches[i].name,
        }

    points = [point(i) for i in range(len(branches))]
    here = points[-1]
    # The label goes above the dot (below it in the top half), on the side with more room, so
    # it does not cover neighbours lying east or west.
    right_side = here["x"] > width * 0.55
    below = here["y"] < height * 0.35
    label = {
        "x": round(min(max(here["x"] + (8 if right_side else -8), 6), width - 6), 1),
        "y": round(here["y"] + 24 if below else here["y"] - 14, 1),
        "anchor": "end" if right_side else "start",
    }
    return {
        "width": width,
        "height": height,
        "others": points[:-1],
        "current": here,
        "label": label,
    }


@register.simple_tag
def tile_map(branches, current=None):
    """{% tile_map branches current as map %}: the map of cms.maps (tiles when configured)."""
    from cms.maps import tile_map as compute

    return compute(branches, current)
