"""Public feeds: a visitor's sample near a commune (no account, nothing stored) and the
community page's feed (template tag), plus the nav link."""

import pytest
from django.urls import reverse

from tests.cms.library_factories import make_announcement, make_event
from tests.community.life_helpers import join
from tests.conftest import make_community
from tests.feeds import feed_fixtures
from tests.feeds.feed_fixtures import make_member

pytestmark = pytest.mark.django_db
sf_member = feed_fixtures.sf_member  # shared fixture


def test_visitors_discover_what_is_on_near_a_commune(client, taxonomy, branches):
    near = make_event("Heure du conte", branch=branches["aubagne"], interests=[taxonomy["bd"]])
    far = make_event("Lecture en Camargue", branch=branches["arles"])
    news = make_announcement("Le réseau recrute des bénévoles")
    response = client.get(reverse("feeds:discover"), {"commune": "Aubagne"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Heure du conte" in html and "Le réseau recrute des bénévoles" in html
    assert "Lecture en Camargue" not in html  # Arles is not among the nearest branches
    assert (
        "Médiathèque Marcel Pagnol, moins d’1 km" in html or "Médiathèque Marcel Pagnol, " in html
    )
    assert html.index("Heure du conte") < html.index("Le réseau recrute des bénévoles")
    assert "sessionid" not in response.cookies and "csrftoken" not in response.cookies
    assert not client.session.keys()
    assert near.pk and far.pk and news.pk


def test_discover_with_an_unknown_commune_says_so(client, branches):
    response = client.get(reverse("feeds:discover"), {"commune": "Zzyzxville"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Nous ne trouvons pas" in html and "Zzyzxville" in html


def test_the_home_page_offers_the_discover_form(client, db):
    html = client.get("/").content.decode()
    assert reverse("feeds:discover") in html
    assert "Découvrez ce qui se passe près de chez vous" in html


def test_the_community_page_shows_its_feed(client, taxonomy, branches, sf_member):
    club = make_community(
        "Club SF", interests=[taxonomy["imaginaire"]], branches=[branches["aubagne"]]
    )
    event = make_event("Club de lecture SF", branch=branches["aubagne"], interests=[taxonomy["sf"]])
    other = make_announcement("Atelier pâtisserie", interests=[taxonomy["cuisine"]])
    from community.models import Post

    author = make_member()
    join(author, club)
    Post.objects.create(community=club, author=author, body="Bienvenue à tous les fans !")
    html = client.get(club.url).content.decode()
    assert "Le fil de la communauté" in html
    section = html[html.index("Le fil de la communauté") :]
    assert "Club de lecture SF" in section  # Science-fiction is a child of Imaginaire
    # the members' conversation comes first, the library's block after it without the posts
    assert "Bienvenue à tous les fans" in html[: html.index("Le fil de la communauté")]
    assert "Bienvenue à tous les fans" not in section
    assert "Atelier pâtisserie" not in html
    assert event.pk and other.pk


def test_members_see_a_link_to_their_feed(client, sf_member):
    client.force_login(sf_member)
    html = client.get(reverse("community:profile")).content.decode()
    assert f'href="{reverse("feeds:feed")}"' in html and "Mon fil" in html
