"""The public library pages: announcements, events, recommendations, branches and their indexes.

Texts of the project's own catalogue are compared through `fr()` (gettext under French), so the
tests hold whether or not the French translation has been filled in yet.
"""

import html
import re
from datetime import UTC, date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.translation import gettext

from cms.models import HoldingStatus
from cms.templatetags.library_tags import format_date, format_range, situation_map
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
    paris,
    quote,
    set_opac,
)

pytestmark = pytest.mark.django_db


def fr(msgid: str, **values) -> str:
    with translation.override("fr"):
        text = gettext(msgid)
    text = text % values if values else text
    return text.replace("\u00a0", " ")  # as text_of reads pages


def text_of(response) -> str:
    """The page's text, no-break spaces read as spaces (dates are checked for what they say;
    test_date_range_in_french_and_english checks where the no-break spaces are)."""
    assert response.status_code == 200, response.status_code
    return html.unescape(response.content.decode()).replace("\u00a0", " ")


def squash(text: str) -> str:
    return " ".join(text.split())


# --- French dates -------------------------------------------------------------------------


def test_date_range_in_french_and_english():
    start, end = paris(2037, 12, 12, 14, 30), paris(2037, 12, 12, 16, 0)
    with translation.override("fr"):
        # No-break spaces inside a time and between a day and its month: "14 h / 30" never.
        assert format_range(start, end) == (
            "samedi 12\u00a0décembre 2037, 14\u00a0h\u00a030 – 16\u00a0h\u00a000"
        )
        assert format_range(start, paris(2037, 12, 13, 9, 5)).replace("\u00a0", " ") == (
            "samedi 12 décembre 2037, 14 h 30 – dimanche 13 décembre 2037, 9 h 05"
        )
        assert format_date(date(2037, 8, 1)) == "1er\u00a0août 2037"
    with translation.override("en"):
        assert format_range(start, end) == "Saturday 12 December 2037, 14:30 – 16:00"


def test_date_range_is_shown_in_paris_time_whatever_the_input_zone():
    utc_start = paris(2037, 7, 4, 10, 0).astimezone(UTC)
    with translation.override("fr"):
        assert format_range(utc_start).endswith("10\u00a0h\u00a000")


def test_situation_map_projects_into_the_box(branches):
    data = situation_map(list(branches.values()), branches["aubagne"], width=300, height=200)
    points = [*data["others"], data["current"]]
    assert data["current"]["name"] == "Médiathèque Marcel Pagnol"
    assert all(0 <= p["x"] <= 300 and 0 <= p["y"] <= 200 for p in points)
    arles = next(p for p in data["others"] if p["name"] == "Médiathèque d'Arles")
    # Arles is west and north of Aubagne: left of it and higher on the map.
    assert arles["x"] < data["current"]["x"] and arles["y"] < data["current"]["y"]
    alone = situation_map([branches["arles"]], branches["arles"], width=300, height=200)
    assert (alone["current"]["x"], alone["current"]["y"]) == (150, 100)


# --- Announcements ------------------------------------------------------------------------


@pytest.fixture
def catalogue(branches):
    dune = make_item(
        "Dune",
        authors="Herbert, Frank ; Durastanti, Pierre-Paul",
        year=2021,
        doc_type="livre",
        record_id="B 42/7",
        holdings=[
            (branches["aubagne"], HoldingStatus.AVAILABLE),
            (branches["alcazar"], HoldingStatus.ON_LOAN),
        ],
    )
    akira = make_item(
        "Akira",
        authors="Otomo, Katsuhiro",
        year=1990,
        doc_type="manga",
        cover=make_image("Couverture d'Akira"),
        holdings=[(branches["arles"], HoldingStatus.ON_LOAN)],
    )
    return {"dune": dune, "akira": akira}


def test_announcement_page_renders_every_block(client, taxonomy, branches, catalogue):
    set_opac()
    club = make_event(
        "Club SF",
        branch=branches["aubagne"],
        start=paris(2037, 12, 12, 14, 30),
        end=paris(2037, 12, 12, 16, 0),
        room="Salle Pagnol",
    )
    photo = make_image("Photo du club")
    page = make_announcement(
        "La rentrée de l'imaginaire",
        intro="Romans, BD et rencontres pour la rentrée.",
        image=make_image("Bandeau"),
        body=[
            paragraph("<h2>Au programme</h2><p>Des <b>lectures</b> à partager.</p>"),
            image_block(photo, alt="Des lecteurs autour d'une table", caption="Le club en 2036"),
            quote("La science-fiction, c'est la littérature du possible.", "Une lectrice"),
            item_block(catalogue["dune"], note="Un classique à redécouvrir."),
            item_block(catalogue["akira"]),
            event_block(club),
        ],
        interests=[taxonomy["sf"]],
        branches=[branches["aubagne"]],
        published_at=paris(2037, 9, 1, 10, 0),
    )

    text = text_of(client.get(page.url))
    assert '<h1 id="page-title">La rentrée de l\'imaginaire</h1>' in text
    assert '<time datetime="2037-09-01T10:00+02:00">1er septembre 2037</time>' in text
    assert "Romans, BD et rencontres pour la rentrée." in text
    # image block: alt text and caption in a figure
    assert re.search(r'<figure class="figure">\s*<img [^>]*alt="Des lecteurs autour', text)
    assert "<figcaption>Le club en 2036</figcaption>" in text
    # quote block
    assert re.search(r"<blockquote><p>La science-fiction, c'est la littérature du possible.", text)
    assert "<cite>Une lectrice</cite>" in text
    # catalogue cards: details, availability per branch, reserve link with the title
    assert "Herbert, Frank ; Durastanti, Pierre-Paul" in text and "2021" in text
    assert "Disponible à la Médiathèque Marcel Pagnol" in text
    assert fr("On loan (%(branch)s)", branch="Bibliothèque de l'Alcazar") in text
    assert "Un classique à redécouvrir." in text
    # "Réserver" goes through our counted click-through, which redirects to the OPAC record
    reserve = re.search(
        r'<a class="button button-small" href="(/catalogue/\d+/reserver/)">((?:(?!</a>).)*Dune.*?)</a>',
        text,
    )
    assert reserve and fr("Reserve") in reserve.group(2)
    redirect = client.get(reserve.group(1))
    assert redirect.status_code == 302
    assert redirect["Location"] == "https://catalogue.example.org/notice/B%2042%2F7"
    assert re.search(
        r'<div class="item-cover">\s*<picture>.*?<img [^>]*alt=""', text, re.S
    )  # Akira
    assert 'class="cover-placeholder cover-livre"' in text  # Dune has none
    # event card: Paris time, branch, link
    assert "samedi 12 décembre 2037, 14 h 30" in text and "16 h 00" in text
    assert f'<a href="{club.url}">Club SF</a>' in text
    assert "Médiathèque Marcel Pagnol · Salle Pagnol" in text
    # audience
    assert "Imaginaire › Science-fiction" in text


def test_catalogue_card_without_opac_or_holdings(client, branches):
    lonely = make_item("Le Grand Livre", doc_type="livre")
    page = make_announcement("Nouveauté", body=[item_block(lonely)])
    text = text_of(client.get(page.url))
    assert "Le Grand Livre" in text
    assert fr("No copy in the médiathèques of the network yet.") in text
    assert fr("Reserve") not in text.split('id="contenu"')[1]


def test_unpublished_event_card_is_not_shown(client, branches):
    draft = make_event("Brouillon", branch=branches["arles"], publish=False)
    page = make_announcement("Bientôt", body=[event_block(draft)])
    assert "Brouillon" not in text_of(client.get(page.url))


def test_announcement_page_query_count_does_not_grow_with_cards(client, branches, catalogue):
    def render(n):
        items = [
            make_item(f"Livre {i}", holdings=[(branches["arles"], "disponible")]) for i in range(n)
        ]
        events = [make_event(f"Atelier {i}", branch=branches["arles"]) for i in range(n)]
        body = [item_block(item) for item in items] + [event_block(e) for e in events]
        page = make_announcement(f"Sélection {n}", body=body)
        client.get(page.url)  # renditions are created on the first view
        with CaptureQueriesContext(connection) as queries:
            assert client.get(page.url).status_code == 200
        return len(queries)

    assert render(1) == render(6)


def test_news_index_is_paginated_newest_first(client):
    for day in range(1, 15):
        make_announcement(f"Nouvelle {day:02d}", published_at=paris(2037, 3, day, 9, 0))
    text = text_of(client.get("/actualites/"))
    titles = re.findall(r">Nouvelle (\d\d)</a>", text)
    assert titles == [f"{d:02d}" for d in range(14, 2, -1)]  # 12 per page, newest first
    nav = re.search(r'<nav class="pagination" aria-label="[^"]+">(.*?)</nav>', text, re.S).group(1)
    assert 'aria-current="page"' in nav and 'href="?page=2"' in nav and 'rel="next"' in nav

    text = text_of(client.get("/actualites/", {"page": 2}))
    assert re.findall(r">Nouvelle (\d\d)</a>", text) == ["02", "01"]
    assert 'rel="prev"' in text
    # an invalid page number falls back on a valid page
    assert client.get("/actualites/", {"page": "zzz"}).status_code == 200


# --- Events -------------------------------------------------------------------------------


def test_event_page_shows_when_where_audience_and_calendar_link(client, taxonomy, branches):
    make_branch_page(branches["aubagne"])
    event = make_event(
        "Atelier manga",
        branch=branches["aubagne"],
        start=paris(2037, 12, 12, 14, 30),
        end=paris(2037, 12, 12, 16, 0),
        room="Salle Pagnol",
        min_age=10,
        max_age=14,
        interests=[taxonomy["manga"]],
        registration_required=True,
        capacity=12,
        image=make_image("Affiche"),
    )
    text = text_of(client.get(event.url))
    assert "samedi 12 décembre 2037, 14 h 30" in text and "16 h 00" in text
    assert re.search(
        r'<a href="/mediatheques/[^"]+">Médiathèque Marcel Pagnol</a>, Salle Pagnol', text
    )
    assert fr("%(min)s to %(max)s years old", min=10, max=14) in text
    assert "BD › Manga" in text
    with translation.override("fr"):
        places = translation.ngettext(
            "Limited to %(counter)s person", "Limited to %(counter)s people", 12
        ) % {"counter": 12}
    assert places in text
    assert f'href="/agenda/evenement/{event.pk}.ics"' in text
    assert fr("Add to my calendar (.ics)") in text
    assert "webcal://testserver/mediatheques/" in text
    assert fr("Registration is open.") in text
    assert '<section class="registration" aria-labelledby="registration-title">' in text
    assert 'id="registration-title"' in text


def test_event_branch_without_page_is_plain_text(client, branches):
    event = make_event("Conte", branch=branches["arles"])
    text = text_of(client.get(event.url))
    assert not re.search(r"<a href=\"/mediatheques/[^\"]*\">Médiathèque d'Arles</a>", text)
    assert re.search(r"<dd>\s*Médiathèque d'Arles<br>", text)


def test_past_event_says_so_and_cannot_be_registered_for(client, member, branches):
    event = make_event(
        "Rencontre passée",
        branch=branches["arles"],
        start=timezone.now() - timedelta(days=3, hours=2),
        end=timezone.now() - timedelta(days=3),
        registration_required=True,
        capacity=5,
    )
    client.force_login(member)
    text = text_of(client.get(event.url))
    assert fr("This event is over.") in text
    assert fr("This event is over: registration is closed.") in text
    assert 'id="registration-title"' not in text
    main = text.split('id="contenu"')[1].split('class="site-footer"')[0]
    assert "<form" not in main  # neither registration nor waitlist form


def test_registration_states(client, branches):
    now = timezone.now()
    later = now + timedelta(days=20)
    not_open = make_event(
        "Pas encore",
        branch=branches["arles"],
        start=paris(2037, 12, 12, 14, 30),
        registration_required=True,
        registration_opens=paris(2037, 12, 1, 9, 0),
    )
    closed = make_event(
        "Complet",
        branch=branches["arles"],
        start=later,
        registration_required=True,
        registration_closes=now - timedelta(hours=1),
    )
    free = make_event("Entrée libre", branch=branches["arles"], start=later)
    text = text_of(client.get(not_open.url))
    assert fr("Registration opens on %(opens)s.", opens="mardi 1er décembre 2037, 9 h 00") in text
    assert fr("Registration is closed.") in text_of(client.get(closed.url))
    text = text_of(client.get(free.url))
    assert fr("No registration needed: just come along.") in text
    assert 'id="registration-title"' not in text


def test_agenda_lists_upcoming_events_soonest_first_grouped_by_day(client, branches):
    now = timezone.now()
    make_event("Passé", branch=branches["arles"], start=now - timedelta(days=2))
    make_event("Dans deux jours", branch=branches["arles"], start=now + timedelta(days=2))
    make_event("Demain matin", branch=branches["aubagne"], start=now + timedelta(days=1))
    make_event(
        "Demain plus tard", branch=branches["aubagne"], start=now + timedelta(days=1, minutes=30)
    )
    text = text_of(client.get("/agenda/"))
    assert "Passé" not in text
    order = [text.index(t) for t in ("Demain matin", "Demain plus tard", "Dans deux jours")]
    assert order == sorted(order)
    assert len(re.findall(r'<section class="agenda-day"', text)) in (2, 3)  # days in Paris time
    assert 'href="?passes=1"' in text
    # the branch filter form works without JavaScript
    assert '<select name="mediatheque" id="agenda-branch">' in text
    assert '<label for="agenda-branch">' in text

    past = text_of(client.get("/agenda/", {"passes": "1"}))
    assert "Passé" in past and "Demain matin" not in past


def test_agenda_filters_by_branch(client, branches):
    make_event("À Arles", branch=branches["arles"])
    make_event("À Aubagne", branch=branches["aubagne"])
    text = text_of(client.get("/agenda/", {"mediatheque": branches["arles"].pk}))
    assert "À Arles" in text and "À Aubagne" not in text
    assert f'<option value="{branches["arles"].pk}" selected>' in text
    # the subscription carries the filter
    assert f"webcal://testserver/agenda.ics?mediatheque={branches['arles'].pk}" in text


# --- Recommendations ----------------------------------------------------------------------


def test_recommendation_page_is_an_ordered_list_with_notes(client, taxonomy, branches, catalogue):
    make_branch_page(branches["arles"])
    page = make_recommendation(
        "Coups de cœur SF",
        items=[(catalogue["dune"], "Le désert, l'épice."), (catalogue["akira"], "Tokyo en 2019.")],
        interests=[taxonomy["sf"]],
        branch=branches["arles"],
    )
    text = text_of(client.get(page.url))
    listing = re.search(r'<ol class="recommended-list"[^>]*>(.*?)</ol>', text, re.S).group(1)
    assert listing.index("Dune") < listing.index("Akira")
    assert listing.count("<li>") == 2
    assert "Le désert, l'épice." in listing and "Tokyo en 2019." in listing
    assert fr("Why we love it") in listing
    assert "Imaginaire › Science-fiction" in text
    assert re.search(r'<a href="/mediatheques/[^"]+">Médiathèque d\'Arles</a>', text)


def test_recommendation_index_shows_lists_with_their_first_covers(client, catalogue):
    first = make_recommendation("Sélection A", items=[(catalogue["akira"], "!")])
    second = make_recommendation(
        "Sélection B", items=[(catalogue["dune"], "!"), (catalogue["akira"], "!")]
    )
    text = text_of(client.get("/coups-de-coeur/"))
    assert f'<a href="{first.url}">Sélection A</a>' in text
    assert f'<a href="{second.url}">Sélection B</a>' in text
    strips = re.findall(r'<div class="cover-strip" aria-hidden="true">(.*?)</div>', text, re.S)
    assert len(strips) == 2
    assert any("<img" in strip for strip in strips)
    assert any('class="cover-placeholder-title">Dune<' in strip for strip in strips)


# --- Branch pages -------------------------------------------------------------------------


@pytest.fixture
def branch_page(branches):
    today = timezone.localdate()
    branch = branches["aubagne"]
    branch.card_signup_url = "https://inscription.example.org/aubagne"
    branch.phone = "04 42 18 19 90"
    branch.save()
    return make_branch_page(
        branch,
        intro="La médiathèque d'Aubagne.",
        hours=[
            (today.isoweekday(), "14:00", "18:00"),
            (today.isoweekday(), "09:30", "12:30"),
            ((today.isoweekday() % 7) + 1, "10:00", "17:00"),
        ],
        closures=[
            (today - timedelta(days=1), today + timedelta(days=1), "Inventaire"),
            (today + timedelta(days=30), today + timedelta(days=30), "Fête locale"),
            (today + timedelta(days=90), today + timedelta(days=95), "Travaux lointains"),
            (today - timedelta(days=20), today - timedelta(days=10), "Fermeture ancienne"),
        ],
        services=[make_service("Wifi", "Gratuit"), make_service("Portage à domicile")],
        signup_info="<p>Apportez une pièce d'identité.</p>",
    )


def test_branch_page_shows_hours_closures_services_and_card(client, branch_page):
    text = text_of(client.get(branch_page.url))
    table = re.search(r'<table class="hours">(.*?)</table>', text, re.S).group(1)
    rows = re.findall(r"<tr(.*?)</tr>", table, re.S)
    assert len(rows) == 8  # header + 7 days
    today_rows = [row for row in rows if 'aria-current="date"' in row]
    assert len(today_rows) == 1
    # several slots a day, sorted
    assert re.search(r"9 h 30 – 12 h 30.*14 h 00 – 18 h 00", squash(today_rows[0]))
    assert fr("Closed") in table
    # closures: today's and the one within 60 days, not the far or old ones
    assert fr("Exceptional closure") in text
    assert "Inventaire" in text and "Fête locale" in text
    assert "Travaux lointains" not in text and "Fermeture ancienne" not in text
    assert fr("the médiathèque is closed today") in text
    assert "Wifi" in text and "Portage à domicile" in text
    assert "Apportez une pièce d'identité." in text
    # the card sign-up goes through our counted click-through to the branch's own page
    signup = re.search(r'<a class="button" href="(/mediatheques/[\w-]+/inscription/)"', text)
    assert signup
    assert client.get(signup.group(1))["Location"] == "https://inscription.example.org/aubagne"
    assert fr("Sign up online") in text
    assert 'href="tel:0442181990"' in text


def test_branch_page_lists_next_events_and_latest_announcements(client, branches, branch_page):
    now = timezone.now()
    branch = branches["aubagne"]
    for day in range(1, 8):
        make_event(f"Atelier jour {day}", branch=branch, start=now + timedelta(days=day))
    make_event("Déjà fini", branch=branch, start=now - timedelta(days=1))
    make_event("Ailleurs", branch=branches["arles"], start=now + timedelta(hours=3))
    make_event("Brouillon", branch=branch, start=now + timedelta(hours=1), publish=False)
    for day in range(1, 8):
        make_announcement(f"Info {day}", branches=[branch], published_at=now - timedelta(days=day))
    make_announcement("Info d'Arles", branches=[branches["arles"]])

    text = text_of(client.get(branch_page.url))
    assert re.findall(r">Atelier jour (\d)</a>", text) == ["1", "2", "3", "4", "5"]
    assert "Déjà fini" not in text and "Ailleurs" not in text and "Brouillon" not in text
    assert re.findall(r">Info (\d)</a>", text) == ["1", "2", "3", "4", "5"]
    assert "Info d'Arles" not in text


def test_branch_page_situation_map_and_links(client, branches, branch_page):
    text = text_of(client.get(branch_page.url))
    svg = re.search(r"<svg class=\"situation-map\"(.*?)</svg>", text, re.S).group(0)
    assert 'role="img"' in svg and "aria-label=" in svg and "<title>" in svg and "<desc" in svg
    assert svg.count('class="map-dot"') == 2  # the two other branches
    assert svg.count('class="map-here"') == 1
    assert ">Médiathèque Marcel Pagnol</text>" in svg
    assert not re.search(r'c[xy]="\d+,\d', svg)  # no French decimal comma in coordinates
    assert "tile" not in svg and "<image" not in svg  # no external map tiles
    assert 'href="https://www.openstreetmap.org/?mlat=43.29250&amp;mlon=5.56930' in (
        client.get(branch_page.url).content.decode()
    )
    assert fr("See on OpenStreetMap") in text
    slug = branches["aubagne"].slug
    assert f'href="webcal://testserver/mediatheques/{slug}/agenda.ics"' in text
    assert f'href="http://testserver/mediatheques/{slug}/agenda.ics"' in text


def test_branch_page_runs_a_fixed_number_of_queries(
    client, branches, branch_page, django_assert_max_num_queries
):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(branch_page.url).status_code == 200
        return len(queries)

    client.get(branch_page.url)  # warm the renditions and caches up
    few = count()
    now = timezone.now()
    branch = branches["aubagne"]
    for i in range(8):
        make_event(f"Rendez-vous {i}", branch=branch, start=now + timedelta(days=i + 1))
        make_announcement(f"Annonce {i}", branches=[branch])
    from tests.conftest import make_branch

    for i in range(5):
        make_branch(f"Annexe {i}", commune="Marseille", lat=43.2 + i / 100, lon=5.4)
    client.get(branch_page.url)  # saving pages dropped the cached navigation: warm it again
    assert count() == few
    with django_assert_max_num_queries(16):
        client.get(branch_page.url)


def test_pages_preview_with_unsaved_relations(branches, catalogue, branch_page, taxonomy):
    """Editors' previews render from a revision (in-memory relations), not from the database."""
    page = make_announcement("Aperçu", body=[item_block(catalogue["dune"])])
    page.title = "Aperçu modifié"
    page.interests.set([taxonomy["fantasy"]])
    page.branches.set([branches["arles"]])
    html_text = html.unescape(
        page.make_preview_request(preview_mode=page.default_preview_mode).content.decode()
    )
    assert "Aperçu modifié" in html_text and "Imaginaire › Fantasy" in html_text
    assert "Médiathèque d'Arles" in html_text and "Dune" in html_text

    branch_page.services.set([make_service("Ludothèque")])
    response = branch_page.make_preview_request(preview_mode=branch_page.default_preview_mode)
    assert response.status_code == 200 and "Ludothèque" in response.content.decode()
