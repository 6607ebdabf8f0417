"""“Ma médiathèque”: the member's own registrations, waitlist positions, reminders,
communities, suggestions and médiathèque; leaving an event from it; the event page never asks
a registered member to join the waitlist."""

import html
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from community.actions.events import register_for_event
from community.models import EventRegistration, Membership, PurchaseSuggestion
from community.models.suggestions import title_key
from tests.cms.library_factories import make_branch_page, make_event
from tests.conftest import make_community, make_user

pytestmark = pytest.mark.django_db

URL = "/ma-mediatheque/"


def page_text(response) -> str:
    assert response.status_code == 200, response.status_code
    return html.unescape(response.content.decode()).replace("\u00a0", " ")


@pytest.fixture
def full_event(branches):
    return make_event(
        "Atelier BD complet",
        branch=branches["aubagne"],
        start=timezone.now() + timedelta(days=5),
        registration_required=True,
        capacity=1,
    )


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert client.post(reverse("community:my_library_leave", args=[1])).status_code == 302


def test_shows_the_members_own_registrations_and_waitlist_position(client, branches, full_event):
    member, other, third = make_user(), make_user(), make_user()
    register_for_event(other, full_event)  # other has the only place
    register_for_event(third, full_event)  # third is first on the waitlist
    register_for_event(member, full_event)  # member is second
    soon = make_event(
        "Club lecture demain",
        branch=branches["arles"],
        start=timezone.now() + timedelta(days=3),
        registration_required=True,
    )
    register_for_event(member, soon)
    secret = make_event(
        "Soirée jeux d’un autre", branch=branches["arles"], registration_required=True
    )
    register_for_event(other, secret)
    finished = make_event(
        "Atelier passé",
        branch=branches["arles"],
        start=timezone.now() - timedelta(days=3),
    )
    EventRegistration.objects.create(event=finished, user=member, status="confirmed")

    client.force_login(member)
    text = page_text(client.get(URL))
    assert "Atelier BD complet" in text and "Club lecture demain" in text
    assert "liste d’attente (position 2)" in text
    assert "Rappel le" in text  # the confirmed place's reminder, 24 hours before
    assert "Soirée jeux d’un autre" not in text  # never another member's registration
    assert "Atelier passé" not in text
    assert text.count("Se désinscrire") == 2
    assert 'href="/ma-mediatheque/"' in text  # the header menu links here


def test_unregister_from_it_calls_the_action_and_promotes_the_waitlist(client, full_event):
    member, waiting = make_user(), make_user()
    register_for_event(member, full_event)
    register_for_event(waiting, full_event)
    client.force_login(member)
    url = reverse("community:my_library_leave", args=[full_event.pk])
    assert client.get(url).status_code == 405
    response = client.post(url, follow=True)
    assert response.redirect_chain[-1][0] == URL
    text = page_text(response)
    assert "Votre inscription à « Atelier BD complet » est annulée." in text
    statuses = dict(
        EventRegistration.objects.filter(event=full_event).values_list("user_id", "status")
    )
    assert statuses == {member.pk: "cancelled", waiting.pk: "confirmed"}
    # someone else's event where the member has no place: nothing changes
    response = client.post(url, follow=True)
    assert "Vous n’étiez pas inscrit" in page_text(response)
    assert EventRegistration.objects.get(event=full_event, user=waiting).status == "confirmed"


def test_unregister_needs_the_csrf_token(full_event):
    from django.test import Client

    member = make_user()
    register_for_event(member, full_event)
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    response = client.post(reverse("community:my_library_leave", args=[full_event.pk]))
    assert response.status_code == 403
    assert EventRegistration.objects.get(user=member).status == "confirmed"


def test_communities_and_suggestions_are_the_members_own(client, taxonomy):
    member, other = make_user(), make_user()
    mine = make_community("Les amis de la SF", interests=[taxonomy["sf"]])
    theirs = make_community("Cercle cuisine", interests=[taxonomy["cuisine"]])
    Membership.objects.create(user=member, community=mine)
    Membership.objects.create(user=other, community=theirs)
    PurchaseSuggestion.objects.create(
        title="Le Problème à trois corps",
        key=title_key("Le Problème à trois corps"),
        suggested_by=member,
    )
    PurchaseSuggestion.objects.create(
        title="Un livre d’un autre", key=title_key("Un livre d’un autre"), suggested_by=other
    )
    client.force_login(member)
    text = page_text(client.get(URL))
    assert "Les amis de la SF" in text and "Cercle cuisine" not in text
    assert "Le Problème à trois corps" in text and "Un livre d’un autre" not in text
    assert 'href="/notifications/"' in text and 'href="/profil/"' in text


def test_the_members_mediatheque_hours_today_and_next_events(client, branches):
    today = timezone.localdate()
    make_branch_page(branches["aubagne"], hours=[(today.isoweekday(), "09:30", "18:00")])
    make_event("Heure du conte", branch=branches["aubagne"])
    make_event("Ailleurs", branch=branches["arles"])
    member = make_user(home_branch=branches["aubagne"])
    client.force_login(member)
    text = page_text(client.get(URL))
    assert "Médiathèque Marcel Pagnol" in text and "Votre médiathèque de rattachement." in text
    assert "9 h 30 – 18 h 00" in text
    assert "Heure du conte" in text and "Ailleurs" not in text

    # no home branch: the nearest to the member's commune
    nearby = make_user(commune_name="Arles", latitude=43.68, longitude=4.63)
    client.force_login(nearby)
    text = page_text(client.get(URL))
    assert "Médiathèque d'Arles" in text and "La médiathèque la plus proche" in text
    assert "Ailleurs" in text


def test_an_event_page_never_asks_a_registered_member_to_join_the_waitlist(client, full_event):
    member = make_user()
    register_for_event(member, full_event)
    client.force_login(member)
    text = page_text(client.get(full_event.url))
    assert "Vous êtes inscrit" in text
    assert "liste d’attente" not in text.split('id="inscription"')[1]
    waiting = make_user()
    register_for_event(waiting, full_event)
    client.force_login(waiting)
    text = page_text(client.get(full_event.url)).split('id="inscription"')[1]
    assert "M’inscrire sur la liste d’attente" not in text and "Complet — " not in text
    # a visitor who has no place is still offered the waitlist
    client.force_login(make_user())
    assert "Complet — " in page_text(client.get(full_event.url))
