"""The library pages in a real browser: no serious or critical axe-core violation."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from cms.models import HoldingStatus
from tests.cms.library_factories import (
    event_block,
    image_block,
    item_block,
    make_announcement,
    make_branch_page,
    make_event,
    make_image,
    make_item,
    make_recommendation,
    make_service,
    paragraph,
    quote,
    set_opac,
)
from tests.conftest import make_branch, make_interest
from tests.e2e.conftest import assert_accessible

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def library(db):
    imaginaire = make_interest("Imaginaire", position=1)
    sf = make_interest("Science-fiction", imaginaire, position=1)
    aubagne = make_branch(
        "Médiathèque Marcel Pagnol",
        commune="Aubagne",
        lat=43.2925,
        lon=5.5693,
        postcode="13400",
        insee="13005",
        phone="04 42 18 19 90",
        email="mediatheque@aubagne.example.org",
        card_signup_url="https://inscription.example.org/aubagne",
    )
    alcazar = make_branch(
        "Bibliothèque de l'Alcazar",
        commune="Marseille",
        lat=43.2993,
        lon=5.3784,
        address="58 cours Belsunce",
        postcode="13001",
        insee="13201",
    )
    make_branch("Médiathèque d'Arles", commune="Arles", lat=43.6766, lon=4.6278, postcode="13200")
    set_opac()
    today = timezone.localdate()
    branch_page = make_branch_page(
        aubagne,
        intro="Au cœur d'Aubagne, une médiathèque pour tous.",
        image=make_image("Façade", size=(320, 140)),
        hours=[
            (today.isoweekday(), "09:30", "12:30"),
            (today.isoweekday(), "14:00", "18:00"),
            ((today.isoweekday() % 7) + 1, "10:00", "17:00"),
        ],
        closures=[(today + timedelta(days=10), today + timedelta(days=12), "Inventaire")],
        services=[make_service("Wifi", "Gratuit"), make_service("Portage à domicile")],
        signup_info="<p>Apportez une pièce d'identité et un justificatif de domicile.</p>",
    )
    soon = timezone.now() + timedelta(days=4)
    event = make_event(
        "Club de lecture science-fiction",
        branch=aubagne,
        start=soon,
        room="Salle Pagnol",
        min_age=14,
        interests=[sf],
        registration_required=True,
        capacity=12,
        image=make_image("Affiche du club", size=(320, 160)),
        description="<p>On parle de <b>Dune</b>, d'<i>Hypérion</i> et de vos lectures.</p>",
    )
    past = make_event(
        "Rencontre passée",
        branch=alcazar,
        start=timezone.now() - timedelta(days=5),
        registration_required=True,
    )
    dune = make_item(
        "Dune",
        authors="Herbert, Frank",
        year=2021,
        holdings=[(aubagne, HoldingStatus.AVAILABLE), (alcazar, HoldingStatus.ON_LOAN)],
    )
    akira = make_item(
        "Akira",
        authors="Otomo, Katsuhiro",
        year=1990,
        doc_type="manga",
        cover=make_image("Couverture d'Akira", size=(160, 240), color=(181, 70, 43)),
        holdings=[(alcazar, HoldingStatus.ON_LOAN)],
    )
    announcement = make_announcement(
        "La rentrée de l'imaginaire",
        intro="Romans, mangas et rencontres : la rentrée de l'imaginaire.",
        image=make_image("Bandeau de la rentrée", size=(480, 240)),
        body=[
            paragraph("<h2>Au programme</h2><p>Des <b>lectures</b> à partager.</p>"),
            image_block(
                make_image("Photo du club", size=(400, 260), color=(30, 107, 58)),
                alt="Des lecteurs autour d'une table de la médiathèque",
                caption="Le club de lecture, l'an dernier.",
            ),
            quote("La science-fiction, c'est la littérature du possible.", "Une lectrice"),
            item_block(dune, note="Un classique à (re)découvrir."),
            item_block(akira),
            event_block(event),
        ],
        interests=[sf],
        branches=[aubagne],
    )
    selection = make_recommendation(
        "Nos coups de cœur SF",
        items=[(dune, "Le désert, l'épice, les vers."), (akira, "Néo-Tokyo en feu.")],
        interests=[sf],
        branch=aubagne,
    )
    return {
        "branch_page": branch_page,
        "event": event,
        "past": past,
        "announcement": announcement,
        "selection": selection,
    }


def test_event_pages_are_accessible(page, live_server, library):
    page.goto(library["event"].url)
    page.get_by_role("heading", level=1, name="Club de lecture science-fiction").wait_for()
    assert page.locator("#registration-title").count() == 1
    assert page.locator('a[href$=".ics"]').first.is_visible()
    assert_accessible(page, "event page")

    page.goto(library["past"].url)
    assert page.locator(".notice-past").is_visible()
    assert page.locator("main form").count() == 0
    assert_accessible(page, "past event page")

    page.goto("/agenda/")
    page.get_by_role("link", name="Club de lecture science-fiction").wait_for()
    assert_accessible(page, "agenda")
    page.locator("#agenda-branch").select_option(label="Bibliothèque de l'Alcazar")
    page.locator(".agenda-filters button[type=submit]").click()
    page.wait_for_url(re.compile(r"mediatheque=\d+"))
    assert page.get_by_role("link", name="Club de lecture science-fiction").count() == 0


def test_announcement_page_is_accessible(page, live_server, library):
    page.goto(library["announcement"].url)
    figure = page.locator("figure.figure img")
    assert figure.get_attribute("alt") == "Des lecteurs autour d'une table de la médiathèque"
    assert page.evaluate("() => document.querySelector('figure.figure img').naturalWidth") > 0
    assert page.locator("blockquote").count() == 1 and page.locator("cite").count() == 1
    reserve = page.locator(".item-card a.button").first
    assert "Dune" in reserve.evaluate("a => a.textContent")
    assert page.locator(".event-card").count() == 1
    assert_accessible(page, "announcement page")

    page.goto("/actualites/")
    assert_accessible(page, "news index")


def test_recommendation_pages_are_accessible(page, live_server, library):
    page.goto(library["selection"].url)
    assert page.locator("ol.recommended-list > li").count() == 2
    assert_accessible(page, "recommendation page")
    page.goto("/coups-de-coeur/")
    assert_accessible(page, "recommendation index")


def test_branch_page_is_accessible(page, live_server, library):
    page.goto(library["branch_page"].url)
    assert page.locator("table.hours tr.is-today").count() == 1
    assert page.locator("svg.situation-map circle.map-dot").count() == 2
    assert page.get_by_role("img", name=re.compile("Médiathèque Marcel Pagnol")).count() == 1
    assert page.locator(".closure-notice").count() == 1
    assert page.get_by_role("link", name="Club de lecture science-fiction").count() == 1
    assert_accessible(page, "branch page")
