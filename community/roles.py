"""Who someone is in the network, by group or by membership role.

- librarians: group "Bibliothécaires"; network admins: group "Administrateurs réseau";
  both are *library staff*: they moderate every community and their posts carry a badge;
- community moderators: ``Membership.role == "moderator"`` in that community.

Group names are read once per user object and kept on it (``_affinites_groups``), so a
template asking for a badge on every post costs no extra query when the author's groups
were prefetched (``prefetch_related("author__groups")``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cms.models.branches import LIBRARIANS_GROUP as LIBRARIANS
from cms.models.branches import NETWORK_ADMINS_GROUP as NETWORK_ADMINS

if TYPE_CHECKING:
    from community.models import CommunityPage, User

# The model permissions of each group, as the README's table of roles describes them (page
# and collection permissions are set on the page tree by the migrations). The migrations
# grant them (community 0003, 0006, 0008; outreach 0002; feeds 0002, 0009); ``load_demo`` checks
# them again with `grant_group_permissions`.
_LIBRARIAN_PERMISSIONS = (
    ("wagtailadmin", "access_admin"),
    ("cms", "view_interest"),
    ("cms", "view_branch"),
    ("cms", "add_catalogueitem"),
    ("cms", "change_catalogueitem"),
    ("cms", "view_catalogueitem"),
    ("community", "view_membership"),
    ("community", "change_moderationsettings"),
    ("community", "view_moderationsettings"),
    ("feeds", "view_syndication"),
    ("feeds", "view_fediversedelivery"),
)
_ADMIN_PERMISSIONS = _LIBRARIAN_PERMISSIONS + (
    ("cms", "change_networksettings"),
    ("cms", "view_networksettings"),
    ("cms", "delete_catalogueitem"),
    *(
        ("cms", f"{action}_{model}")
        for model in ("interest", "branch", "service", "subjectrule")
        for action in ("add", "change", "delete")
    ),
    ("cms", "view_service"),
    ("cms", "view_subjectrule"),
    *(("community", f"{action}_user") for action in ("add", "change", "delete", "view")),
    ("community", "change_membership"),
    ("community", "delete_membership"),
    *(("outreach", f"{action}_partner") for action in ("add", "change", "delete", "view")),
    ("feeds", "change_facebookconnection"),
    *(("feeds", f"{action}_facebookinterest") for action in ("add", "change", "delete", "view")),
    ("feeds", "add_adcampaign"),
    ("feeds", "view_adcampaign"),
    *(("feeds", f"{action}_blockeddomain") for action in ("add", "change", "delete", "view")),
)
GROUP_PERMISSIONS = {LIBRARIANS: _LIBRARIAN_PERMISSIONS, NETWORK_ADMINS: _ADMIN_PERMISSIONS}


def grant_group_permissions() -> list[str]:
    """Give each staff group the model permissions of `GROUP_PERMISSIONS` it lacks.

    Returns the permissions added, as ``"group: app_label.codename"`` (empty when all were
    there). Groups that do not exist are left alone (the migrations create them).
    """
    from django.contrib.auth.models import Group, Permission

    added = []
    for group in Group.objects.filter(name__in=GROUP_PERMISSIONS):
        have = set(group.permissions.values_list("content_type__app_label", "codename"))
        missing = [pair for pair in GROUP_PERMISSIONS[group.name] if pair not in have]
        for app_label, codename in missing:
            permission = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if permission is not None:
                group.permissions.add(permission)
                added.append(f"{group.name}: {app_label}.{codename}")
    return added


def group_names(user) -> frozenset[str]:
    if user is None or not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_affinites_groups", None)
    if cached is None:
        prefetched = getattr(user, "_prefetched_objects_cache", {}).get("groups")
        if prefetched is not None:
            cached = frozenset(g.name for g in prefetched)
        else:
            cached = frozenset(user.groups.values_list("name", flat=True))
        user._affinites_groups = cached
    return cached


def is_librarian(user) -> bool:
    return LIBRARIANS in group_names(user)


def is_network_admin(user) -> bool:
    return bool(getattr(user, "is_superuser", False)) or NETWORK_ADMINS in group_names(user)


def is_library_staff(user) -> bool:
    """Librarians, network admins and superusers: they moderate every community."""
    return is_librarian(user) or is_network_admin(user)


def staffed_branch_ids(user) -> frozenset[int]:
    """The branches a librarian works for (``Branch.librarians``); kept on the user object."""
    if user is None or not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = user.__dict__.get("_affinites_branches")
    if cached is None:
        cached = frozenset(user.staffed_branches.values_list("pk", flat=True))
        user.__dict__["_affinites_branches"] = cached
    return cached


def can_see_attendees(user, event) -> bool:
    """Who may read and export an event's attendee list (names, email addresses).

    Network admins (and superusers) for every event; librarians only for the events of the
    branches they work for. Nobody else, whatever page permissions they hold.
    """
    if is_network_admin(user):
        return True
    return is_librarian(user) and event.branch_id in staffed_branch_ids(user)


def is_community_moderator(user, community: CommunityPage) -> bool:
    if user is None or not getattr(user, "is_authenticated", False) or community is None:
        return False
    cache = user.__dict__.setdefault("_affinites_moderates", {})
    if community.pk not in cache:
        from community.models import Membership

        cache[community.pk] = Membership.objects.filter(
            user=user, community_id=community.pk, role=Membership.Role.MODERATOR
        ).exists()
    return cache[community.pk]


def can_moderate(user, community: CommunityPage | None) -> bool:
    """Library staff everywhere; community moderators in their community."""
    if is_library_staff(user):
        return True
    return community is not None and is_community_moderator(user, community)


def moderated_community_ids(user: User) -> list[int] | None:
    """Ids of the communities `user` moderates; None means all of them (library staff)."""
    if is_library_staff(user):
        return None
    if not getattr(user, "is_authenticated", False):
        return []
    from community.models import Membership

    return list(
        Membership.objects.filter(user=user, role=Membership.Role.MODERATOR).values_list(
            "community_id", flat=True
        )
    )
