import pytest
from django.db import connection
from django.urls import reverse

from community.actions.memberships import join_community, leave_community
from community.models import Membership
from tests.concurrency import run_together
from tests.conftest import make_community, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def sf_club(taxonomy, branches):
    return make_community(
        "Les Voyageurs de l'Imaginaire", interests=[taxonomy["sf"]], branches=[branches["aubagne"]]
    )


def test_join_and_leave_are_idempotent(member, sf_club):
    assert join_community(member, sf_club) is True
    assert join_community(member, sf_club) is False
    assert Membership.objects.filter(community=sf_club).count() == 1
    assert leave_community(member, sf_club) is True
    assert leave_community(member, sf_club) is False
    assert Membership.objects.filter(community=sf_club).count() == 0


def test_join_through_the_page_updates_the_count(client, member, sf_club):
    client.force_login(member)
    url = reverse("community:join", args=[sf_club.pk])
    assert client.post(url).status_code == 302
    assert client.post(url).status_code == 302  # twice: still one membership
    html = client.get(sf_club.url).content.decode()
    assert "1 membre" in html
    assert "Quitter la communauté" in html
    client.post(reverse("community:leave", args=[sf_club.pk]))
    html = client.get(sf_club.url).content.decode()
    assert "0 membre" in html
    assert "Rejoindre la communauté" in html


def test_join_requires_post_and_login(client, member, sf_club):
    url = reverse("community:join", args=[sf_club.pk])
    assert client.post(url).status_code == 302  # anonymous: to the login page
    assert not Membership.objects.exists()
    client.force_login(member)
    assert client.get(url).status_code == 405
    assert not Membership.objects.exists()


def test_join_unknown_or_unpublished_community_is_404(client, member, sf_club):
    client.force_login(member)
    assert client.post(reverse("community:join", args=[999999])).status_code == 404
    sf_club.unpublish()
    assert client.post(reverse("community:join", args=[sf_club.pk])).status_code == 404


def test_next_parameter_cannot_redirect_off_site(client, member, sf_club):
    client.force_login(member)
    response = client.post(
        reverse("community:join", args=[sf_club.pk]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == sf_club.url


def test_index_lists_matching_communities_first(client, member, taxonomy, branches):
    cooking = make_community("Cuisine du monde", interests=[taxonomy["cuisine"]])
    manga = make_community("Club Manga", interests=[taxonomy["manga"]])
    for _ in range(2):  # the cooking club is more popular
        join_community(make_user(), cooking)
    client.force_login(member)
    member.interests.add(taxonomy["bd"])  # parent of Manga: taxonomy-aware match
    html = client.get("/communautes/").content.decode()
    assert html.index("Club Manga") < html.index("Cuisine du monde")
    assert "Correspond à vos centres d’intérêt" in html
    # anonymous visitors: most members first
    client.logout()
    html = client.get("/communautes/").content.decode()
    assert html.index("Cuisine du monde") < html.index("Club Manga")
    assert manga.live


def test_community_page_shows_interests_branches_and_count(client, sf_club):
    html = client.get(sf_club.url).content.decode()
    assert "Imaginaire › Science-fiction" in html
    assert "Médiathèque Marcel Pagnol" in html
    assert "0 membre" in html
    assert "Créer un compte pour rejoindre" in html


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_joins_make_one_membership(taxonomy, branches):
    if connection.vendor != "postgresql":
        pytest.skip("concurrency test needs PostgreSQL")
    member = make_user()
    club = make_community("Club", interests=[taxonomy["sf"]])
    results = []
    assert run_together([lambda: results.append(join_community(member, club))] * 6) == []
    assert results.count(True) == 1
    assert Membership.objects.filter(user=member, community=club).count() == 1
