"""The weekly digest: content, opt-in, once a week, one-click unsubscribe, the command."""

import io
from datetime import datetime, timedelta
from html import unescape
from unittest import mock
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from community.outreach.models import ConsentRecord, Purpose
from community.reach import digest_optin
from community.reach.models import DigestDelivery
from feeds import digest
from feeds.management.commands.send_digests import is_due
from tests.cms.library_factories import make_announcement, make_event
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def reader(taxonomy, branches):
    """Lives in Aubagne, follows science fiction, opted in to the digest."""
    user = make_user(
        "lecteur@example.org",
        display_name="Léa",
        home_branch=branches["aubagne"],
        latitude=43.2925,
        longitude=5.5693,
        commune_name="Aubagne",
    )
    user.interests.add(taxonomy["sf"])
    digest_optin.subscribe(user)
    return user


@pytest.fixture
def week_content(taxonomy, branches):
    now = timezone.now()
    sf, cuisine = taxonomy["sf"], taxonomy["cuisine"]
    aubagne, arles, alcazar = branches["aubagne"], branches["arles"], branches["alcazar"]
    return {
        "in": [
            make_announcement("Nouveautés SF à Aubagne", interests=[sf], branches=[aubagne]),
            make_announcement(
                "L'imaginaire dans tout le réseau", interests=[taxonomy["imaginaire"]]
            ),
            make_event("Club SF à l'Alcazar", branch=alcazar, interests=[sf]),
        ],
        "out": [
            make_announcement(
                "Vieille SF",
                interests=[sf],
                branches=[aubagne],
                published_at=now - timedelta(days=8),
            ),
            make_announcement("Atelier cuisine", interests=[cuisine], branches=[aubagne]),
            make_announcement("SF à Arles, trop loin", interests=[sf], branches=[arles]),
            make_announcement("Brouillon SF", interests=[sf], branches=[aubagne], publish=False),
            make_event(
                "Club SF déjà passé",
                branch=aubagne,
                interests=[sf],
                start=now - timedelta(days=2),
            ),
        ],
    }


def titles(entries) -> list[str]:
    return [entry.title for entry in entries]


# --- Content --------------------------------------------------------------------------------


def test_digest_has_only_new_entries_near_the_member_for_their_interests(reader, week_content):
    entries = digest.digest_entries(reader)
    assert set(titles(entries)) == {page.title for page in week_content["in"]}
    assert entries[0].title == "Nouveautés SF à Aubagne"  # home branch, followed interest
    assert entries[0].url.startswith("http")
    assert "Science-fiction" in entries[0].reason


def test_digest_email_in_french_with_one_click_unsubscribe(reader, week_content):
    assert digest.send_digest(reader.pk) is True
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["lecteur@example.org"]
    assert message.subject.startswith("Votre sélection de la semaine")
    unsubscribe = message.extra_headers["List-Unsubscribe"]
    assert unsubscribe.startswith("<http") and unsubscribe.endswith(">")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = unsubscribe[1:-1]
    html = unescape(message.alternatives[0][0])
    for part in (message.body, html):
        assert "Bonjour Léa" in part
        assert "Nouveautés SF à Aubagne" in part and "Club SF à l'Alcazar" in part
        assert "Vieille SF" not in part and "Atelier cuisine" not in part
    assert url in message.body
    assert f'href="{url}"' in html
    assert "Se désabonner en un clic" in html


def test_no_digest_without_opt_in(taxonomy, branches, week_content):
    user = make_user(home_branch=branches["aubagne"])
    user.interests.add(taxonomy["sf"])
    assert digest.send_digests() == 0
    assert digest.send_digest(user.pk) is False
    assert mail.outbox == []
    assert not DigestDelivery.objects.exists()


def test_never_twice_in_the_same_week(reader, week_content):
    now = timezone.now()
    assert digest.send_digests(now=now) == 1
    assert digest.send_digests(now=now) == 0
    assert digest.send_digest(reader.pk, now=now + timedelta(minutes=5)) is False
    assert len(mail.outbox) == 1
    delivery = DigestDelivery.objects.get()
    assert delivery.week == digest.week_of(timezone.localdate(now))
    assert delivery.entry_count == 3 and delivery.sent_at is not None


def test_nothing_new_means_no_email(reader, taxonomy, branches):
    make_announcement(
        "Atelier cuisine", interests=[taxonomy["cuisine"]], branches=[branches["aubagne"]]
    )
    assert digest.send_digests() == 0
    assert mail.outbox == []


def test_failed_send_is_retried_next_run(reader, week_content):
    with mock.patch("django.core.mail.EmailMultiAlternatives.send", side_effect=OSError("smtp")):
        assert digest.send_digests() == 0
    assert not DigestDelivery.objects.exists()
    assert digest.send_digests() == 1
    assert len(mail.outbox) == 1


def _next_week_content(taxonomy, branches, now):
    make_announcement(
        "SF de la semaine prochaine",
        interests=[taxonomy["sf"]],
        branches=[branches["aubagne"]],
        published_at=now + timedelta(days=6),
    )


@pytest.mark.parametrize("how", ["confirm_page", "rfc8058"])
def test_unsubscribe_in_one_click_stops_the_next_digest(
    how, reader, week_content, taxonomy, branches
):
    other = make_user(home_branch=branches["aubagne"])
    other.interests.add(taxonomy["sf"])
    digest_optin.subscribe(other)
    now = timezone.now()
    assert digest.send_digests(now=now) == 2
    message = next(m for m in mail.outbox if m.to == [reader.email])
    path = urlsplit(message.extra_headers["List-Unsubscribe"][1:-1]).path
    client = Client(enforce_csrf_checks=True)
    if how == "confirm_page":
        page = client.get(path)
        assert page.status_code == 200
        assert digest_optin.is_subscribed(reader)  # a GET changes nothing (link scanners)
        assert client.post(path).status_code == 200
    else:
        response = client.post(
            path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
        )
        assert response.status_code == 200
    assert not digest_optin.is_subscribed(reader)
    record = ConsentRecord.objects.get(user=reader, purpose=Purpose.DIGEST)
    assert record.withdrawn_at is not None  # kept as proof, marked withdrawn

    mail.outbox.clear()
    next_week = now + timedelta(days=7)
    _next_week_content(taxonomy, branches, now)
    assert digest.send_digests(now=next_week) == 1
    assert [m.to for m in mail.outbox] == [[other.email]]  # not the one who left


# --- Opt-in from the profile ----------------------------------------------------------------


def test_opt_in_and_out_from_the_profile(client, taxonomy, branches):
    user = make_user(home_branch=branches["aubagne"])
    client.force_login(user)
    html = client.get("/profil/").content.decode()
    assert "Recevoir la sélection de la semaine" in html or "sélection de la semaine" in html
    response = client.post("/profil/selection-de-la-semaine/", {"subscribe": "1"})
    assert response.status_code == 302
    record = ConsentRecord.objects.get(user=user, purpose=Purpose.DIGEST)
    assert record.withdrawn_at is None and record.text and record.version
    assert digest_optin.is_subscribed(user)
    assert "Arrêter la sélection de la semaine" in client.get("/profil/").content.decode()
    client.post("/profil/selection-de-la-semaine/", {"subscribe": "0"})
    assert not digest_optin.is_subscribed(user)
    assert client.post("/profil/selection-de-la-semaine/", {"subscribe": "x"}).status_code == 302
    assert ConsentRecord.objects.filter(user=user, withdrawn_at=None).count() == 0
    client.logout()
    response = client.post("/profil/selection-de-la-semaine/", {"subscribe": "1"})
    assert response.status_code == 302 and "/comptes/" in response["Location"]


# --- The command and the schedule -----------------------------------------------------------


def test_dry_run_sends_and_records_nothing(reader, week_content):
    out = io.StringIO()
    call_command("send_digests", "--dry-run", stdout=out)
    assert f"{reader.pk}\tlecteur@example.org\t3" in out.getvalue()
    assert mail.outbox == [] and not DigestDelivery.objects.exists()


def test_command_sends_now(reader, week_content):
    out = io.StringIO()
    call_command("send_digests", stdout=out)
    assert "1 digest(s) sent" in out.getvalue()
    assert len(mail.outbox) == 1


def test_scheduled_sweep_runs_once_the_day_has_come(reader, week_content, settings):
    today = timezone.localtime()
    settings.AFFINITES_DIGEST_WEEKDAY = today.weekday()
    settings.AFFINITES_DIGEST_HOUR = 0
    call_command("send_digests", "--if-due", stdout=io.StringIO())
    assert len(mail.outbox) == 1  # the immediate task backend ran the sweep
    call_command("run_scheduler", "--once")
    call_command("send_digests", "--if-due", stdout=io.StringIO())
    assert len(mail.outbox) == 1


def test_is_due(settings):
    settings.AFFINITES_DIGEST_WEEKDAY = 4
    settings.AFFINITES_DIGEST_HOUR = 8
    tz = timezone.get_current_timezone()
    assert not is_due(datetime(2026, 11, 26, 23, 0, tzinfo=tz))  # Thursday
    assert not is_due(datetime(2026, 11, 27, 7, 59, tzinfo=tz))  # Friday, too early
    assert is_due(datetime(2026, 11, 27, 8, 0, tzinfo=tz))
    assert is_due(datetime(2026, 11, 29, 12, 0, tzinfo=tz))  # Sunday: still this week
