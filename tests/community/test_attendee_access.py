"""Least privilege: an event's attendee list (names, email addresses) and its CSV export are
for the librarians of the event's branch and for network admins, nobody else.

The matrix: librarian of branch A / of branch B / of both / of none, network admin, member,
against an event of branch A — the list, the export, the "Registrations" entry of the page
listing and the permission the views ask (``roles.can_see_attendees``).
"""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from community import roles
from community.actions.events import register_for_event
from tests.community.test_events import make_event
from tests.conftest import make_user

ROLES = {
    # role: (groups, branches it works for, may see event of A)
    "librarian of A": ([roles.LIBRARIANS], ["aubagne"], True),
    "librarian of B": ([roles.LIBRARIANS], ["arles"], False),
    "librarian of A and B": ([roles.LIBRARIANS], ["arles", "aubagne"], True),
    "librarian of no branch": ([roles.LIBRARIANS], [], False),
    "network admin": ([roles.NETWORK_ADMINS], [], True),
    "member": ([], [], False),
    # assigned to A by mistake without being a librarian: still nothing
    "member listed at A": ([], ["aubagne"], False),
}


@pytest.fixture
def event_of_a(branches):
    event = make_event("Club lecture", branch=branches["aubagne"], capacity=5)
    register_for_event(make_user("attendee.secret@example.org", display_name="Zoé"), event)
    return event


def _person(role, branches):
    groups, staffed, _allowed = ROLES[role]
    user = make_user(groups=groups)
    for slug in staffed:
        branches[slug].librarians.add(user)
    return user


@pytest.mark.parametrize("role", sorted(ROLES))
def test_attendee_list_export_and_entry_point_follow_the_branch(client, branches, event_of_a, role):
    allowed = ROLES[role][2]
    user = _person(role, branches)
    assert roles.can_see_attendees(user, event_of_a) is allowed
    client.force_login(user)
    for name in ("event_registrations", "event_registrations_csv"):
        response = client.get(reverse(name, args=[event_of_a.pk]))
        body = response.content.decode("utf-8", "replace")
        if allowed:
            assert response.status_code == 200, (role, name)
            assert "attendee.secret@example.org" in body
        else:
            assert response.status_code in (302, 403), (role, name, response.status_code)
            assert "attendee.secret@example.org" not in body
    listing = client.get(reverse("wagtailadmin_explore", args=[event_of_a.get_parent().pk]))
    if listing.status_code == 200:
        listed = reverse("event_registrations", args=[event_of_a.pk]) in listing.content.decode()
        assert listed is allowed, role


def test_a_librarian_of_b_still_sees_the_events_of_b(client, branches):
    event_of_b = make_event("Atelier", branch=branches["arles"])
    register_for_event(make_user("arles.attendee@example.org"), event_of_b)
    user = _person("librarian of B", branches)
    client.force_login(user)
    response = client.get(reverse("event_registrations", args=[event_of_b.pk]))
    assert response.status_code == 200
    assert "arles.attendee@example.org" in response.content.decode()


def test_network_admins_assign_librarians_to_branches_in_the_admin(client, branches, db):
    admin = make_user(groups=[roles.NETWORK_ADMINS])
    librarian = make_user(groups=[roles.LIBRARIANS], display_name="Nadia")
    member = make_user(display_name="Pas bibliothécaire")
    branch = branches["aubagne"]
    client.force_login(admin)
    url = reverse("wagtailsnippets_cms_branch:edit", args=[branch.pk])
    form = client.get(url)
    assert form.status_code == 200
    html = form.content.decode()
    assert f'value="{librarian.pk}"' in html
    assert f'name="librarians" value="{member.pk}"' not in html  # only librarians offered
    data = {
        "name": branch.name,
        "slug": branch.slug,
        "code": branch.code,
        "address": branch.address,
        "postcode": branch.postcode,
        "commune": branch.commune,
        "insee": branch.insee,
        "latitude": branch.latitude,
        "longitude": branch.longitude,
        "librarians": [librarian.pk],
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert list(branch.librarians.all()) == [librarian]
    # a librarian cannot change who works where
    client.force_login(librarian)
    assert client.post(url, {**data, "librarians": []}).status_code in (302, 403)
    assert list(branch.librarians.all()) == [librarian]


def test_the_migration_keeps_librarians_on_their_home_branch(branches, db):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("community.migrations.0011_librarians_staff_their_home_branch")
    librarian = make_user(groups=[roles.LIBRARIANS], home_branch=branches["arles"])
    member = make_user(home_branch=branches["arles"])
    migration.assign_home_branches(apps, None)
    migration.assign_home_branches(apps, None)  # twice: no duplicate
    assert list(branches["arles"].librarians.all()) == [librarian]
    assert member not in branches["arles"].librarians.all()
    assert Group.objects.filter(name=roles.LIBRARIANS).exists()
