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
