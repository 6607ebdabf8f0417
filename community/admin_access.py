"""Whether a member may open the Wagtail admin: the header's "Administration" link and
Wagtail's userbar, on every page.

Asking ``user.has_perm("wagtailadmin.access_admin")`` loads all of the member's permissions:
two queries on every page, for every member, to hide a link nearly all of them never see.
The answer is kept in the cache per member, under a version that changes whenever
permissions can have changed (a member's groups or own permissions, a group's permissions, a
group deleted); superusers and inactive accounts are answered from the user row itself.
ADMIN_ACCESS_CACHE_SECONDS bounds how long another process with a local-memory cache (a
``manage.py`` command changing groups) may show the old answer. Access itself is always
checked by Wagtail: this only decides whether the link is shown.
"""

from __future__ import annotations

import uuid

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db.models.signals import m2m_changed, post_delete
from django.dispatch import receiver

VERSION_KEY = "affinites:admin-access:version"
ADMIN_ACCESS_CACHE_SECONDS = 300
VERSION_SECONDS = 86400  # when it lapses, every answer is simply asked again


def _member_key(user_id: int) -> str:
    return f"affinites:admin-access:{user_id}"


def can_use_admin(user) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    key = _member_key(user.pk)
    known = cache.get_many([VERSION_KEY, key])
    version = known.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, uuid.uuid4().hex, VERSION_SECONDS)
        version = cache.get(VERSION_KEY)
    cached = known.get(key)
    if cached is not None and version is not None and cached[0] == version:
        return cached[1]
    allowed = user.has_perm("wagtailadmin.access_admin")
    if version is not None:
        cache.set(key, (version, allowed), ADMIN_ACCESS_CACHE_SECONDS)
    return allowed


def forget_admin_access() -> None:
    """Every member's cached answer is stale from now on."""
    cache.set(VERSION_KEY, uuid.uuid4().hex, VERSION_SECONDS)


@receiver(m2m_changed, sender=Group.permissions.through, dispatch_uid="admin_access.group")
@receiver(post_delete, sender=Group, dispatch_uid="admin_access.group_deleted")
def _group_changed(sender, **kwargs) -> None:
    forget_admin_access()


def _connect_user_relations() -> None:
    user_model = get_user_model()
    for through, uid in (
        (user_model.groups.through, "admin_access.user_groups"),
        (user_model.user_permissions.through, "admin_access.user_permissions"),
    ):
        m2m_changed.connect(_group_changed, sender=through, dispatch_uid=uid)


_connect_user_relations()
