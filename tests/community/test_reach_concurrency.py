"""Funnel increments and digest claims stay exact under concurrency (PostgreSQL)."""

import pytest
from django.db import connection

from community.journey import Step
from community.reach import funnel
from community.reach.models import DigestDelivery, FunnelCount
from tests.concurrency import run_together
from tests.conftest import make_user

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WORKERS = 8
EACH = 25


@pytest.fixture
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("concurrency test needs PostgreSQL (set DATABASE_URL=postgres://…)")


def test_concurrent_increments_are_all_counted(postgres_only, taxonomy, branches):
    branch_id = branches["aubagne"].pk
    interest_ids = [taxonomy["sf"].pk, taxonomy["bd"].pk]

    def worker():
        for _ in range(EACH):
            funnel.increment(
                Step.WIDGET_SHOWN, source="ville", branch_id=branch_id, interest_ids=interest_ids
            )
            funnel.increment(Step.WIDGET_SHOWN, source="direct")  # NULL branch: same cell too

    assert run_together([worker] * WORKERS) == []
    expected = WORKERS * EACH
    rows = {
        (r.source, r.branch_id, r.interest_id): r.count
        for r in FunnelCount.objects.filter(step=Step.WIDGET_SHOWN)
    }
    assert rows == {
        ("ville", branch_id, None): expected,
        ("ville", branch_id, taxonomy["sf"].pk): expected,
        ("ville", branch_id, taxonomy["bd"].pk): expected,
        ("direct", None, None): expected,
    }


def test_concurrent_digest_runs_send_once(postgres_only, taxonomy, branches, mailoutbox):
    from community.reach import digest_optin
    from feeds import digest
    from tests.cms.library_factories import make_announcement

    reader = make_user(home_branch=branches["aubagne"])
    reader.interests.add(taxonomy["sf"])
    digest_optin.subscribe(reader)
    make_announcement("SF", interests=[taxonomy["sf"]], branches=[branches["aubagne"]])
    results = []
    errors = run_together([lambda: results.append(digest.send_digest(reader.pk))] * 6)
    assert errors == []
    assert sorted(results) == [False] * 5 + [True]
    assert len(mailoutbox) == 1
    assert DigestDelivery.objects.filter(user=reader).count() == 1
