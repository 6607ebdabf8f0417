"""Public profiles: handle, avatar, bio, which interests show, and who may see the profile."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cms.transactions import on_commit
from community import avatars, roles
from community.actions.social import blocked_ids
from community.models import FollowedInterest, Membership, User
from community.models.members import HANDLE_RE

RESERVED_HANDLES = {"admin", "moderation", "moderateur", "bibliotheque", "affinites", "support"}

Visibility = User.ProfileVisibility


def validate_handle(handle: str, *, user: User | None = None) -> str:
    """A clean handle, or `ValidationError` (format, reserved, taken — case-insensitively)."""
    handle = (handle or "").strip().lstrip("@")
    if not re.fullmatch(HANDLE_RE, handle):
        raise ValidationError(
            _("3 to 30 characters: letters without accents, digits, “_” and “-” only."),
            code="invalid_handle",
        )
    if handle.lower() in RESERVED_HANDLES:
        raise ValidationError(_("This handle is reserved."), code="reserved_handle")
    taken = User.objects.filter(handle__iexact=handle)
    if user is not None and user.pk:
        taken = taken.exclude(pk=user.pk)
    if taken.exists():
        raise ValidationError(_("This handle is already taken."), code="taken_handle")
    return handle


@transaction.atomic
def update_public_profile(
    user: User,
    *,
    display_name: str,
    handle: str,
    bio: str,
    visibility: str,
    public_interest_ids: Iterable[int],
) -> User:
    user.display_name = display_name.strip()
    user.handle = validate_handle(handle, user=user)
    user.bio = bio.strip()
    if visibility not in Visibility.values:
        raise ValidationError(_("Choose who can see your profile."), code="visibility")
    user.profile_visibility = visibility
    user.save(update_fields=["display_name", "handle", "bio", "profile_visibility"])
    public = set(public_interest_ids)
    FollowedInterest.objects.filter(user=user).update(is_public=False)
    FollowedInterest.objects.filter(user=user, interest_id__in=public).update(is_public=True)
    return user


def set_avatar(user: User, upload) -> User:
    """Process the upload (see `community.avatars`) and store both sizes; old files go."""
    variants = avatars.avatar_variants(upload)  # raises ImageRejected with a message
    large, small = (variants[size] for size in avatars.AVATAR_SIZES)
    old = (user.avatar.name, user.avatar_small.name)
    user.avatar = avatars.store(large, f"avatars/{user.pk}")
    user.avatar_small = avatars.store(small, f"avatars/{user.pk}")
    user.save(update_fields=["avatar", "avatar_small"])
    on_commit(avatars.delete_stored, *old)
    return user


def remove_avatar(user: User) -> None:
    old = (user.avatar.name, user.avatar_small.name)
    user.avatar = ""
    user.avatar_small = ""
    user.save(update_fields=["avatar", "avatar_small"])
    on_commit(avatars.delete_stored, *old)


def shares_a_community(a: User, b: User) -> bool:
    return Membership.objects.filter(
        user=a, community__in=Membership.objects.filter(user=b).values("community")
    ).exists()


def can_view_profile(viewer, owner: User) -> bool:
    """Visibility chosen by the owner; blocks hide the profile both ways; staff see all."""
    if not owner.is_active:
        return False
    if viewer.is_authenticated and viewer.pk == owner.pk:
        return True
    if viewer.is_authenticated and owner.pk in blocked_ids(viewer):
        return False
    if roles.is_library_staff(viewer):
        return True
    if owner.profile_visibility == Visibility.PUBLIC:
        return True
    if not viewer.is_authenticated:
        return False
    if owner.profile_visibility == Visibility.MEMBERS:
        return True
    return shares_a_community(viewer, owner)


def public_interests(owner: User, viewer=None):
    """The interests the owner shows (all of them to the owner themself)."""
    links = FollowedInterest.objects.filter(user=owner).select_related(
        "interest", "interest__parent"
    )
    if viewer is None or not viewer.is_authenticated or viewer.pk != owner.pk:
        links = links.filter(is_public=True)
    return [
        link.interest for link in links.order_by("interest__parent__position", "interest__position")
    ]
