"""The production layout behind nginx, for real (``make prod-check``): only with
AFFINITES_PROD_TESTS=1, DATABASE_URL on PostgreSQL (a database of its own) and REDIS_URL,
as it starts nginx, gunicorn, a task worker and the scheduler on this machine."""

import os

import pytest

pytestmark = pytest.mark.skipif(
    os.environ.get("AFFINITES_PROD_TESTS") != "1"
    or not os.environ.get("DATABASE_URL", "").startswith("postgres")
    or not os.environ.get("REDIS_URL"),
    reason="AFFINITES_PROD_TESTS=1 with PostgreSQL and Redis runs the production layout",
)


def test_the_production_layout_serves_through_the_proxy():
    from tests.ops import prod_check

    assert prod_check.main() == 0
