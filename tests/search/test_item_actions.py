"""Items you can act on: availability at the member's médiathèque first then by distance (with
due dates), « Ça m'intéresse » and « Ajouter à une liste » on the item page and the results,
the communities and events on the same interests, « Les lecteurs ont aussi aimé »; bounded
queries."""

import html
from datetime import date, timedelta

import pytest
from django.urls import reverse

from cms.models import Holding, HoldingStatus
from cms.templatetags.library_tags import availability
from community.actions import lists as actions
from feeds.models import ItemNeighbour
from tests.conftest import make_community, make_user
from tests.search.conftest import make_event, make_item

pytestmark = pytest.mark.django_db


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return html.unescape(response.content.decode()).replace("\u00a0", " ")


@pytest.fixture
def everywhere(branches):
    """On the shelf at Arles and the Alcazar, on loan (due back on 20 December) at Aubagne."""
    item = make_item(
        "Le Château des Carpathes",
        "Verne, Jules",
        holdings=[
            (branches["arles"], HoldingStatus.AVAILABLE),
            (branches["alcazar"], HoldingStatus.AVAILABLE),
            (branches["aubagne"], HoldingStatus.ON_LOAN),
        ],
    )
    Holding.objects.filter(item=item, branch=branches["aubagne"]).update(
        due_date=date(2026, 12, 20)
    )
    return item


def test_member_sees_their_mediatheque_first_then_by_distance(branches, everywhere):
    # lives in Aubagne, home branch Arles (far): Arles first, then Aubagne (0 km), Alcazar
    member = make_user(
        home_branch=branches["arles"], latitude=43.2925, longitude=5.5693, commune_name="Aubagne"
    )
    rows = availability(everywhere, member)
    assert [row["branch"] for row in rows] == [
        branches["arles"],
        branches["aubagne"],
        branches["alcazar"],
    ]
    assert rows[0]["is_home"] and rows[0]["text"] == "En rayon à la Médiathèque d'Arles"
    assert rows[1]["text"].replace("\u00a0", " ") == (
        "Emprunté, retour prévu le 20 décembre 2026 (Médiathèque Marcel Pagnol)"
    )
    assert rows[1]["due_date"] == date(2026, 12, 20)
    # no commune: distances from the home branch
    member = make_user(home_branch=branches["aubagne"])
    assert [row["branch"] for row in availability(everywhere, member)] == [
        branches["aubagne"],
        branches["alcazar"],
        branches["arles"],
    ]
    # a visitor: available first, then by name, as before
    assert [row["branch"] for row in availability(everywhere, None)][-1] == branches["aubagne"]


def test_item_page_for_a_member(client, branches, taxonomy, everywhere):
    everywhere.interests.set([taxonomy["sf"]])
    everywhere.save()
    club = make_community("Club Imaginaire", interests=[taxonomy["imaginaire"]])
    other_club = make_community("Club Cuisine", interests=[taxonomy["cuisine"]])
    event = make_event("Rencontre SF", branches["aubagne"], interests=[taxonomy["sf"]])
    past = make_event("Rencontre passée", branches["aubagne"], days=-3, interests=[taxonomy["sf"]])
    liked = make_item("Vingt mille lieues sous les mers", "Verne, Jules")
    withdrawn = make_item("Retiré", withdrawn=True)
    ItemNeighbour.objects.create(item=everywhere, neighbour=liked, score=0.8, members=3)
    ItemNeighbour.objects.create(item=everywhere, neighbour=withdrawn, score=0.9, members=3)
    member = make_user(home_branch=branches["aubagne"])
    client.force_login(member)
    shown = text(client.get(reverse("search:item", args=[everywhere.record_id])))
    first = shown.index("Emprunté, retour prévu le 20 décembre 2026")
    assert first < shown.index("Disponible à la Bibliothèque de l'Alcazar")
    assert "votre médiathèque" in shown
    assert "Ça m’intéresse" in shown and "Ajouter à une liste" in shown
    assert club.title in shown and other_club.title not in shown
    assert event.title in shown and past.title not in shown
    assert "Les lecteurs ont aussi aimé" in shown and liked.title in shown
    assert "Retiré" not in shown


def test_item_page_for_a_visitor_offers_to_log_in(client, everywhere):
    shown = text(client.get(reverse("search:item", args=[everywhere.record_id])))
    assert "Connectez-vous pour le garder dans une liste" in shown
    assert 'action="/catalogue/' not in shown


def test_item_page_queries_are_bounded(client, branches, taxonomy, django_assert_max_num_queries):
    items = [
        make_item(f"Roman {n}", holdings=[(b, HoldingStatus.AVAILABLE) for b in branches.values()])
        for n in range(8)
    ]
    for other in items[1:]:
        ItemNeighbour.objects.create(item=items[0], neighbour=other, score=0.5, members=2)
    items[0].interests.set([taxonomy["sf"]])
    items[0].save()
    for n in range(4):
        make_community(f"Club {n}", interests=[taxonomy["sf"]])
        make_event(f"Rencontre {n}", branches["arles"], days=n + 1, interests=[taxonomy["sf"]])
    member = make_user(home_branch=branches["aubagne"])
    reading_list = actions.create_list(member, "Ma liste")
    actions.add_item(member, reading_list.pk, items[0].pk)
    client.force_login(member)
    client.get(reverse("search:item", args=[items[1].record_id]))  # settings created on first use
    with django_assert_max_num_queries(22):
        text(client.get(reverse("search:item", args=[items[0].record_id])))


@pytest.mark.usefixtures("engine")
def test_results_show_actions_and_the_members_branch_first(
    client, catalogue, branches, django_assert_max_num_queries
):
    member = make_user(home_branch=branches["aubagne"])
    to_read = actions.default_list(member)
    actions.add_item(member, to_read.pk, catalogue["etranger"].pk)
    actions.toggle_interest(member, catalogue["peste"].pk)
    client.force_login(member)
    client.get(reverse("search:results"), {"q": "dune"})  # settings created on first use
    with django_assert_max_num_queries(30):
        shown = text(client.get(reverse("search:results"), {"q": "camus"}))
    # L'Étranger: on loan at Aubagne (the member's), on the shelf at the Alcazar
    assert shown.index("Emprunté (Médiathèque Marcel Pagnol)") < shown.index(
        "Disponible à la Bibliothèque de l'Alcazar"
    )
    assert shown.count("Ajouter à une liste") == 2
    assert shown.count('aria-pressed="true"') == 1
    assert "Dans vos listes : " in shown and to_read.get_absolute_url() in shown


@pytest.mark.usefixtures("engine")
def test_results_queries_do_not_grow_with_hits(
    client, catalogue, branches, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    member = make_user(home_branch=branches["aubagne"])
    client.force_login(member)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("search:results"), {"q": "camus"})
    for n in range(15):
        make_item(
            f"Camus inédit {n}",
            "Camus, Albert",
            holdings=[(b, HoldingStatus.AVAILABLE) for b in branches.values()],
        )
    from search import indexing

    indexing.rebuild()
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("search:results"), {"q": "camus"})
    assert text(response).count("Ajouter à une liste") >= 10
    assert len(few.captured_queries) > 10  # the page was really built
    assert len(many.captured_queries) <= len(few.captured_queries) + 2


def test_due_date_in_the_json_api(client, catalogue, branches):
    Holding.objects.filter(item=catalogue["miserables"]).update(
        due_date=date.today() + timedelta(days=9)
    )
    from search import indexing

    indexing.rebuild()
    data = client.get(reverse("search:api"), {"q": "misérables"}).json()
    row = data["results"][0]["availability"][0]
    assert row["due_date"] == (date.today() + timedelta(days=9)).isoformat()
    assert row["is_home"] is False
