"""Browser journeys: plan a Saturday with the agenda (dates + near me, week view, keyboard
through the calendar, subscription link), and Ma médiathèque. axe-core on every new page,
and a phone's 375 px without horizontal scroll."""

import re
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from community.actions.events import register_for_event
from tests.cms.library_factories import make_branch_page, make_event
from tests.conftest import make_branch, make_user
from tests.e2e.conftest import assert_accessible
from tests.e2e.test_layout import session_cookie

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

NO_SIDE_SCROLL = "() => document.documentElement.scrollWidth <= window.innerWidth"


def next_saturday():
    today = timezone.localdate()
    return today + timedelta(days=(5 - today.weekday()) % 7 or 7)


def at(day, hour: int):
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


@pytest.fixture
def saturday_plan(db):
    aubagne = make_branch(
        "Médiathèque Marcel Pagnol",
        commune="Aubagne",
        lat=43.2925,
        lon=5.5693,
        postcode="13400",
        insee="13005",
    )
    arles = make_branch(
        "Médiathèque d’Arles",
        commune="Arles",
        lat=43.6766,
        lon=4.6278,
        postcode="13200",
        insee="13004",
    )
    make_branch_page(aubagne, hours=[(day, "09:30", "18:00") for day in range(1, 7)])
    saturday = next_saturday()
    events = {
        "tale": make_event(
            "Heure du conte du samedi",
            branch=aubagne,
            start=at(saturday, 10),
            audience="jeunesse",
            registration_required=True,
            capacity=10,
        ),
        "far": make_event("Lecture à Arles", branch=arles, start=at(saturday, 15)),
        "sunday": make_event(
            "Concert du dimanche", branch=aubagne, start=at(saturday + timedelta(days=1), 16)
        ),
        "club": make_event(
            "Club manga", branch=aubagne, start=at(saturday + timedelta(days=2), 17)
        ),
        "full": make_event(
            "Atelier numérique",
            branch=aubagne,
            start=at(saturday + timedelta(days=3), 14),
            registration_required=True,
            capacity=1,
        ),
    }
    member = make_user(
        "lea@example.org",
        display_name="Léa",
        commune_name="Aubagne",
        commune_insee="13005",
        latitude=43.2925,
        longitude=5.5693,
        home_branch=aubagne,
        onboarded_at=timezone.now(),
    )
    return {"saturday": saturday, "events": events, "member": member}


def test_plan_a_saturday_with_the_agenda(page, live_server, saturday_plan):
    saturday = saturday_plan["saturday"]
    page.context.add_cookies([session_cookie(saturday_plan["member"], live_server.url)])
    page.goto("/agenda/")
    page.get_by_role("heading", level=1).wait_for()
    assert_accessible(page, "agenda, list")

    page.fill("#id_du", saturday.isoformat())
    page.fill("#id_au", saturday.isoformat())
    page.get_by_label("Près de ma commune (Aubagne)").check()
    page.locator("#id_rayon").select_option("10")
    page.get_by_role("button", name="Afficher").click()
    page.wait_for_url(re.compile(r"pres=1"))
    cards = page.locator(".agenda-day .card-title")
    assert cards.all_inner_texts() == ["Heure du conte du samedi"]  # not Arles, not Sunday
    assert page.locator(".agenda-day .meta", has_text="à 0,0 km").count() == 1
    subscribe = page.locator("#agenda-subscribe")
    href = subscribe.get_attribute("href")
    assert href.startswith("webcal://") and "commune=Aubagne" in href and "du=" in href
    assert_accessible(page, "agenda, filtered")

    # The week around that Saturday, filters kept.
    page.get_by_role("navigation", name="Affichage").get_by_role("link", name="Semaine").click()
    page.wait_for_url(re.compile(r"vue=semaine"))
    grid = page.locator("table.week-grid")
    assert grid.locator("caption").inner_text().startswith("Semaine du lundi")
    assert grid.locator("th[scope=row]").count() == 7
    assert grid.get_by_role("link", name=re.compile("Heure du conte du samedi")).count() == 1
    assert grid.get_by_role("link", name=re.compile("Lecture à Arles")).count() == 0
    assert_accessible(page, "agenda, week")

    # Keyboard: from the first day of the grid, Tab reaches the Saturday event, Enter opens it.
    grid.locator("a.day-link").first.focus()
    for _ in range(20):
        focused = page.evaluate("() => document.activeElement.textContent")
        if "Heure du conte du samedi" in focused:
            break
        page.keyboard.press("Tab")
    else:
        pytest.fail("Tab never reached the event in the week grid")
    page.keyboard.press("Enter")
    page.get_by_role("heading", level=1, name="Heure du conte du samedi").wait_for()

    # The month: a table with a header per weekday, today marked.
    page.goto("/agenda/?vue=mois")
    month = page.locator("table.month-grid")
    assert month.locator("thead th[scope=col]").count() == 7
    assert month.locator('td[aria-current="date"]').count() == 1
    assert_accessible(page, "agenda, month")

    # On a phone the month grid becomes a list of the days with events.
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(f"/agenda/?vue=mois&date={saturday.isoformat()}")
    assert page.evaluate(NO_SIDE_SCROLL)
    assert month.locator("thead").bounding_box()["height"] <= 1
    assert month.get_by_role("link", name=re.compile("Heure du conte du samedi")).is_visible()
    empty_days = month.locator("td.no-event")
    assert empty_days.count() > 0 and not empty_days.first.is_visible()
    page.goto("/agenda/")
    assert page.evaluate(NO_SIDE_SCROLL)


def test_ma_mediatheque(page, live_server, saturday_plan):
    member = saturday_plan["member"]
    events = saturday_plan["events"]
    register_for_event(member, events["tale"])
    register_for_event(make_user(), events["full"])
    register_for_event(member, events["full"])  # waitlisted, first in line
    page.context.add_cookies([session_cookie(member, live_server.url)])
    page.goto("/agenda/")
    page.get_by_role("link", name="Ma médiathèque").click()
    page.wait_for_url("**/ma-mediatheque/")
    page.get_by_role("heading", level=1, name="Ma médiathèque").wait_for()
    assert page.get_by_text("Sur liste d’attente (position 1)").is_visible()
    assert page.get_by_role("heading", name="Médiathèque Marcel Pagnol").is_visible()
    assert page.locator(".today-hours").count() == 1
    assert_accessible(page, "Ma médiathèque")

    page.get_by_role("button", name="Se désinscrire : Heure du conte du samedi").click()
    page.wait_for_url("**/ma-mediatheque/")
    assert page.locator(".messages").inner_text().startswith("Votre inscription")
    assert page.get_by_role("link", name="Heure du conte du samedi").count() <= 1  # next events
    assert page.locator(".registration-line").count() == 1

    page.set_viewport_size({"width": 375, "height": 740})
    page.reload()
    assert page.evaluate(NO_SIDE_SCROLL)
    assert_accessible(page, "Ma médiathèque at 375 px")
