"""Loans and new cards from the library system: the CSV import (errors per line, nothing
written on error, a month re-imported replaces), permissions, and the Impact dashboard's
table from members reached to loans, against the period before."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from cms.models import SubjectRule
from community import roles
from community.journey import Step
from community.models import EventRegistration
from community.reach import funnel, use
from community.reach.library_use import import_library_use, parse_month
from community.reach.models import LibraryUse
from community.reach.report import Filters
from tests.cms.library_factories import make_event
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

HEADER = "mediatheque;periode;interet;code;prets;nouvelles_cartes\n"


@pytest.fixture
def coded(branches):
    for key, code in (("aubagne", "AUB"), ("arles", "ARL"), ("alcazar", "ALC")):
        branches[key].code = code
        branches[key].save()
    return branches


def stored():
    return sorted(
        (r.branch.code, r.month.isoformat(), r.interest_id or 0, r.code, r.loans, r.new_cards)
        for r in LibraryUse.objects.select_related("branch")
    )


def test_previous_period():
    assert use.previous_period(date(2026, 1, 1), date(2026, 12, 7)) == (
        date(2025, 1, 1),
        date(2025, 12, 7),
    )
    assert use.previous_period(date(2026, 3, 1), date(2026, 3, 31)) == (
        date(2026, 2, 1),
        date(2026, 2, 28),
    )
    assert use.previous_period(date(2026, 3, 10), date(2026, 3, 19)) == (
        date(2026, 2, 28),
        date(2026, 3, 9),
    )


def test_parse_month():
    assert parse_month("2026-11") == date(2026, 11, 1)
    assert parse_month("3/2026") == date(2026, 3, 1)
    assert parse_month("2026-13") is None
    assert parse_month("novembre") is None


def test_import_and_idempotent_reimport(coded, taxonomy, network_admin):
    SubjectRule.objects.create(match="dewey_prefix", pattern="741.5", interest=taxonomy["manga"])
    data = (
        HEADER
        + "AUB;2026-11;;;1 840;37\n"
        + "aub;2026-11;science-fiction;;212;\n"
        + "AUB;2026-11;;741.5;90;\n"
        + "ARL;11/2026;;;500;12\n"
    )
    result = import_library_use(data.encode(), network_admin)
    assert result.errors == []
    sf, manga = taxonomy["sf"].pk, taxonomy["manga"].pk
    expected = [
        ("ARL", "2026-11-01", 0, "", 500, 12),
        ("AUB", "2026-11-01", 0, "", 1840, 37),
        ("AUB", "2026-11-01", manga, "741.5", 90, 0),
        ("AUB", "2026-11-01", sf, "", 212, 0),
    ]
    assert stored() == sorted(expected)
    # the same file again: the same figures, no duplicates
    assert import_library_use(data.encode(), network_admin).errors == []
    assert stored() == sorted(expected)
    # a corrected Aubagne November replaces Aubagne's November only
    again = import_library_use((HEADER + "AUB;2026-11;;;1900;40\n").encode(), network_admin)
    assert again.replaced == 3
    assert stored() == [
        ("ARL", "2026-11-01", 0, "", 500, 12),
        ("AUB", "2026-11-01", 0, "", 1900, 40),
    ]


def test_windows_file_with_commas(coded, network_admin):
    data = "Médiathèque,Période,Prêts,Nouvelles cartes\r\nAUB,2026-10,10,2\r\n"
    assert import_library_use(data.encode("cp1252"), network_admin).errors == []
    assert stored() == [("AUB", "2026-10-01", 0, "", 10, 2)]


def test_every_bad_line_is_reported_and_nothing_written(coded, network_admin):
    data = (
        HEADER
        + "AUB;2026-11;;;100;5\n"
        + "XXX;2026-11;;;100;5\n"
        + "AUB;novembre;;;100;5\n"
        + "AUB;2026-12;licornes;;100;5\n"
        + "AUB;2026-12;;;-3;cinq\n"
        + "AUB;2026-11;;;7;1\n"
    )
    result = import_library_use(data.encode(), network_admin)
    assert result.errors == [
        "Ligne 3 : aucune médiathèque n’a le code « XXX ».",
        "Ligne 4 : « novembre » n’est pas un mois (écrivez 2026-11 ou 11/2026).",
        "Ligne 5 : centre d’intérêt inconnu « licornes ».",
        "Ligne 6 : « -3 » n’est pas un nombre entier de prêts.",
        "Ligne 6 : « cinq » n’est pas un nombre entier de nouvelles cartes.",
        "Ligne 7 : cette médiathèque, ce mois et ce centre d’intérêt ou ce code figurent "
        "déjà sur une ligne précédente.",
    ]
    assert LibraryUse.objects.count() == 0


def test_missing_columns(coded, network_admin):
    result = import_library_use(b"branche;mois\nAUB;2026-11\n", network_admin)
    assert len(result.errors) == 1 and result.errors[0].startswith("Ligne 1 : colonne")
    assert import_library_use(b"", network_admin).errors == ["Le fichier est vide."]


def test_a_librarian_imports_only_their_branches(coded):
    librarian = make_user(groups=[roles.LIBRARIANS])
    coded["aubagne"].librarians.add(librarian)
    data = HEADER + "AUB;2026-11;;;100;5\nARL;2026-11;;;100;5\n"
    result = import_library_use(data.encode(), librarian)
    assert result.errors == ["Ligne 3 : vous ne travaillez pas pour Médiathèque d'Arles."]
    assert LibraryUse.objects.count() == 0


def test_the_import_page(client, coded, network_admin, member):
    url = reverse("reach_library_use")
    assert client.get(url).status_code == 302  # anonymous: to the login page
    client.force_login(member)
    assert client.get(url).status_code == 302
    client.force_login(network_admin)
    page = client.get(url)
    assert page.status_code == 200
    bad = client.post(
        url, {"file": SimpleUploadedFile("prets.csv", (HEADER + "ZZZ;2026-11;;;1;1\n").encode())}
    )
    assert bad.status_code == 200
    assert "Ligne 2 : aucune médiathèque n’a le code « ZZZ »." in bad.content.decode()
    empty = client.post(url, {"file": SimpleUploadedFile("vide.csv", b"")})
    assert "Le fichier soumis est vide" in empty.content.decode()  # Django's own message
    good = client.post(
        url, {"file": SimpleUploadedFile("prets.csv", (HEADER + "AUB;2026-11;;;12;3\n").encode())}
    )
    assert good.status_code == 302
    listing = client.get(url).content.decode()
    assert "novembre 2026" in listing and ">12<" in listing


# --- The Impact dashboard: reach to use ----------------------------------------------------


def test_reach_to_use_against_the_period_before(coded, taxonomy, network_admin, client):
    aubagne, sf = coded["aubagne"], taxonomy["sf"]
    today = timezone.localdate()
    start = date(today.year, today.month, 1)
    filters = Filters(start=start, end=today)
    previous_start, previous_end = use.previous_period(filters.start, filters.end)
    long_ago = timezone.now() - timedelta(days=800)

    active = make_user(home_branch=aubagne)
    active.interests.set([sf])
    idle = make_user(home_branch=aubagne)
    idle.interests.set([sf])
    other = make_user(home_branch=coded["arles"])  # another branch
    other.interests.set([sf])
    type(active).objects.filter(pk__in=[active.pk, idle.pk]).update(date_joined=long_ago)
    event = make_event("Club", branch=aubagne, interests=[sf])
    EventRegistration.objects.create(event=event, user=active, status="confirmed")
    funnel.increment(
        Step.EVENT_REGISTRATION, source="direct", branch_id=aubagne.pk, interest_ids=[sf.pk]
    )
    funnel.increment(
        Step.RESERVATION_CLICKED,
        source="direct",
        branch_id=aubagne.pk,
        interest_ids=[sf.pk],
        day=previous_start,
        by=4,
    )
    LibraryUse.objects.create(branch=aubagne, month=start, loans=120, new_cards=6)
    LibraryUse.objects.create(branch=aubagne, month=start, interest=sf, loans=30)
    LibraryUse.objects.create(branch=aubagne, month=start, code="843", loans=999)  # unmapped
    LibraryUse.objects.create(
        branch=aubagne, month=previous_start.replace(day=1), loans=100, new_cards=3
    )

    rows = {
        (row["branch"], row["interest"]): {
            c["metric"]: (c["value"], c["previous"]) for c in row["cells"]
        }
        for row in use.reach_to_use(filters)["rows"]
    }
    sf_row = rows[(aubagne.name, sf.label)]
    assert sf_row["reached"] == (2, 2)
    assert sf_row["active"] == (1, 0)
    assert sf_row["registrations"] == (1, 0)
    assert sf_row["reservations"] == (0, 4)
    assert sf_row["loans"] == (30, 0)
    total = rows[(aubagne.name, None)]
    assert total["loans"] == (120, 100)  # the unmapped code line is not the total
    assert total["new_cards"] == (6, 3)
    assert total["reached"] == (2, 2)
    assert rows[(coded["arles"].name, sf.label)]["reached"] == (1, 0)

    client.force_login(network_admin)
    period = {"start": start.isoformat(), "end": today.isoformat()}
    html = client.get(reverse("reach_funnel"), period).content.decode()
    assert 'id="reach-use-table"' in html
    assert "120 <span" in html and "(100, +20 %)" in html
