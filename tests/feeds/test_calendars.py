"""iCal feeds: one event, a branch, a community — parsed back with icalendar."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar
from wagtail.models import PageViewRestriction, Site

from feeds.calendars import rich_text_to_plain
from tests.cms.library_factories import make_event, paris
from tests.conftest import make_community

pytestmark = pytest.mark.django_db


def parse(response) -> Calendar:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"].startswith("inline; filename=")
    assert response["Content-Disposition"].endswith('.ics"')
    return Calendar.from_ical(response.content)


def summaries(calendar: Calendar) -> list[str]:
    return [str(event["SUMMARY"]) for event in calendar.walk("VEVENT")]


def test_the_urls_live_in_the_feeds_namespace():
    assert reverse("feeds:event_calendar", args=[7]) == "/agenda/evenement/7.ics"
    assert reverse("feeds:branch_calendar", args=["arles"]) == "/mediatheques/arles/agenda.ics"
    assert reverse("feeds:community_calendar", args=[3]) == "/communautes/3/agenda.ics"


def test_they_do_not_shadow_the_wagtail_pages(client):
    assert client.get("/agenda/").status_code == 200
    assert client.get("/mediatheques/").status_code == 200


def test_one_event(client, taxonomy, branches):
    event = make_event(
        "Club de lecture SF",
        branch=branches["alcazar"],
        start=paris(2037, 12, 12, 14, 30),
        end=paris(2037, 12, 12, 16, 0),
        room="Salle de l'auditorium",
        interests=[taxonomy["sf"], taxonomy["manga"]],
        description="<p>On parle de <b>Dune</b> &amp; d'Hyp&eacute;rion.</p><ul><li>Thé</li></ul>",
        registration_required=True,
    )
    response = client.get(reverse("feeds:event_calendar", args=[event.pk]))
    calendar = parse(response)
    assert response["Content-Disposition"] == f'inline; filename="{event.slug}.ics"'
    assert calendar["VERSION"] == "2.0" and "Affinités" in str(calendar["PRODID"])

    (vevent,) = calendar.walk("VEVENT")
    host = Site.objects.get(is_default_site=True).hostname
    assert str(vevent["UID"]) == f"event-{event.pk}@{host}"
    assert vevent["DTSTART"].params["TZID"] == "Europe/Paris"
    assert vevent["DTEND"].params["TZID"] == "Europe/Paris"
    assert vevent.decoded("DTSTART") == paris(2037, 12, 12, 14, 30)
    assert vevent.decoded("DTSTART").utcoffset() == timedelta(hours=1)
    assert vevent.decoded("DTEND") == paris(2037, 12, 12, 16, 0)
    assert str(vevent["SUMMARY"]) == "Club de lecture SF"
    location = str(vevent["LOCATION"])
    assert location == (
        "Bibliothèque de l'Alcazar, Salle de l'auditorium, 58 cours Belsunce, 13001 Marseille"
    )
    description = str(vevent["DESCRIPTION"])
    assert description.startswith("On parle de Dune & d'Hypérion.\n• Thé")
    assert "<" not in description
    assert str(vevent["URL"]) == f"http://testserver{event.url}"
    assert sorted(vevent.categories) == ["Manga", "Science-fiction"]
    assert vevent.decoded("DTSTAMP").tzinfo is not None
    assert vevent.decoded("LAST-MODIFIED").utcoffset() == timedelta(0)
    assert vevent.decoded("GEO") is not None

    (vtimezone,) = calendar.walk("VTIMEZONE")
    assert str(vtimezone["TZID"]) == "Europe/Paris"


def test_the_uid_does_not_depend_on_the_host_used(client, branches):
    event = make_event("Conte", branch=branches["arles"])
    url = reverse("feeds:event_calendar", args=[event.pk])
    first = parse(client.get(url)).walk("VEVENT")[0]["UID"]
    second = parse(client.get(url, HTTP_HOST="127.0.0.1")).walk("VEVENT")[0]["UID"]
    assert first == second


def test_unpublished_private_or_missing_events_are_404(client, branches):
    draft = make_event("Brouillon", branch=branches["arles"], publish=False)
    assert client.get(reverse("feeds:event_calendar", args=[draft.pk])).status_code == 404
    private = make_event("Réservé", branch=branches["arles"])
    PageViewRestriction.objects.create(page=private, restriction_type="login")
    assert client.get(reverse("feeds:event_calendar", args=[private.pk])).status_code == 404
    private.unpublish()
    assert client.get(reverse("feeds:event_calendar", args=[999_999])).status_code == 404


def test_branch_calendar_upcoming_and_last_30_days(client, branches):
    now = timezone.now()
    arles = branches["arles"]
    make_event("Bientôt", branch=arles, start=now + timedelta(days=3))
    make_event("Le mois dernier", branch=arles, start=now - timedelta(days=20))
    make_event("Il y a longtemps", branch=arles, start=now - timedelta(days=45))
    make_event("Ailleurs", branch=branches["aubagne"], start=now + timedelta(days=3))
    make_event("Brouillon", branch=arles, start=now + timedelta(days=4), publish=False)

    response = client.get(reverse("feeds:branch_calendar", args=[arles.slug]))
    calendar = parse(response)
    assert summaries(calendar) == ["Le mois dernier", "Bientôt"]
    assert "Médiathèque d'Arles" in str(calendar["X-WR-CALNAME"])
    assert calendar.walk("VTIMEZONE")
    for vevent in calendar.walk("VEVENT"):
        assert vevent["DTSTART"].params["TZID"] == "Europe/Paris"
        assert str(vevent["LOCATION"]).startswith("Médiathèque d'Arles")

    assert client.get("/mediatheques/nulle-part/agenda.ics").status_code == 404


def test_empty_branch_calendar_is_still_valid(client, branches):
    calendar = parse(client.get(reverse("feeds:branch_calendar", args=[branches["arles"].slug])))
    assert calendar.walk("VEVENT") == []


def test_community_calendar_matches_the_taxonomy_and_the_branches(client, taxonomy, branches):
    t = taxonomy
    sf_club = make_community("Club SF", interests=[t["sf"]], branches=[branches["aubagne"]])
    imaginaire = make_community("Imaginaire", interests=[t["imaginaire"]])
    arles, alcazar = branches["arles"], branches["alcazar"]
    soon = timezone.now() + timedelta(days=5)
    make_event("Tag exact SF", branch=arles, interests=[t["sf"]], start=soon)
    make_event("Tag parent Imaginaire", branch=arles, interests=[t["imaginaire"]], start=soon)
    make_event("Tag frère Fantasy", branch=arles, interests=[t["fantasy"]], start=soon)
    make_event(
        "Cuisine à Aubagne", branch=branches["aubagne"], interests=[t["cuisine"]], start=soon
    )
    make_event("Cuisine à Marseille", branch=alcazar, interests=[t["cuisine"]], start=soon)
    make_event("Manga", branch=alcazar, interests=[t["manga"]], start=soon)
    make_event("Vieux SF", branch=arles, interests=[t["sf"]], start=soon - timedelta(days=60))

    calendar = parse(client.get(reverse("feeds:community_calendar", args=[sf_club.pk])))
    assert sorted(summaries(calendar)) == [
        "Cuisine à Aubagne",  # held at one of the community's branches
        "Tag exact SF",
        "Tag parent Imaginaire",  # the parent of the community's interest
    ]
    # a community following the parent gets its children's events
    calendar = parse(client.get(reverse("feeds:community_calendar", args=[imaginaire.pk])))
    assert sorted(summaries(calendar)) == [
        "Tag exact SF",
        "Tag frère Fantasy",
        "Tag parent Imaginaire",
    ]
    uids = [str(v["UID"]) for v in calendar.walk("VEVENT")]
    assert len(set(uids)) == len(uids)  # no duplicates from the interest joins

    imaginaire.unpublish()
    assert client.get(reverse("feeds:community_calendar", args=[imaginaire.pk])).status_code == 404


def test_community_calendar_with_two_matching_interests_lists_an_event_once(
    client, taxonomy, branches
):
    club = make_community("Club", interests=[taxonomy["sf"], taxonomy["fantasy"]])
    make_event(
        "Double",
        branch=branches["arles"],
        interests=[taxonomy["sf"], taxonomy["fantasy"], taxonomy["imaginaire"]],
    )
    calendar = parse(client.get(reverse("feeds:community_calendar", args=[club.pk])))
    assert summaries(calendar) == ["Double"]


def test_rich_text_to_plain():
    assert rich_text_to_plain("<p>Un&nbsp;<i>deux</i></p><p>trois<br/>quatre</p>") == (
        "Un deux\ntrois\nquatre"
    )
    assert rich_text_to_plain("<ol><li>a</li><li>b</li></ol>") == "• a\n• b"
    assert rich_text_to_plain("") == ""
