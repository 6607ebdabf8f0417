"""Retention: prospects purged 3 years after their last contact, inactive accounts warned then
deleted after the grace period, the daily sweep logged (counts, not people), the register of
processing and the purge log in the Wagtail admin."""

# ruff: noqa: F811  (pytest fixtures imported from tests.community.life_helpers)

from datetime import timedelta
from io import StringIO

import pytest
from django.apps import apps
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from community.models import Post, User
from community.privacy import retention
from community.privacy.erasure import departed_member
from community.privacy.models import InactivityWarning, PurgeLog
from community.privacy.register import processings
from tests.community.life_helpers import club, join, make_post  # noqa: F401  (fixtures)
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


def ago(days: int):
    return timezone.now() - timedelta(days=days)


@pytest.fixture
def prospects():
    if not apps.is_installed("community.outreach"):
        pytest.skip("community.outreach is not installed")
    from community.outreach.consents import give_consent
    from community.outreach.models import Prospect, Purpose

    def prospect(email, days):
        p = Prospect.objects.create(email=email, commune_name="Arles", last_contact_at=ago(days))
        give_consent(
            purpose=Purpose.SUGGESTIONS_EMAIL, text="Suggestions.", source="ville", prospect=p
        )
        return p

    return {
        "old": prospect("ancien@example.org", 3 * 365 + 1),
        "recent": prospect("recent@example.org", 3 * 365 - 1),
    }


def test_prospects_are_purged_three_years_after_the_last_contact(prospects):
    from community.outreach.models import ConsentRecord, Prospect

    log = retention.run_retention(force=True)
    assert not Prospect.objects.filter(pk=prospects["old"].pk).exists()
    assert Prospect.objects.filter(pk=prospects["recent"].pk).exists()
    assert not ConsentRecord.objects.filter(prospect_id=prospects["old"].pk).exists()
    assert log.prospects_deleted == 1 and log.consents_deleted == 1
    assert log.finished_at is not None and log.failures == 0


def test_inactive_account_is_warned_then_deleted_after_the_grace_period(
    club, django_capture_on_commit_callbacks
):
    sleeper = make_user("dormeur@example.org", display_name="Dormeur")
    sleeper.last_login = ago(2 * 365 + 1)
    sleeper.save()
    join(sleeper, club)
    post = make_post(sleeper, club, "Un vieux message.")
    active = make_user("actif@example.org")
    active.last_login = ago(10)
    active.save()
    never = make_user("jamais@example.org")
    User.objects.filter(pk=never.pk).update(date_joined=ago(800), last_login=None)
    staff = make_user("biblio-dort@example.org", groups=["Bibliothécaires"])
    staff.last_login = ago(1000)
    staff.save()

    with django_capture_on_commit_callbacks(execute=True):
        first = retention.run_retention(force=True)
    assert first.accounts_warned == 2  # the sleeper and the one who never logged in
    warned = set(InactivityWarning.objects.values_list("user__email", flat=True))
    assert warned == {"dormeur@example.org", "jamais@example.org"}
    assert sorted(m.to[0] for m in mail.outbox) == ["dormeur@example.org", "jamais@example.org"]
    message = next(m for m in mail.outbox if m.to == ["dormeur@example.org"])
    assert "sera supprimé" in message.subject
    assert "/comptes/login/" in message.body and "/compte/donnees/" in message.body

    # a day later: nothing deleted yet (grace period), nobody warned twice
    second = retention.run_retention(now=timezone.now() + DAY, force=True)
    assert second.accounts_deleted == 0 and second.accounts_warned == 0
    assert User.objects.filter(pk=sleeper.pk).exists()

    # the one who never logged in comes back: the warning goes
    client = Client()
    client.force_login(never)
    assert not InactivityWarning.objects.filter(user=never).exists()

    # after the grace period: the sleeper is deleted, their post kept anonymised
    later = timezone.now() + timedelta(days=31)
    third = retention.run_retention(now=later, force=True)
    assert third.accounts_deleted == 1
    assert not User.objects.filter(pk=sleeper.pk).exists()
    assert Post.objects.get(pk=post.pk).author == departed_member()
    assert User.objects.filter(pk__in=[never.pk, active.pk, staff.pk]).count() == 3


def test_a_member_who_logs_in_during_the_grace_period_is_kept(club):
    sleeper = make_user("dormeur@example.org")
    User.objects.filter(pk=sleeper.pk).update(last_login=ago(800))
    retention.run_retention(force=True)
    assert InactivityWarning.objects.filter(user=sleeper).exists()
    # logs in (without the signal: e.g. a session restored by another front end)
    User.objects.filter(pk=sleeper.pk).update(last_login=timezone.now() + timedelta(hours=1))
    log = retention.run_retention(now=timezone.now() + timedelta(days=31), force=True)
    assert log.warnings_cancelled == 1 and log.accounts_deleted == 0
    assert User.objects.filter(pk=sleeper.pk).exists()


def test_the_sweep_runs_once_a_day_and_logs_counts_only(db):
    assert retention.run_retention() is not None
    assert retention.run_retention() is None  # ran less than 20 hours ago
    assert retention.run_retention(now=timezone.now() + DAY) is not None
    assert PurgeLog.objects.count() == 2
    names = {f.name for f in PurgeLog._meta.get_fields()}
    assert not any(f.is_relation for f in PurgeLog._meta.get_fields()), names


def test_command_and_task(db):
    out = StringIO()
    call_command("purge_expired_data", stdout=out)
    assert "accounts deleted: 0" in out.getvalue()
    out = StringIO()
    call_command("purge_expired_data", stdout=out)
    assert "already ran" in out.getvalue()
    out = StringIO()
    call_command("purge_expired_data", "--enqueue", "--force", stdout=out)  # immediate backend
    assert "enqueued" in out.getvalue()
    assert PurgeLog.objects.count() == 2


def test_the_scheduler_runs_the_daily_sweep(db):
    call_command("run_scheduler", "--once", stdout=StringIO())
    assert PurgeLog.objects.count() == 1


def test_expired_sessions_are_deleted(db):
    from django.contrib.sessions.backends.db import SessionStore

    old = SessionStore()
    old["x"] = 1
    old.set_expiry(-10)
    old.save()
    fresh = SessionStore()
    fresh["x"] = 1
    fresh.save()
    log = retention.run_retention(force=True)
    assert log.sessions_deleted == 1
    assert SessionStore().exists(fresh.session_key)


# --- admin --------------------------------------------------------------------------------


def test_register_lists_every_processing_with_retention_from_settings(settings):
    settings.ACCOUNT_INACTIVITY_DAYS = 3 * 365
    settings.PROSPECT_RETENTION_DAYS = 2 * 365
    entries = {p.key: p for p in processings()}
    assert set(entries) >= {
        "accounts",
        "prospects",
        "consents",
        "feed",
        "notifications",
        "audience",
        "facebook",
        "moderation",
    }
    for p in entries.values():
        assert p.purpose and p.legal_basis and p.retention and p.data_categories
    assert "3 ans" in entries["accounts"].retention
    assert "2 ans" in entries["prospects"].retention


def test_register_and_purge_log_pages_for_network_admins(network_admin, librarian):
    retention.run_retention(force=True)
    admin = Client()
    admin.force_login(network_admin)
    page = admin.get("/admin/donnees-personnelles/registre/")
    assert page.status_code == 200
    html = page.content.decode()
    for title in ("Comptes des membres", "Mesure d’audience agrégée", "Publication sur Facebook"):
        assert title in html
    assert "Registre des traitements" in admin.get("/admin/").content.decode()
    log = admin.get("/admin/donnees-personnelles/purges/")
    assert log.status_code == 200
    assert "Prospects supprimés" in log.content.decode()
    staff = Client()
    staff.force_login(librarian)
    for url in ("/admin/donnees-personnelles/registre/", "/admin/donnees-personnelles/purges/"):
        refused = staff.get(url)  # Wagtail turns PermissionDenied into a redirect home
        assert refused.status_code == 302 and refused["Location"] == "/admin/"
    assert "Registre des traitements" not in staff.get("/admin/").content.decode()


def test_privacy_page_is_public_and_reads_the_settings(settings):
    settings.PRIVACY_CONTACT_EMAIL = "dpo@ville-exemple.fr"
    response = Client().get("/confidentialite/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Vos données personnelles" in html
    assert "mailto:dpo@ville-exemple.fr" in html
    assert "2 ans" in html and "30 jours" in html and "3 ans" in html
    assert 'href="/confidentialite/"' in Client().get("/confidentialite/").content.decode()
