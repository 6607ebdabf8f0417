"""Settings of the serving block: a bounded pool on PostgreSQL and no persistent
connections, the plain-HTTP trial switch, and the connection budget check."""

import os
import subprocess
import sys

import pytest
from django.db import connection
from django.test import override_settings

from cms.serving.checks import connection_budget
from tests.cms.live_servers import ROOT

POSTGRES = "postgres://u@127.0.0.1:5432/affinites"


def settings_value(expr: str, module: str = "cms.settings.dev", **env) -> str:
    code = f"import django; django.setup(); from django.conf import settings; print({expr})"
    unset = {"DATABASE_URL", "REDIS_URL", "DB_POOL_MAX_SIZE", "WEB_REQUESTS_PER_WORKER"}
    full_env = {k: v for k, v in os.environ.items() if k not in unset}
    full_env.update(env, DJANGO_SETTINGS_MODULE=module)
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=full_env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_postgres_gets_a_bounded_pool_and_no_persistent_connections():
    db = "settings.DATABASES['default']"
    assert settings_value(f"{db}['CONN_MAX_AGE']", DATABASE_URL=POSTGRES) == "0"
    assert settings_value(f"{db}['OPTIONS']['pool']", DATABASE_URL=POSTGRES) == (
        "{'min_size': 1, 'max_size': 5, 'timeout': 5.0}"
    )
    assert (
        settings_value(
            f"{db}['OPTIONS']['pool']['max_size']",
            DATABASE_URL=POSTGRES,
            WEB_REQUESTS_PER_WORKER="7",
        )
        == "8"
    )
    assert (
        settings_value(f"{db}['OPTIONS'].get('pool')", DATABASE_URL=POSTGRES, DB_POOL_MAX_SIZE="0")
        == "None"
    )
    assert settings_value(f"{db}['CONN_MAX_AGE']") == "0"  # SQLite


def test_plain_http_trial_turns_off_the_https_redirect_and_secure_cookies():
    production = {
        "module": "cms.settings.production",
        "SECRET_KEY": "k9$Lq2!vZ" * 8,
        "ALLOWED_HOSTS": "127.0.0.1",
    }
    names = "(settings.SECURE_SSL_REDIRECT, settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE, settings.SECURE_HSTS_SECONDS)"
    assert settings_value(names, **production) == "(True, True, True, 31536000)"
    assert settings_value(names, **production, PLAIN_HTTP="1") == "(False, False, False, 0)"


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_budget_check_warns_when_the_processes_could_exceed_max_connections():
    if connection.vendor != "postgresql":
        pytest.skip("the budget is PostgreSQL's max_connections")
    assert connection_budget(databases=["default"]) == []
    with override_settings(WEB_CONCURRENCY=100):
        (warning,) = connection_budget(databases=["default"])
    assert warning.id == "cms.W001"
    assert "100 web workers (WEB_CONCURRENCY)" in warning.hint
    assert connection_budget(databases=None) == []
