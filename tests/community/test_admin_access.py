"""The header's "Administration" link: shown to those who may open the admin, answered from
the cache on later pages, fresh as soon as groups or permissions change."""

import pytest
from django.contrib.auth.models import Group, Permission

from community.admin_access import can_use_admin
from community.models import User
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def access_admin() -> Permission:
    return Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")


def fresh(user) -> User:
    """The row again: no permission cache left on the object by an earlier check."""
    return User.objects.get(pk=user.pk)


def test_a_member_is_answered_from_the_cache_on_later_pages(django_assert_num_queries):
    member = make_user("membre@example.org")
    assert can_use_admin(fresh(member)) is False
    again = fresh(member)
    with django_assert_num_queries(0):
        assert can_use_admin(again) is False


def test_joining_or_leaving_a_librarians_group_shows_or_hides_the_link_at_once():
    member = make_user("bibliothecaire@example.org")
    librarians = Group.objects.create(name="Bibliothécaires du test")
    librarians.permissions.add(access_admin())
    assert can_use_admin(fresh(member)) is False

    member.groups.add(librarians)
    assert can_use_admin(fresh(member)) is True

    member.groups.remove(librarians)
    assert can_use_admin(fresh(member)) is False


def test_a_group_losing_the_permission_or_deleted_hides_the_link():
    member = make_user("editrice@example.org")
    editors = Group.objects.create(name="Éditeurs du test")
    editors.permissions.add(access_admin())
    member.groups.add(editors)
    assert can_use_admin(fresh(member)) is True

    editors.permissions.clear()
    assert can_use_admin(fresh(member)) is False

    editors.permissions.add(access_admin())
    assert can_use_admin(fresh(member)) is True
    editors.delete()
    assert can_use_admin(fresh(member)) is False


def test_own_permission_superuser_and_inactive_accounts():
    member = make_user("perso@example.org")
    assert can_use_admin(fresh(member)) is False
    member.user_permissions.add(access_admin())
    assert can_use_admin(fresh(member)) is True

    boss = make_user("chef@example.org")
    User.objects.filter(pk=boss.pk).update(is_superuser=True)
    assert can_use_admin(fresh(boss)) is True
    User.objects.filter(pk=boss.pk).update(is_active=False)
    assert can_use_admin(fresh(boss)) is False


def test_the_header_link_follows_the_permission(client):
    member = make_user("lien@example.org")
    client.force_login(member)
    assert "Administration" not in client.get("/fil/").content.decode()

    member.user_permissions.add(access_admin())
    assert "Administration" in client.get("/fil/").content.decode()
