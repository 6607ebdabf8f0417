"""Interactions with catalogue items: the "Réserver" click-through and reactions on posts."""

from urllib.parse import urlparse

import pytest
from django.urls import reverse

from community.interactions import forget_reaction, record_reaction
from community.journey import Step, journey_step
from community.models import Interaction, Post, Reaction
from tests.cms.library_factories import make_item, set_opac
from tests.conftest import make_community, make_user

pytestmark = pytest.mark.django_db

OPAC = "https://catalogue.example.org/notice/{record_id}"


@pytest.fixture
def steps():
    received = []

    def handler(sender, **kwargs):
        received.append(kwargs)

    journey_step.connect(handler, weak=False, dispatch_uid="test-interactions-steps")
    yield received
    journey_step.disconnect(dispatch_uid="test-interactions-steps")


@pytest.fixture
def dune(db):
    return make_item("Dune", record_id="B 42/7")


def reserve_url(item) -> str:
    return reverse("community:reserve", args=[item.pk])


def test_reserve_redirects_to_the_opac_and_records_the_click(
    client, member, branches, dune, steps, django_capture_on_commit_callbacks
):
    set_opac(OPAC)
    member.home_branch = branches["aubagne"]
    member.save()
    client.force_login(member)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reserve_url(dune))

    assert response.status_code == 302
    assert response["Location"] == "https://catalogue.example.org/notice/B%2042%2F7"
    row = Interaction.objects.get()
    assert (row.member, row.item, row.kind) == (member, dune, Interaction.Kind.RESERVATION_CLICK)
    [step] = [s for s in steps if s["step"] == Step.RESERVATION_CLICKED]
    assert step["member"] == member and step["item"] == dune
    assert step["branch"] == branches["aubagne"]


def test_visitor_click_is_counted_as_a_step_but_not_recorded(
    client, dune, steps, django_capture_on_commit_callbacks
):
    set_opac(OPAC)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reserve_url(dune))

    assert response.status_code == 302
    assert not Interaction.objects.exists()
    assert [(s["step"], s["member"]) for s in steps] == [(Step.RESERVATION_CLICKED, None)]


def test_reserve_never_redirects_outside_the_configured_opac(client, member):
    set_opac(OPAC)
    tricky = make_item("Piège", record_id="//evil.example/@x?y#z")
    client.force_login(member)

    response = client.get(reserve_url(tricky), {"next": "https://evil.example/"})

    assert response.status_code == 302
    location = urlparse(response["Location"])
    assert (location.scheme, location.netloc) == ("https", "catalogue.example.org")
    assert location.path.startswith("/notice/") and "evil.example" in location.path


def test_reserve_refusals(client, member, dune):
    client.force_login(member)
    # No OPAC configured: a clear 404, nothing recorded.
    response = client.get(reserve_url(dune))
    assert response.status_code == 404
    assert "catalogue en ligne" in response.content.decode()

    set_opac(OPAC)
    assert client.get(reverse("community:reserve", args=[999999])).status_code == 404
    assert client.post(reserve_url(dune)).status_code == 405

    dune.withdrawn = True
    dune.save()
    response = client.get(reserve_url(dune))
    assert response.status_code == 410
    assert "plus dans les collections" in response.content.decode()
    assert not Interaction.objects.exists()


def test_catalogue_card_reserve_link_goes_through_the_click_through(client):
    set_opac(OPAC)
    item = make_item("Fondation", record_id="F1")
    response = client.get(reverse("search:item", args=[item.record_id]))
    html = response.content.decode()
    assert f'href="{reserve_url(item)}"' in html
    assert "catalogue.example.org" not in html


def _post(author, item=None) -> Post:
    community = make_community("Les Voyageurs de l'Imaginaire")
    return Post.objects.create(
        community=community, author=author, body="À lire !", catalogue_item=item
    )


def test_reactions_on_a_post_about_an_item_become_interactions(
    member, dune, django_capture_on_commit_callbacks
):
    post = _post(make_user("autrice@example.org"), dune)
    with django_capture_on_commit_callbacks(execute=True):
        like = Reaction.objects.create(post=post, user=member, kind=Reaction.Kind.LIKE)
        Reaction.objects.create(post=post, user=member, kind=Reaction.Kind.INTERESTED)

    assert sorted(Interaction.objects.values_list("item__title", "kind", "post")) == [
        ("Dune", "interested", post.pk),
        ("Dune", "like", post.pk),
    ]

    with django_capture_on_commit_callbacks(execute=True):
        like.delete()
    assert list(Interaction.objects.values_list("kind", flat=True)) == ["interested"]


def test_reactions_on_a_post_without_item_record_nothing(
    member, django_capture_on_commit_callbacks
):
    post = _post(make_user("autrice@example.org"))
    with django_capture_on_commit_callbacks(execute=True):
        Reaction.objects.create(post=post, user=member, kind=Reaction.Kind.LIKE)
    assert not Interaction.objects.exists()


def test_record_reaction_is_idempotent_and_forget_removes_it(member, dune):
    post = _post(make_user("autrice@example.org"), dune)
    assert record_reaction(member, post, Reaction.Kind.LIKE) is not None
    assert record_reaction(member, post, Reaction.Kind.LIKE) is None
    assert Interaction.objects.count() == 1
    assert forget_reaction(member.pk, post.pk, Reaction.Kind.LIKE) == 1
    assert not Interaction.objects.exists()
