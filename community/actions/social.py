"""Following and blocking other members.

A block cuts contact both ways: neither can follow, mention, reply to or react to the other,
and each stops seeing the other's posts, comments and profile. Blocking also removes the
follows between them.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from community.actions.errors import Refused
from community.models import Block, Follow, User


def blocked_ids(user) -> set[int]:
    """Ids of the members `user` blocked or was blocked by (empty for visitors)."""
    if user is None or not user.is_authenticated:
        return set()
    pairs = Block.objects.filter(Q(blocker=user) | Q(blocked=user)).values_list(
        "blocker_id", "blocked_id"
    )
    return {b if a == user.pk else a for a, b in pairs}


def is_blocked_between(a, b) -> bool:
    if a is None or b is None or not a.is_authenticated or not b.is_authenticated:
        return False
    return Block.objects.filter(Q(blocker=a, blocked=b) | Q(blocker=b, blocked=a)).exists()


def has_blocked(blocker, blocked) -> bool:
    return Block.objects.filter(blocker=blocker, blocked=blocked).exists()


def is_following(follower, followed) -> bool:
    if not follower.is_authenticated:
        return False
    return Follow.objects.filter(follower=follower, followed=followed).exists()


def follow(follower: User, followed: User) -> bool:
    """`follower` follows `followed`. Returns True if they just started to."""
    if follower.pk == followed.pk:
        raise Refused(_("You cannot follow yourself."), code="self")
    if is_blocked_between(follower, followed):
        raise Refused(_("You cannot follow this member."), code="blocked")
    try:
        with transaction.atomic():
            _link, created = Follow.objects.get_or_create(follower=follower, followed=followed)
    except IntegrityError:  # a concurrent follow of the same pair
        return False
    return created


def unfollow(follower: User, followed: User) -> bool:
    deleted, _rows = Follow.objects.filter(follower=follower, followed=followed).delete()
    return deleted > 0


@transaction.atomic
def block(blocker: User, blocked: User) -> bool:
    """Block a member (and drop the follows both ways). Returns True if newly blocked."""
    if blocker.pk == blocked.pk:
        raise Refused(_("You cannot block yourself."), code="self")
    Follow.objects.filter(
        Q(follower=blocker, followed=blocked) | Q(follower=blocked, followed=blocker)
    ).delete()
    try:
        with transaction.atomic():
            _link, created = Block.objects.get_or_create(blocker=blocker, blocked=blocked)
    except IntegrityError:
        created = False
    return created


def unblock(blocker: User, blocked: User) -> bool:
    deleted, _rows = Block.objects.filter(blocker=blocker, blocked=blocked).delete()
    return deleted > 0
