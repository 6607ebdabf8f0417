"""Loading what library pages and catalogue cards show, in a fixed number of queries.

Used by the pages' ``get_context`` (StreamField blocks), the search results and the item page:
the holdings of catalogue items with their branch, their covers with the card rendition, and
the events of event blocks with their branch.
"""

from __future__ import annotations

from django.db.models import Prefetch, prefetch_related_objects

from cms.models import CatalogueItem, Holding

# The cover renditions the pages show (templates/includes/item_cover.html spells the same
# spec; a test checks they agree): two widths for 1x and 2x screens, AVIF, WebP and JPEG.
COVER_SPECS = "fill-{120x180,240x360}|format-{avif,webp,jpeg}"
# The one the JSON API gives as "cover" (one of the above: no extra rendition).
COVER_SPEC = "fill-240x360|format-jpeg"
# Page pictures (announcements, events, curated lists, communities, branches): 2:1.
PAGE_IMAGE_SPECS = "fill-{480x240,960x480}|format-{avif,webp,jpeg}"
# Page pictures on cards (news index, community index): 16:9.
CARD_IMAGE_SPECS = "fill-{320x180,640x360}|format-{avif,webp,jpeg}"


def expand(specs: str) -> list[str]:
    from wagtail.images.models import Filter

    return Filter.expand_spec(specs)


def cover_filter_specs() -> list[str]:
    return expand(COVER_SPECS)


def images_with_renditions(*specs: str):
    """Images with the renditions of `specs` (expanding specs) prefetched."""
    from wagtail.images import get_image_model

    return get_image_model().objects.prefetch_renditions(*[f for s in specs for f in expand(s)])


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
    items = [item for item in items if item is not None]
    if not items:
        return
    prefetch_related_objects(items, holdings_prefetch())
    covered = [item for item in items if item.cover_id and not CatalogueItem.cover.is_cached(item)]
    if covered:
        prefetch_related_objects(
            covered,
            Prefetch("cover", queryset=images_with_renditions(COVER_SPECS)),
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
