from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from cms.models import EventPage
from tests.cms.library_factories import make_event
from tests.conftest import make_branch

pytestmark = pytest.mark.django_db


def test_run_scheduler_once_publishes_pages_whose_go_live_time_has_come():
    branch = make_branch("Médiathèque d'Arles", commune="Arles", lat=43.677, lon=4.628)
    event = make_event("Soirée jeux", branch=branch, publish=False)
    assert not EventPage.objects.get(pk=event.pk).live
    event.go_live_at = timezone.now() - timedelta(minutes=1)
    event.save_revision(approved_go_live_at=event.go_live_at)

    call_command("run_scheduler", "--once")

    assert EventPage.objects.get(pk=event.pk).live


def test_a_second_scheduler_stands_by_while_the_first_holds_the_lock(capsys):
    """Two schedulers never both run the jobs (no double digests or reminders): the one
    without the lock does nothing, and takes over once the other has stopped. The lock lives
    outside the test's transaction: a connection of its own (PostgreSQL), a file (SQLite)."""
    from cms.serving.leader import LeaderLock

    branch = make_branch("Médiathèque d'Arles", commune="Arles", lat=43.677, lon=4.628)
    event = make_event("Soirée jeux", branch=branch, publish=False)
    event.go_live_at = timezone.now() - timedelta(minutes=1)
    event.save_revision(approved_go_live_at=event.go_live_at)

    first = LeaderLock("scheduler")
    assert first.hold()
    assert first.hold()  # held: asking again keeps it
    try:
        call_command("run_scheduler", "--once")
        assert "Another scheduler is running" in capsys.readouterr().err
        assert not EventPage.objects.get(pk=event.pk).live
        assert not LeaderLock("scheduler").hold()
    finally:
        first.release()

    call_command("run_scheduler", "--once")
    assert EventPage.objects.get(pk=event.pk).live
