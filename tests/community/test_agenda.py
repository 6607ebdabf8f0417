"""The agenda that plans: each filter, the list (series once), month and week views, the iCal
subscription of a filtered view, bounded queries, and bad input answered with reasons."""

import html
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from icalendar import Calendar

from cms.models import EventIndexPage
from community.actions.events import register_for_event
from tests.cms.library_factories import make_event, paris
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

HUGE = "9" * 30
CARD_TITLE = re.compile(r'class="card-title"><a href="[^"]*">([^<]+)</a>')


def agenda_url() -> str:
    return EventIndexPage.objects.get().url


def page_text(response) -> str:
    assert response.status_code == 200, response.status_code
    return html.unescape(response.content.decode()).replace("\u00a0", " ")


def titles(client, **params) -> set[str]:
    """The event titles of the list view's cards."""
    return set(CARD_TITLE.findall(page_text(client.get(agenda_url(), params))))


@pytest.fixture
def programme(branches, taxonomy):
    """Four events built so that each filter keeps some and drops others.

    Arles is 70 km from Aubagne, Marseille (Alcazar) 15 km from Aubagne."""
    saturday = paris(2037, 12, 12, 15, 0)
    events = {
        "A": make_event(
            "Club SF à Arles",
            branch=branches["arles"],
            start=saturday,
            interests=[taxonomy["sf"]],
            audience="adulte",
        ),
        "B": make_event(
            "Conte jeunesse complet",
            branch=branches["aubagne"],
            start=saturday + timedelta(hours=1),
            interests=[taxonomy["fantasy"]],
            audience="jeunesse",
            registration_required=True,
            capacity=1,
        ),
        "C": make_event(
            "Atelier manga ados",
            branch=branches["alcazar"],
            start=saturday + timedelta(days=1),
            interests=[taxonomy["manga"]],
            audience="ado",
            registration_required=True,
            capacity=5,
        ),
        "D": make_event(
            "Rencontre tout public",
            branch=branches["aubagne"],
            start=saturday + timedelta(days=3),
            interests=[taxonomy["cuisine"]],
        ),
    }
    register_for_event(make_user(), events["B"])  # B is now full
    register_for_event(make_user(), events["C"])  # C still has 4 places
    return {key: event.title for key, event in events.items()} | {"events": events}


def named(programme, keys: str) -> set[str]:
    return {programme[key] for key in keys}


def test_without_filters_every_upcoming_event_is_listed(client, programme):
    assert titles(client) == named(programme, "ABCD")


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"du": "2037-12-13", "au": "2037-12-13"}, "C"),
        ({"du": "2037-12-13"}, "CD"),
        ({"au": "2037-12-12"}, "AB"),
        ({"mediatheque": "aubagne"}, "BD"),
        ({"commune": "Aubagne", "insee": "13005", "rayon": "5"}, "BD"),
        ({"commune": "Aubagne", "rayon": "20"}, "BCD"),
        ({"commune": "Arles", "rayon": "5"}, "A"),
        ({"interet": "imaginaire"}, "AB"),
        ({"interet": "sf"}, "A"),
        ({"public": "jeunesse"}, "BD"),
        ({"public": "ado"}, "CD"),
        ({"public": "adulte"}, "AD"),
        ({"acces": "libre"}, "AD"),
        ({"acces": "inscription"}, "BC"),
        ({"places": "1"}, "ACD"),
        ({"mediatheque": "aubagne", "acces": "libre"}, "D"),
    ],
)
def test_each_filter_excludes_what_it_must(client, programme, branches, taxonomy, params, expected):
    params = dict(params)
    if params.get("mediatheque") in branches:
        params["mediatheque"] = branches[params["mediatheque"]].pk
    if params.get("interet") in taxonomy:
        params["interet"] = taxonomy[params["interet"]].pk
    assert titles(client, **params) == named(programme, expected)


def test_near_my_commune_uses_the_member_commune(client, programme):
    member = make_user(
        commune_name="Aubagne", commune_insee="13005", latitude=43.2925, longitude=5.5693
    )
    client.force_login(member)
    response = client.get(agenda_url(), {"pres": "1", "rayon": "5"})
    assert set(CARD_TITLE.findall(page_text(response))) == named(programme, "BD")
    text = page_text(response)
    assert "Près de ma commune (Aubagne)" in text
    assert "à moins de 5 km d’Aubagne." in text  # elided before a vowel
    assert re.search(r"à 0[,.]0 km", text)  # the distance is on the cards
    # the subscription link names the commune: a calendar application is not logged in
    link = re.search(r'href="(webcal://[^"]+)" id="agenda-subscribe"', text).group(1)
    assert "commune=Aubagne" in link and "insee=13005" in link and "pres" not in link


def test_near_my_commune_without_one_says_why(client, programme):
    response = client.get(agenda_url(), {"pres": "1"})
    text = page_text(response)
    assert 'role="alert"' in text and "Connectez-vous" in text
    assert set(CARD_TITLE.findall(text)) == named(programme, "ABCD")


@pytest.mark.parametrize(
    "params",
    [
        {"du": "demain"},
        {"du": "2037-12-14", "au": "2037-12-12"},
        {"mediatheque": HUGE},
        {"mediatheque": "-1"},
        {"interet": "abc"},
        {"rayon": "7"},
        {"public": "bebe"},
        {"vue": "annee"},
        {"commune": "Zzqxwv"},
        {"page": HUGE},
        {"date": "2037-13-45", "vue": "mois"},
    ],
)
def test_bad_filters_are_explained_never_a_500(client, programme, params):
    response = client.get(agenda_url(), params)
    assert response.status_code == 200
    if set(params) - {"page"}:
        assert 'id="filter-errors"' in page_text(response)


def test_a_series_is_listed_once_with_its_dates(client, branches):
    first = paris(2037, 12, 5, 10, 0)
    sessions = [
        make_event("Club de lecture", branch=branches["arles"], start=first + timedelta(weeks=n))
        for n in range(3)
    ]
    make_event("Club de lecture", branch=branches["aubagne"], start=first)  # another series
    text = page_text(client.get(agenda_url()))
    assert CARD_TITLE.findall(text).count("Club de lecture") == 2
    assert "Aussi à ces dates :" in text
    for later in sessions[1:]:
        assert f'href="{later.url}"' in text
    # the month view shows every session on its day
    month = page_text(client.get(agenda_url(), {"vue": "mois", "date": "2037-12-01"}))
    for session in sessions:
        assert f'href="{session.url}"' in month


def test_month_view_is_a_table_with_today_marked(client, programme):
    text = page_text(client.get(agenda_url(), {"vue": "mois"}))
    assert '<table class="month-grid">' in text
    assert text.count('<th scope="col">') == 7
    assert text.count('aria-current="date"') == 1
    december = page_text(client.get(agenda_url(), {"vue": "mois", "date": "2037-12-20"}))
    assert "Décembre 2037" in december
    assert 'aria-current="date"' not in december
    for event in programme["events"].values():
        assert f'href="{event.url}"' in december
    january = page_text(client.get(agenda_url(), {"vue": "mois", "date": "2038-01-20"}))
    assert programme["A"] not in january
    assert 'href="?vue=mois&date=2037-12-01" rel="prev"' in january


def test_week_view_from_the_chosen_date_keeps_the_filters(client, programme, branches):
    aubagne = branches["aubagne"].pk
    params = {"vue": "semaine", "du": "2037-12-12", "au": "2037-12-12", "mediatheque": aubagne}
    text = page_text(client.get(agenda_url(), params))
    assert '<table class="week-grid">' in text
    assert text.count('<th scope="row">') == 7
    assert "lundi 7 décembre 2037" in text and "dimanche 13 décembre 2037" in text
    assert programme["B"] in text and programme["A"] not in text  # Arles is filtered out
    assert programme["D"] not in text  # Tuesday 15: the next week
    following = re.search(r'href="([^"]+)" rel="next"', text).group(1)
    assert "date=2037-12-14" in following and f"mediatheque={aubagne}" in following
    assert programme["D"] in page_text(client.get(agenda_url() + html.unescape(following)))


def test_list_view_works_with_the_get_form_alone(client, programme):
    text = page_text(client.get(agenda_url()))
    form = re.search(r'<form method="get" action="([^"]+)" class="agenda-filters"', text)
    assert form and form.group(1) == agenda_url()
    for name in ("du", "au", "mediatheque", "interet", "public", "acces", "commune", "rayon"):
        assert f'name="{name}"' in text, name
    for field_id in ("id_du", "id_au", "agenda-branch", "id_interet", "id_public", "id_acces"):
        assert f'<label for="{field_id}">' in text, field_id
    assert '<button type="submit" class="button">' in text
    # the view links keep the filters
    filtered = page_text(client.get(agenda_url(), {"public": "ado"}))
    assert 'href="?public=ado&vue=mois"' in filtered


def test_the_ical_of_a_filtered_view_has_its_events_only(client, programme, branches):
    response = client.get("/agenda.ics", {"mediatheque": branches["aubagne"].pk})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    summaries = {str(event["SUMMARY"]) for event in calendar.walk("VEVENT")}
    assert summaries == named(programme, "BD")
    nearby = client.get("/agenda.ics", {"commune": "Aubagne", "rayon": "20", "public": "ado"})
    summaries = {str(e["SUMMARY"]) for e in Calendar.from_ical(nearby.content).walk("VEVENT")}
    assert summaries == named(programme, "CD")  # an event for everyone is for teenagers too
    bad = client.get("/agenda.ics", {"mediatheque": HUGE, "du": "x"})
    assert bad.status_code == 400 and "du" in bad.content.decode()


def test_the_agenda_page_links_to_the_ical_of_its_filters(client, programme):
    text = page_text(client.get(agenda_url(), {"public": "ado", "places": "1", "vue": "mois"}))
    link = re.search(r'href="(webcal://[^"]+)" id="agenda-subscribe"', text).group(1)
    assert link == "webcal://testserver/agenda.ics?public=ado&places=1"


def test_queries_do_not_grow_with_the_events(client, branches, taxonomy):
    def count(**params) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(agenda_url(), params).status_code == 200
        return len(queries)

    client.get(agenda_url())  # caches (navigation, site) warm, as in production
    start = timezone.now() + timedelta(days=2)
    for n in range(3):
        make_event(f"Soirée {n}", branch=branches["arles"], start=start + timedelta(hours=n))
    few = {view: count(vue=view) for view in ("liste", "mois", "semaine")}
    for n in range(3, 15):
        make_event(
            f"Soirée {n}",
            branch=branches["aubagne"],
            start=start + timedelta(hours=n),
            registration_required=True,
            capacity=3,
            interests=[taxonomy["sf"]],
        )
    many = {view: count(vue=view) for view in ("liste", "mois", "semaine")}
    assert many == few, (few, many)
    assert max(many.values()) <= 12, many
