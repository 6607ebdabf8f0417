"""Shortened failure drills (tests/ops/drills.py) on the production layout: a 5-second Redis
outage and a PostgreSQL restart under traffic, task workers killed mid-fan-out and
mid-Facebook-send, nothing lost, nothing posted twice, no 500. Only with
AFFINITES_PROD_TESTS=1 (they start nginx, gunicorn, workers, their own redis-server and
PostgreSQL cluster), DATABASE_URL on PostgreSQL and REDIS_URL."""

import os

import pytest

pytestmark = pytest.mark.skipif(
    os.environ.get("AFFINITES_PROD_TESTS") != "1"
    or not os.environ.get("DATABASE_URL", "").startswith("postgres")
    or not os.environ.get("REDIS_URL"),
    reason="AFFINITES_PROD_TESTS=1 with PostgreSQL and Redis runs the drills",
)


def test_redis_outage_loses_nothing_and_shows_no_error():
    from tests.ops.drills import redis_drill

    assert redis_drill(os.environ["DATABASE_URL"], outage=5)


def test_postgresql_restart_fails_fast_then_recovers_without_restarting_the_app():
    from tests.ops.drills import postgres_drill

    assert postgres_drill(os.environ["REDIS_URL"])


def test_a_task_worker_killed_mid_fan_out_loses_nothing():
    from tests.ops.drills import worker_drill

    assert worker_drill(os.environ["DATABASE_URL"], os.environ["REDIS_URL"], publications=4)


def test_a_task_worker_killed_mid_facebook_send_posts_each_announcement_exactly_once():
    from tests.ops.drills import facebook_drill

    # Two sends: one Facebook had written before the kill (adopted), one it had not (sent again).
    assert facebook_drill(os.environ["DATABASE_URL"], os.environ["REDIS_URL"], publications=2)
