"""Who reaches what: anonymous, member, librarian, network admin."""

import pytest
from django.urls import reverse

from tests.conftest import make_community

pytestmark = pytest.mark.django_db


def _status(client, url):
    return client.get(url).status_code


def test_anonymous_is_sent_to_login_for_admin_and_member_pages(client):
    for url in ("/admin/", reverse("community:profile"), reverse("community:onboarding")):
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/comptes/login/" in response["Location"]


def test_members_never_reach_the_admin(client, member):
    client.force_login(member)
    for url in ("/admin/", "/admin/pages/", "/admin/users/", "/admin/snippets/cms/interest/"):
        response = client.get(url)
        assert response.status_code in (302, 403), url
        if response.status_code == 302:
            assert not response["Location"].startswith("/admin/"), url


def test_librarian_reaches_the_admin_and_can_edit_communities(client, librarian, taxonomy):
    community = make_community("Club Manga", interests=[taxonomy["manga"]])
    client.force_login(librarian)
    assert _status(client, "/admin/") == 200
    assert _status(client, f"/admin/pages/{community.pk}/edit/") == 200
    assert _status(client, f"/admin/pages/{community.get_parent().pk}/") == 200
    assert (
        _status(client, f"/admin/pages/add/community/communitypage/{community.get_parent().pk}/")
        == 200
    )


def test_librarian_cannot_manage_users_branches_or_interests(client, librarian, taxonomy, branches):
    client.force_login(librarian)
    assert _status(client, "/admin/users/") in (302, 403)
    assert _status(client, "/admin/snippets/cms/branch/add/") in (302, 403)
    assert _status(client, f"/admin/snippets/cms/interest/edit/{taxonomy['sf'].pk}/") in (302, 403)
    from cms.models import HomePage

    # librarians have no delete permission on the page tree
    assert _status(client, f"/admin/pages/{HomePage.objects.get().pk}/delete/") in (302, 403)


def test_network_admin_manages_branches_interests_and_users(
    client, network_admin, taxonomy, branches
):
    client.force_login(network_admin)
    assert _status(client, "/admin/users/") == 200
    assert _status(client, "/admin/snippets/cms/branch/add/") == 200
    assert _status(client, f"/admin/snippets/cms/interest/edit/{taxonomy['sf'].pk}/") == 200


def test_network_admin_can_create_an_interest_through_the_admin(client, network_admin, taxonomy):
    client.force_login(network_admin)
    response = client.post(
        "/admin/snippets/cms/interest/add/",
        {"name": "Polar", "slug": "", "parent": "", "description": "Romans noirs", "position": 5},
    )
    assert response.status_code == 302
    from cms.models import Interest

    assert Interest.objects.filter(name="Polar", parent__isnull=True).exists()


def test_taxonomy_stays_two_levels(client, network_admin, taxonomy):
    client.force_login(network_admin)
    response = client.post(
        "/admin/snippets/cms/interest/add/",
        {
            "name": "Space opera",
            "slug": "",
            "parent": taxonomy["sf"].pk,
            "description": "",
            "position": 1,
        },
    )
    assert response.status_code == 200  # form error, nothing saved
    from cms.models import Interest

    assert not Interest.objects.filter(name="Space opera").exists()


def test_librarians_see_memberships_admins_manage_them(
    client, librarian, network_admin, member, taxonomy
):
    from community.actions.memberships import join_community

    club = make_community("Club Manga", interests=[taxonomy["manga"]])
    join_community(member, club)
    membership = member.memberships.get()
    client.force_login(librarian)
    listing = client.get("/admin/memberships/")
    assert listing.status_code == 200
    assert "Club Manga" in listing.content.decode()
    assert _status(client, f"/admin/memberships/edit/{membership.pk}/") in (302, 403)
    client.force_login(network_admin)
    assert _status(client, f"/admin/memberships/edit/{membership.pk}/") == 200
    client.force_login(member)
    assert _status(client, "/admin/memberships/") == 302
