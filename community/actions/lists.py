"""Members' reading lists and « Ça m'intéresse » on catalogue items.

Every function takes the acting member first and only ever touches that member's rows: a
list of someone else's is « not found » (404), never « forbidden », so ids cannot be probed.
Limits against spam: MAX_LISTS lists per member, MAX_ENTRIES items per list, list creation
rate-limited (``ratelimits`` "list"); a member under a sanction cannot make a list public.
"""

from __future__ import annotations

import unicodedata

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cms.models import CatalogueItem
from community.actions import ratelimits
from community.actions.errors import Refused
from community.actions.moderation import active_sanction
from community.models import Interaction, ReadingList, ReadingListEntry, User

MAX_LISTS = 30
MAX_ENTRIES = 500
NAME_MAX = ReadingList._meta.get_field("name").max_length
NOTE_MAX = ReadingListEntry._meta.get_field("note").max_length


def default_list_name() -> str:
    return _("To read")


def _ensure_member(user) -> None:
    if user is None or not user.is_authenticated:
        raise Refused(_("Log in to keep lists."), code="login", status=401)


def _has_control_characters(text: str, allowed: str = "") -> bool:
    """NUL and other control characters (but `allowed`): invisible, and PostgreSQL refuses
    NUL in text."""
    return any(unicodedata.category(char) == "Cc" and char not in allowed for char in text)


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise Refused(_("Give the list a name."), code="name", status=400)
    if _has_control_characters(name):
        raise Refused(
            _("A list name cannot contain invisible control characters."),
            code="name",
            status=400,
        )
    if len(name) > NAME_MAX:
        raise Refused(
            _("A list name has at most %(max)s characters.") % {"max": NAME_MAX},
            code="name",
            status=400,
        )
    return name


def _name_taken(user: User, name: str, *, exclude_pk=None) -> bool:
    """Whether another of the member's lists has that name; « À lire » counts before it is
    stored, since the pages already show it."""
    if ReadingList.objects.filter(owner=user, name__iexact=name).exclude(pk=exclude_pk).exists():
        return True
    return (
        name.casefold() == default_list_name().casefold()
        and not ReadingList.objects.filter(owner=user, is_default=True).exists()
    )


def _ensure_can_publish(user: User, public: bool) -> None:
    if public and active_sanction(user) is not None:
        raise Refused(_("You cannot make a list public for now."), code="sanction")


def own_list(user: User, list_id, *, lock: bool = False) -> ReadingList:
    """The member's list with that id, or Refused 404 (someone else's list included)."""
    _ensure_member(user)
    rows = ReadingList.objects.filter(owner=user)
    if lock:
        rows = rows.select_for_update()
    found = rows.filter(pk=list_id).first() if str(list_id).isdigit() else None
    if found is None:
        raise Refused(_("No such list."), code="not_found", status=404)
    return found


def default_list(user: User) -> ReadingList:
    """The member's « À lire », created when something is first added to it (until then the
    pages show it unsaved: ``community.lists``)."""
    _ensure_member(user)
    found = ReadingList.objects.filter(owner=user, is_default=True).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return ReadingList.objects.create(owner=user, name=default_list_name(), is_default=True)
    except IntegrityError:  # created concurrently, or a list already has that name
        found = ReadingList.objects.filter(owner=user, is_default=True).first()
        if found is not None:
            return found
        with transaction.atomic():
            return ReadingList.objects.create(
                owner=user, name=f"{default_list_name()} ★", is_default=True
            )


@transaction.atomic
def create_list(user: User, name: str, *, public: bool = False) -> ReadingList:
    _ensure_member(user)
    name = _clean_name(name)
    _ensure_can_publish(user, public)
    # the member's row serialises concurrent creations, so the cap holds
    User.objects.select_for_update().filter(pk=user.pk).first()
    # « À lire » holds one of the MAX_LISTS places, stored or not yet
    if ReadingList.objects.filter(owner=user, is_default=False).count() >= MAX_LISTS - 1:
        raise Refused(
            _("You already have %(max)s lists: delete one first.") % {"max": MAX_LISTS},
            code="too_many",
            status=400,
        )
    if _name_taken(user, name):
        raise Refused(_("You already have a list with this name."), code="name", status=400)
    ratelimits.hit(user, "list")
    return ReadingList.objects.create(owner=user, name=name, public=public)


@transaction.atomic
def update_list(user: User, list_id, *, name: str, public: bool) -> ReadingList:
    """Rename a list and set whether it is public."""
    reading_list = own_list(user, list_id, lock=True)
    name = _clean_name(name)
    _ensure_can_publish(user, public)
    if _name_taken(user, name, exclude_pk=reading_list.pk):
        raise Refused(_("You already have a list with this name."), code="name", status=400)
    reading_list.name, reading_list.public = name, public
    reading_list.updated_at = timezone.now()
    reading_list.save(update_fields=["name", "public", "updated_at"])
    return reading_list


@transaction.atomic
def delete_list(user: User, list_id) -> str:
    """Delete one of the member's lists (not « À lire »: it can be emptied). Returns its name."""
    reading_list = own_list(user, list_id, lock=True)
    if reading_list.is_default:
        raise Refused(_("The list “To read” cannot be deleted."), code="default", status=400)
    name = reading_list.name
    reading_list.delete()
    return name


def _item(item_id) -> CatalogueItem:
    found = CatalogueItem.objects.filter(pk=item_id).first() if str(item_id).isdigit() else None
    if found is None:
        raise Refused(_("No such document."), code="not_found", status=404)
    return found


@transaction.atomic
def add_item(user: User, list_id, item_id, note: str = "") -> tuple[ReadingList, bool]:
    """Add a catalogue item to one of the member's lists (« À lire » when list_id is None).
    Returns the list and whether the item was added (False: it was already there)."""
    _ensure_member(user)
    reading_list = default_list(user) if list_id in (None, "") else own_list(user, list_id)
    reading_list = ReadingList.objects.select_for_update().get(pk=reading_list.pk)
    item = _item(item_id)
    if item.withdrawn:
        raise Refused(_("This item is no longer in the collections."), code="withdrawn", status=410)
    note = (note or "").strip()
    if _has_control_characters(note, allowed="\n\r\t"):
        raise Refused(
            _("A note cannot contain invisible control characters."), code="note", status=400
        )
    if len(note) > NOTE_MAX:
        raise Refused(
            _("A note has at most %(max)s characters.") % {"max": NOTE_MAX},
            code="note",
            status=400,
        )
    if ReadingListEntry.objects.filter(reading_list=reading_list, item=item).exists():
        return reading_list, False
    if ReadingListEntry.objects.filter(reading_list=reading_list).count() >= MAX_ENTRIES:
        raise Refused(
            _("This list already holds %(max)s items.") % {"max": MAX_ENTRIES},
            code="too_many",
            status=400,
        )
    ReadingListEntry.objects.create(reading_list=reading_list, item=item, note=note)
    ReadingList.objects.filter(pk=reading_list.pk).update(updated_at=timezone.now())
    return reading_list, True


@transaction.atomic
def remove_item(user: User, list_id, item_id) -> bool:
    """Take an item off one of the member's lists. Returns whether it was there."""
    reading_list = own_list(user, list_id, lock=True)
    deleted, _rows = ReadingListEntry.objects.filter(
        reading_list=reading_list, item_id=item_id if str(item_id).isdigit() else None
    ).delete()
    return deleted > 0


# --- « Ça m'intéresse » on a catalogue item ---------------------------------------------


@transaction.atomic
def toggle_interest(user: User, item_id) -> tuple[CatalogueItem, bool]:
    """« Ça m'intéresse » on an item, or its withdrawal: an INTERESTED interaction without a
    post, which the collection recommender reads like the one from a post. Returns the item
    and whether the member is now interested."""
    _ensure_member(user)
    item = _item(item_id)
    User.objects.select_for_update().filter(pk=user.pk).first()  # one toggle at a time
    mine = Interaction.objects.filter(
        member=user, item=item, kind=Interaction.Kind.INTERESTED, post=None
    )
    if mine.exists():
        mine.delete()
        return item, False
    if item.withdrawn:
        raise Refused(_("This item is no longer in the collections."), code="withdrawn", status=410)
    Interaction.objects.create(member=user, item=item, kind=Interaction.Kind.INTERESTED)
    return item, True


# --- Librarians: a curated list from a member's public list ----------------------------

SELECTION_MAX_ITEMS = 50


def selection_from_list(librarian, list_id):
    """A draft RecommendationPage (« coups de cœur ») holding the items of a member's public
    list, in the order they were added, for the librarian to edit and publish. Refused 403
    without the right to add curated lists, 404 for a list that is not public, 400 when it
    has no item still in the collections."""
    from django.utils.text import slugify

    from cms.models import RecommendationIndexPage, RecommendationPage

    parent = RecommendationIndexPage.objects.first()
    if parent is None or not parent.permissions_for_user(librarian).can_add_subpage():
        raise Refused(_("You may not add curated lists."), code="forbidden", status=403)
    found = (
        ReadingList.objects.public().filter(pk=list_id).first() if str(list_id).isdigit() else None
    )
    if found is None:
        raise Refused(_("No such list."), code="not_found", status=404)
    item_ids = list(
        ReadingListEntry.objects.filter(reading_list=found, item__withdrawn=False)
        .order_by("added_at", "pk")
        .values_list("item_id", flat=True)[:SELECTION_MAX_ITEMS]
    )
    if not item_ids:
        raise Refused(_("This list has no item in the collections."), code="empty", status=400)
    base = slugify(found.name)[:200] or "selection"
    taken = set(parent.get_children().filter(slug__startswith=base).values_list("slug", flat=True))
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    page = RecommendationPage(
        title=found.name,
        slug=slug,
        intro=_("A selection built from the list “%(name)s” of a member of the network.")
        % {"name": found.name},
        items=[{"type": "item", "value": {"item": pk, "note": ""}} for pk in item_ids],
        live=False,
        owner=librarian,
    )
    parent.add_child(instance=page)
    page.save_revision(user=librarian, log_action=True)
    return page
