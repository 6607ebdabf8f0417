"""Reading the members' lists for the pages, in a fixed number of queries.

``my_lists`` (Ma médiathèque › Mes listes), ``list_page`` (one list: the owner's, or a public
one), ``shelf_state`` (what the item page and the search results need to draw « Ça
m'intéresse » and « Ajouter à une liste » for a member: their lists, which items they are
interested in, which lists hold which items — three queries whatever the number of items).

Reading never writes: until the member adds something to « À lire », the pages show it as an
unsaved list (no pk) and adding to it stores it (``community.actions.lists.default_list``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count

from cms.prefetching import prefetch_catalogue_items
from community.actions.lists import MAX_ENTRIES, MAX_LISTS, NAME_MAX, default_list_name
from community.models import Interaction, ReadingList, ReadingListEntry

LIST_PAGE_SIZE = 100


def _with_to_read(user, lists: list[ReadingList]) -> list[ReadingList]:
    """The lists with « À lire » first: the stored one, or an unsaved one standing for it."""
    if not any(reading_list.is_default for reading_list in lists):
        to_read = ReadingList(owner=user, name=default_list_name(), is_default=True)
        to_read.count = 0
        lists.insert(0, to_read)
    return lists


def my_lists(user) -> dict:
    """The member's lists (« À lire » first, stored or not yet) with their counts."""
    lists = _with_to_read(
        user,
        list(
            ReadingList.objects.filter(owner=user)
            .annotate(count=Count("entries"))
            .order_by("-is_default", "name", "pk")
        ),
    )
    return {"lists": lists, "max_lists": MAX_LISTS, "name_max": NAME_MAX}


def list_page(user, list_id: int) -> dict | None:
    """One list and its entries (items with holdings and covers), or None when the list does
    not exist or is someone else's private list."""
    reading_list = (
        ReadingList.objects.visible_to(user).select_related("owner").filter(pk=list_id).first()
    )
    if reading_list is None:
        return None
    entries = list(
        ReadingListEntry.objects.filter(reading_list=reading_list)
        .select_related("item")
        .order_by("-added_at", "-pk")[:LIST_PAGE_SIZE]
    )
    prefetch_catalogue_items([entry.item for entry in entries])
    is_owner = user.is_authenticated and reading_list.owner_id == user.pk
    return {
        "reading_list": reading_list,
        "entries": entries,
        "total": reading_list.entries.count() if len(entries) == LIST_PAGE_SIZE else len(entries),
        "is_owner": is_owner,
        "name_max": NAME_MAX,
        "max_entries": MAX_ENTRIES,
    }


@dataclass
class ShelfState:
    """A member's lists and marks on some catalogue items."""

    lists: list[ReadingList] = field(default_factory=list)
    interested: set[int] = field(default_factory=set)
    listed: dict[int, list[ReadingList]] = field(default_factory=dict)

    def for_item(self, item_id: int) -> dict:
        holding = self.listed.get(item_id, [])
        return {
            "lists": self.lists,
            "interested": item_id in self.interested,
            "in_lists": holding,
            "in_list_ids": {reading_list.pk for reading_list in holding},
        }


def shelf_state(user, item_ids) -> ShelfState:
    """Three queries (none for a visitor): the lists, the interests, the entries."""
    item_ids = [pk for pk in item_ids if pk is not None]
    if user is None or not user.is_authenticated or not item_ids:
        return ShelfState()
    lists = _with_to_read(
        user, list(ReadingList.objects.filter(owner=user).order_by("-is_default", "name", "pk"))
    )
    by_id = {reading_list.pk: reading_list for reading_list in lists if reading_list.pk}
    interested = set(
        Interaction.objects.filter(
            member=user, item_id__in=item_ids, kind=Interaction.Kind.INTERESTED, post=None
        ).values_list("item_id", flat=True)
    )
    listed: dict[int, list[ReadingList]] = {}
    if by_id:
        for list_id, item_id in ReadingListEntry.objects.filter(
            reading_list_id__in=list(by_id), item_id__in=item_ids
        ).values_list("reading_list_id", "item_id"):
            listed.setdefault(item_id, []).append(by_id[list_id])
    return ShelfState(lists=lists, interested=interested, listed=listed)


def public_lists_with_counts():
    """The public lists, most recently changed first, for the librarians' screen."""
    return (
        ReadingList.objects.public()
        .select_related("owner")
        .annotate(count=Count("entries"))
        .order_by("-updated_at", "-pk")
    )


__all__ = ["ShelfState", "list_page", "my_lists", "shelf_state"]
