"""Template helpers of the library pages: French dates, OPAC links, holdings, pagination, maps.

{% load library_tags %}
{{ event.start|date_range:event.end }}     samedi 12 décembre 2026, 14 h 30 – 16 h 00
{% event_when event %}                     the same, marked up with <time> elements
{% opac_url item as url %}                 the “Reserve” link ("" when not configured)
{% availability item as rows %}            holdings per branch, available first
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

from cms.dates import format_date, format_datetime, format_range, format_time, to_paris
from cms.french import elide
from cms.models import Branch, CatalogueItem, HoldingStatus, NetworkSettings

register = template.Library()

# Rendition used for covers in listings and cards (prefetched by the pages that show them).
COVER_SPEC = "fill-160x240"


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
        return to_paris(value).isoformat(timespec="minutes")
    return value.isoformat() if value else ""


@register.filter
def has_started(value) -> bool:
    return bool(value) and value <= timezone.now()


@register.simple_tag
def event_when(event, time_only: bool = False):
    """When an event happens, marked up with <time> elements; only the hours if time_only."""
    start, end = to_paris(event.start), to_paris(event.end)
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
        days.setdefault(to_paris(event.start).date(), []).append(event)
    return list(days.items())


# --- Catalogue ------------------------------------------------------------------------

_STATUS_RANK = {
    HoldingStatus.AVAILABLE: 0,
    HoldingStatus.ON_LOAN: 1,
    HoldingStatus.ON_ORDER: 2,
    HoldingStatus.IN_REPAIR: 3,
}


def _status_text(status: str, branch_name: str) -> str:
    texts = {
        HoldingStatus.AVAILABLE: _("Available at %(branch)s"),
        HoldingStatus.ON_LOAN: _("On loan (%(branch)s)"),
        HoldingStatus.ON_ORDER: _("On order (%(branch)s)"),
        HoldingStatus.IN_REPAIR: _("Being repaired (%(branch)s)"),
    }
    return elide(texts.get(status, texts[HoldingStatus.ON_LOAN]) % {"branch": branch_name})


def prefetch_catalogue_items(items) -> None:
    """Load the holdings (with their branch) and the covers (with their card rendition) of
    catalogue items in a fixed number of queries. Items already loaded are left alone.

    Holdings come from one SQL statement joining their branch (rows turned into Holding and
    Branch instances directly: a page of search hits would spend more in building the ORM
    query than in running it); covers only for the items that have one."""
    from wagtail.images import get_image_model

    items = [item for item in items if item is not None]
    if not items:
        return
    _prefetch_holdings(
        [item for item in items if "holdings" not in getattr(item, "_prefetched_objects_cache", {})]
    )
    covered = [item for item in items if item.cover_id and not CatalogueItem.cover.is_cached(item)]
    if covered:
        prefetch_related_objects(
            covered,
            Prefetch("cover", queryset=get_image_model().objects.prefetch_renditions(COVER_SPEC)),
        )


class ModelRows:
    """Columns of a model as SQL and a row of them back to an instance (from_db), with the
    converters the database backend needs (SQLite booleans, for instance)."""

    def __init__(self, model, alias: str, connection) -> None:
        from django.db.models.expressions import Col

        fields = model._meta.concrete_fields
        self.model = model
        self.names = [field.attname for field in fields]
        self.sql = ", ".join(
            f"{alias}.{connection.ops.quote_name(field.column)}" for field in fields
        )
        self.converters = []
        for n, field in enumerate(fields):
            column = Col(alias, field)
            converters = connection.ops.get_db_converters(column) + field.get_db_converters(
                connection
            )
            if converters:
                self.converters.append((n, converters, column))
        self.width = len(fields)

    def load(self, db: str, row, connection):
        if self.converters:
            row = list(row)
            for n, converters, column in self.converters:
                for converter in converters:
                    row[n] = converter(row[n], column, connection)
        return self.model.from_db(db, self.names, row)


class HoldingRows:
    """Holdings with their branch as SQL columns (aliases ``h`` and ``b``), and rows of them
    attached to their items as ``prefetch_related_objects(items, Prefetch("holdings",
    Holding.objects.select_related("branch")))`` would: each item's holdings in sort order,
    each holding with its item and its branch. One per database (``for_connection``)."""

    _cache: dict[str, "HoldingRows"] = {}

    def __init__(self, connection) -> None:
        from cms.models import Holding

        self.holding = ModelRows(Holding, "h", connection)
        self.branch = ModelRows(Branch, "b", connection)
        quote = connection.ops.quote_name
        h_meta, b_meta = Holding._meta, Branch._meta
        self.columns = f"{self.holding.sql}, {self.branch.sql}"
        self.width = self.holding.width + self.branch.width
        self.key = self.holding.names.index(h_meta.pk.attname)  # NULL: no holding
        self.table = quote(h_meta.db_table)
        self.item_column = f"h.{quote(h_meta.get_field('item').column)}"
        # the branch of `h` (LEFT JOIN: an item without holdings keeps its row)
        self.branch_join = (
            f"LEFT JOIN {quote(b_meta.db_table)} b "
            f"ON b.{quote(b_meta.pk.column)} = h.{quote(h_meta.get_field('branch').column)}"
        )
        self.order = (
            f"h.{quote(h_meta.get_field('sort_order').column)}, h.{quote(h_meta.pk.column)}"
        )

    @classmethod
    def for_connection(cls, connection) -> "HoldingRows":
        rows = cls._cache.get(connection.alias)
        if rows is None:
            rows = cls._cache[connection.alias] = cls(connection)
        return rows

    def attach(self, items, rows, offset: int, db: str, connection) -> None:
        """Give `items` their holdings from `rows` (a holding's columns then its branch's from
        column `offset`; a NULL holding id: none), sorted by `self.order`."""
        from cms.models import Holding

        by_item: dict = {item.pk: [] for item in items}
        owner = {item.pk: item for item in items}
        width = self.holding.width
        branches: dict = {}
        item_field, branch_field = (
            Holding._meta.get_field("item"),
            Holding._meta.get_field("branch"),
        )
        for row in rows:
            if row[offset + self.key] is None:
                continue
            holding = self.holding.load(db, row[offset : offset + width], connection)
            branch = branches.get(holding.branch_id)
            if branch is None:
                branch = branches[holding.branch_id] = self.branch.load(
                    db, row[offset + width : offset + self.width], connection
                )
            branch_field.set_cached_value(holding, branch)
            item_field.set_cached_value(holding, owner[holding.item_id])
            by_item[holding.item_id].append(holding)
        if not items:
            return
        # the queryset the prefetch leaves on each item (its results already there), built
        # once: each item's is a copy sharing its query (never changed: chaining clones it)
        template = items[0].holdings._apply_rel_filters(Holding.objects.all())
        for item in items:
            queryset = template.__class__.__new__(template.__class__)
            queryset.__dict__.update(template.__dict__)
            queryset._result_cache = by_item[item.pk]
            queryset._prefetch_done = True
            item.__dict__.setdefault("_prefetched_objects_cache", {})["holdings"] = queryset


def _prefetch_holdings(items) -> None:
    """The holdings of `items` with their branch (see HoldingRows), in one statement."""
    from django.db import connections, router

    from cms.models import Holding

    if not items:
        return
    db = router.db_for_read(Holding, instance=items[0])
    connection = connections[db]
    holdings = HoldingRows.for_connection(connection)
    ids = list({item.pk for item in items})
    rows = []
    with connection.cursor() as cursor:
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            cursor.execute(
                f"SELECT {holdings.columns} FROM {holdings.table} h {holdings.branch_join} "
                f"WHERE {holdings.item_column} IN ({', '.join(['%s'] * len(chunk))}) "
                f"ORDER BY {holdings.order}",
                chunk,
            )
            rows += cursor.fetchall()
    holdings.attach(items, rows, 0, db, connection)


def prefetch_stream_objects(stream) -> None:
    """Bulk-load what the catalogue and event blocks of a StreamField render (called from the
    pages' get_context, so the cards cost no query each)."""
    items, events = [], []
    for block in stream:
        if block.block_type in ("catalogue_item", "item"):
            items.append(block.value.get("item"))
        elif block.block_type == "event":
            events.append(block.value.get("event"))
    prefetch_catalogue_items(items)
    events = [event for event in events if event is not None]
    if events:
        prefetch_related_objects(events, "branch")


def _holdings(item) -> list:
    cache = getattr(item, "_prefetched_objects_cache", {})
    if "holdings" in cache:
        return list(cache["holdings"])
    holdings = list(item.holdings.all())
    prefetch_related_objects(holdings, "branch")
    return holdings


@register.simple_tag
def availability(item) -> list[dict]:
    """One row per branch holding the item: {branch, status, available, text}, available first.

    A branch counts as available when any of its copies is on the shelf.
    """
    best: dict[int, tuple] = {}
    for holding in _holdings(item):
        rank = _STATUS_RANK.get(holding.status, 1)
        current = best.get(holding.branch_id)
        if current is None or rank < current[0]:
            best[holding.branch_id] = (rank, holding.status, holding.branch)
    rows = [
        {
            "branch": branch,
            "status": status,
            "available": status == HoldingStatus.AVAILABLE,
            "text": _status_text(status, branch.name),
        }
        for rank, status, branch in best.values()
    ]
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
    from wagtail.images import get_image_model

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
        Prefetch("cover", queryset=get_image_model().objects.prefetch_renditions(COVER_SPEC)),
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

    With image_spec="fill-480x270", the pages' `image` and that rendition are loaded in two
    queries for the whole page of results.
    """
    from wagtail.images import get_image_model

    request = context.get("request")
    number = request.GET.get(param) if request is not None else None
    page = Paginator(object_list, per_page).get_page(number)
    page.object_list = list(page.object_list)
    if image_spec and page.object_list:
        prefetch_related_objects(
            page.object_list,
            Prefetch("image", queryset=get_image_model().objects.prefetch_renditions(image_spec)),
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
