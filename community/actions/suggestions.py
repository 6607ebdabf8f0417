"""Purchase suggestions: suggesting, supporting, librarians' decisions, matching imports.

- ``suggest``: a logged-in member proposes a title (rate limited like posts; staff are not);
  a title already held is answered with the item, one already suggested and still open gets
  the member's support instead of a duplicate.
- ``support`` / ``withdraw_support``: "Moi aussi" and its undo, on open suggestions only.
- ``set_status``: a librarian of one of the suggestion's médiathèques (or a network admin)
  moves it through its states; refusing needs a reason.
- ``merge``: a duplicate's supporters move to the suggestion it repeats.
- ``match_items``: catalogue items written by an import (or saved in the admin) make the
  open suggestions they match available, with the item.

Supporters are notified on commit (``community.notices.suggestion_decided``) when their
suggestion becomes available or is refused.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cms.catalogue.isbn import normalise_isbn
from cms.models import CatalogueItem, Interest
from cms.transactions import on_commit
from community import notices, roles
from community.actions import ratelimits
from community.actions.errors import Refused
from community.actions.moderation import active_sanction
from community.models import PurchaseSuggestion, SuggestionSupport, User
from community.models.suggestions import same_author, title_key

Status = PurchaseSuggestion.Status


class AlreadyHeld(Exception):
    """The title is already in the collections: here it is."""

    def __init__(self, item: CatalogueItem):
        super().__init__(item.title)
        self.item = item


def clean_isbn(value: str) -> str:
    """13 digits, or "" for nothing; ``Refused`` with the reason when it is not an ISBN."""
    value = (value or "").strip()
    if not value:
        return ""
    try:
        return normalise_isbn(value)
    except ValueError:
        raise Refused(
            _("“%(isbn)s” is not a valid ISBN or EAN: check it, or leave it empty.")
            % {"isbn": value[:30]},
            code="isbn",
            status=400,
        ) from None


def matching_items(title: str, author: str, isbn: str):
    """Catalogue items (not withdrawn) that are this title: same ISBN, or same title and a
    shared author name."""
    items = CatalogueItem.objects.filter(withdrawn=False)
    if isbn:
        found = list(items.filter(isbn=isbn)[:1])
        if found:
            return found
    key = title_key(title)
    if not key:
        return []
    candidates = items.filter(title__iexact=title.strip()) | items.filter(
        title__istartswith=title.strip()[:40]
    )
    return [
        item
        for item in candidates.distinct()[:50]
        if title_key(item.title) == key and same_author(author, item.authors)
    ]


def find_open_duplicate(title: str, author: str, isbn: str) -> PurchaseSuggestion | None:
    open_ones = PurchaseSuggestion.objects.filter(status__in=PurchaseSuggestion.OPEN)
    if isbn:
        found = open_ones.filter(isbn=isbn).order_by("created_at").first()
        if found is not None:
            return found
    for candidate in open_ones.filter(key=title_key(title)).order_by("created_at"):
        if same_author(author, candidate.author) or same_author(candidate.author, author):
            return candidate
    return None


def _ensure_can_take_part(user: User) -> None:
    if user is None or not user.is_authenticated:
        raise Refused(_("Log in to suggest a title."), code="login", status=401)
    if active_sanction(user) is not None:
        raise Refused(_("You cannot take part for now."), code="sanction")


def _add_support(suggestion: PurchaseSuggestion, user: User) -> bool:
    _support, created = SuggestionSupport.objects.get_or_create(suggestion=suggestion, user=user)
    if user.home_branch_id:
        suggestion.branches.add(user.home_branch_id)
    return created


def suggest(
    user: User,
    *,
    title: str,
    author: str = "",
    isbn: str = "",
    reason: str = "",
    interests: Iterable[Interest] = (),
) -> tuple[PurchaseSuggestion, bool]:
    """The suggestion and whether it is new (False: the member now supports an existing
    one). Raises ``Refused``, ``RateLimited`` or ``AlreadyHeld``."""
    _ensure_can_take_part(user)
    title, author, reason = title.strip(), author.strip(), reason.strip()
    if not title:
        raise Refused(_("Give at least the title."), code="title", status=400)
    isbn = clean_isbn(isbn)
    held = matching_items(title, author, isbn)
    if held:
        raise AlreadyHeld(held[0])
    with transaction.atomic():
        duplicate = find_open_duplicate(title, author, isbn)
        if duplicate is not None:
            _add_support(duplicate, user)
            if interests:
                duplicate.interests.add(*interests)
            return duplicate, False
        ratelimits.hit(user, "suggestion")  # library staff are not limited
        suggestion = PurchaseSuggestion.objects.create(
            title=title[:300],
            author=author[:200],
            isbn=isbn,
            reason=reason[:1000],
            suggested_by=user,
        )
        suggestion.interests.set(interests)
        _add_support(suggestion, user)
    return suggestion, True


def support(user: User, suggestion: PurchaseSuggestion) -> bool:
    """ "Moi aussi": True when the support is new."""
    _ensure_can_take_part(user)
    with transaction.atomic():
        suggestion = PurchaseSuggestion.objects.select_for_update().get(pk=suggestion.pk)
        if not suggestion.is_open:
            raise Refused(_("This suggestion is closed."), code="closed", status=409)
        return _add_support(suggestion, user)


def withdraw_support(user: User, suggestion: PurchaseSuggestion) -> bool:
    if not user.is_authenticated:
        raise Refused(_("Log in first."), code="login", status=401)
    deleted, _detail = SuggestionSupport.objects.filter(suggestion=suggestion, user=user).delete()
    return bool(deleted)


def can_decide(user: User, suggestion: PurchaseSuggestion) -> bool:
    """Network admins decide on every suggestion; a librarian on those of the médiathèques
    they work for, and on those tied to no médiathèque."""
    if not user.is_authenticated or not roles.is_library_staff(user):
        return False
    if roles.is_network_admin(user):
        return True
    branches = set(suggestion.branches.values_list("pk", flat=True))
    return not branches or bool(branches & roles.staffed_branch_ids(user))


def decidable_by(user: User):
    """The suggestions ``user`` may decide on (the admin's listing)."""
    queryset = PurchaseSuggestion.objects.all()
    if roles.is_network_admin(user):
        return queryset
    if not roles.is_librarian(user):
        return queryset.none()
    staffed = roles.staffed_branch_ids(user)
    return queryset.filter(Q(branches__in=staffed) | Q(branches__isnull=True)).distinct()


TRANSITIONS = {
    Status.RECEIVED: {Status.ACCEPTED, Status.REFUSED, Status.ORDERED, Status.AVAILABLE},
    Status.ACCEPTED: {Status.ORDERED, Status.REFUSED, Status.AVAILABLE, Status.RECEIVED},
    Status.ORDERED: {Status.AVAILABLE, Status.ACCEPTED, Status.REFUSED},
    Status.REFUSED: {Status.RECEIVED},
    Status.AVAILABLE: set(),
    Status.MERGED: set(),
}


def _announce(suggestion: PurchaseSuggestion) -> None:
    on_commit(notices.suggestion_decided, suggestion.pk)


def set_status(
    user: User,
    suggestion: PurchaseSuggestion,
    status: str,
    *,
    reason: str = "",
    item: CatalogueItem | None = None,
) -> PurchaseSuggestion:
    """A librarian's decision. Raises ``Refused`` (not theirs, not a possible change, no
    reason for a refusal)."""
    if not can_decide(user, suggestion):
        raise Refused(_("Only the librarians of its médiathèques can decide on it."))
    with transaction.atomic():
        suggestion = PurchaseSuggestion.objects.select_for_update().get(pk=suggestion.pk)
        if status == suggestion.status:
            return suggestion
        if status not in TRANSITIONS.get(suggestion.status, set()):
            raise Refused(
                _("A suggestion “%(from)s” cannot become “%(to)s”.")
                % {
                    "from": Status(suggestion.status).label,
                    "to": Status(status).label if status in Status.values else status,
                },
                code="transition",
                status=409,
            )
        if status == Status.REFUSED and not reason.strip():
            raise Refused(_("Say why it is refused: its supporters will read it."), status=400)
        suggestion.status = status
        suggestion.refusal_reason = reason.strip()[:300] if status == Status.REFUSED else ""
        if item is not None:
            suggestion.item = item
        suggestion.status_changed_at = timezone.now()
        suggestion.save()
        if status in (Status.AVAILABLE, Status.REFUSED):
            _announce(suggestion)
    return suggestion


def merge(user: User, duplicate: PurchaseSuggestion, into: PurchaseSuggestion) -> None:
    """Merge ``duplicate`` into ``into``: its supporters, interests and médiathèques move."""
    if duplicate.pk == into.pk:
        raise Refused(_("A suggestion cannot be merged into itself."), status=400)
    if not (can_decide(user, duplicate) and can_decide(user, into)):
        raise Refused(_("Only the librarians of its médiathèques can decide on it."))
    if not into.is_open:
        raise Refused(_("Merge into a suggestion that is still open."), status=409)
    with transaction.atomic():
        for support_row in duplicate.supports.select_related("user"):
            _add_support(into, support_row.user)
        into.interests.add(*duplicate.interests.all())
        into.branches.add(*duplicate.branches.all())
        duplicate.supports.all().delete()
        duplicate.status = Status.MERGED
        duplicate.merged_into = into
        duplicate.status_changed_at = timezone.now()
        duplicate.save()


def match_items(item_pks: Iterable[int]) -> list[int]:
    """Make the open suggestions matching these catalogue items available; their pks."""
    items = list(CatalogueItem.objects.filter(pk__in=list(item_pks), withdrawn=False))
    if (
        not items
        or not PurchaseSuggestion.objects.filter(status__in=PurchaseSuggestion.OPEN).exists()
    ):
        return []
    made_available = []
    with transaction.atomic():
        open_ones = PurchaseSuggestion.objects.select_for_update().filter(
            status__in=PurchaseSuggestion.OPEN
        )
        by_isbn = {s.isbn: s for s in open_ones.exclude(isbn="")}
        keys = {title_key(item.title): item for item in items}
        by_key = open_ones.filter(key__in=list(keys))
        now = timezone.now()
        for item in items:
            found = [by_isbn[item.isbn]] if item.isbn and item.isbn in by_isbn else []
            found += [
                s
                for s in by_key
                if s.key == title_key(item.title) and same_author(s.author, item.authors)
            ]
            for suggestion in found:
                if suggestion.pk in made_available:
                    continue
                suggestion.status = Status.AVAILABLE
                suggestion.item = item
                suggestion.status_changed_at = now
                suggestion.save(update_fields=["status", "item", "status_changed_at"])
                made_available.append(suggestion.pk)
                _announce(suggestion)
    return made_available
