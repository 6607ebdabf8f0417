"""Loading what library pages and catalogue cards show, in a fixed number of queries.

Used by the pages' ``get_context`` (StreamField blocks), the search results and the item page:
the holdings of catalogue items with their branch, their covers with the card rendition, and
the events of event blocks with their branch.
"""

from __future__ import annotations

from django.db.models import Prefetch, prefetch_related_objects

from cms.models import CatalogueItem, Holding

COVER_SPEC = "fill-160x240"


def holdings_prefetch() -> Prefetch:
    """Holdings with their branch, in shelf order."""
    return Prefetch(
        "holdings",
        queryset=Holding.objects.select_related("branch").order_by("sort_order", "pk"),
    )


def prefetch_catalogue_items(items) -> None:
    """Load the holdings (with their branch) and the covers (with their card rendition) of
    catalogue items in a fixed number of queries. What is already loaded is left alone
    (prefetch_related_objects skips the items that have it)."""
    from wagtail.images import get_image_model

    items = [item for item in items if item is not None]
    if not items:
        return
    prefetch_related_objects(items, holdings_prefetch())
    covered = [item for item in items if item.cover_id and not CatalogueItem.cover.is_cached(item)]
    if covered:
        prefetch_related_objects(
            covered,
            Prefetch("cover", queryset=get_image_model().objects.prefetch_renditions(COVER_SPEC)),
        )


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
