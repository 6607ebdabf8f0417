"""A small network for the API tests: branches with hours, events (one full), an
announcement, a curated list, a community, and two members with tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from cms.models import Branch, EventPage, Interest
from community.actions.events import register_for_event
from community.actions.tokens import create_access_token
from community.models import CommunityPage, User
from community.notifications import notify
from tests.cms.library_factories import (
    make_announcement,
    make_branch_page,
    make_event,
    make_item,
    make_recommendation,
)
from tests.conftest import make_branch, make_community, make_interest, make_user

EVERY_DAY_ALL_DAY = [(day, "00:00", "23:59") for day in range(1, 8)]


@dataclass
class World:
    sf: Interest
    cuisine: Interest
    alcazar: Branch
    arles: Branch
    open_event: EventPage
    full_event: EventPage
    free_event: EventPage
    community: CommunityPage
    alice: User
    bob: User
    alice_read: str
    alice_write: str
    bob_write: str


def build_world() -> World:
    imaginaire = make_interest("Imaginaire")
    sf = make_interest("Science-fiction", imaginaire)
    cuisine = make_interest("Cuisine")
    alcazar = make_branch(
        "Bibliothèque de l'Alcazar",
        commune="Marseille",
        lat=43.2993,
        lon=5.3784,
        postcode="13001",
        insee="13201",
        slug="alcazar",
    )
    arles = make_branch(
        "Médiathèque d'Arles", commune="Arles", lat=43.6766, lon=4.6278, slug="arles"
    )
    make_branch_page(alcazar, hours=EVERY_DAY_ALL_DAY)
    make_branch_page(arles, hours=[])
    soon = timezone.now() + timedelta(days=3)
    open_event = make_event(
        "Club SF",
        branch=alcazar,
        start=soon,
        interests=[sf],
        registration_required=True,
        capacity=10,
    )
    full_event = make_event(
        "Atelier cuisine",
        branch=arles,
        start=soon + timedelta(days=1),
        interests=[cuisine],
        registration_required=True,
        capacity=1,
    )
    free_event = make_event("Conte", branch=arles, start=soon + timedelta(days=2))
    item = make_item("Dune", authors="Herbert, Frank", year=1965)
    make_announcement("Nuit de la SF", interests=[sf], branches=[alcazar])
    make_recommendation("Classiques de la SF", items=[(item, "Indispensable.")], interests=[sf])
    community = make_community("Science-fiction", interests=[sf], branches=[alcazar])
    alice = make_user("alice@example.org", display_name="Alice")
    bob = make_user("bob@example.org", display_name="Bob")
    _, alice_read = create_access_token(alice, "lecture", "read")
    _, alice_write = create_access_token(alice, "appli", "write")
    _, bob_write = create_access_token(bob, "appli de Bob", "write")
    register_for_event(bob, full_event)  # the only place: the event is full
    register_for_event(bob, open_event)
    notify(bob, "reply", "Réponse de Claire", "Bien vu !", "/communautes/")
    notify(alice, "reply", "Réponse de Denis", "D’accord.", "/communautes/")
    return World(
        sf=sf,
        cuisine=cuisine,
        alcazar=alcazar,
        arles=arles,
        open_event=open_event,
        full_event=full_event,
        free_event=free_event,
        community=community,
        alice=alice,
        bob=bob,
        alice_read=alice_read,
        alice_write=alice_write,
        bob_write=bob_write,
    )


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}
