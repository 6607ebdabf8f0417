"""Production settings refuse to start without secrets and pass `check --deploy`."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args, **env):
    unset = {"SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    full_env = {k: v for k, v in os.environ.items() if k not in unset}
    full_env.update(env)
    full_env["DJANGO_SETTINGS_MODULE"] = "cms.settings.production"
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    "env, missing",
    [({}, "SECRET_KEY"), ({"SECRET_KEY": "x" * 60}, "ALLOWED_HOSTS")],
)
def test_production_refuses_to_start_without_secrets(env, missing):
    result = _manage("check", **env)
    assert result.returncode != 0
    assert f"{missing} must be set" in result.stderr


def test_production_passes_check_deploy_without_warnings():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY="k9$Lq2!vZ" * 8,
        ALLOWED_HOSTS="affinites.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_asgi_application_routes_http_and_websocket():
    from channels.routing import ProtocolTypeRouter

    from cms.asgi import application

    assert isinstance(application, ProtocolTypeRouter)
    assert set(application.application_mapping) == {"http", "websocket"}


def _settings_value(expr: str, **env) -> str:
    code = f"import django; django.setup(); from django.conf import settings; print({expr})"
    full_env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    full_env.update(env, DJANGO_SETTINGS_MODULE="cms.settings.dev")
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_embedded_defaults():
    assert (
        _settings_value("settings.DATABASES['default']['ENGINE']") == "django.db.backends.sqlite3"
    )
    assert _settings_value("settings.CHANNEL_LAYERS['default']['BACKEND']") == (
        "feeds.layers.LocalChannelLayer"
    )
    assert "LocMemCache" in _settings_value("settings.CACHES['default']['BACKEND']")
    assert (
        _settings_value("settings.TASKS['default']['BACKEND']") == "django_tasks_db.DatabaseBackend"
    )


def test_database_url_and_redis_url_switch_services():
    env = {
        "DATABASE_URL": "postgres://u@127.0.0.1:5432/affinites",
        "REDIS_URL": "redis://127.0.0.1:6379/3",
    }
    assert _settings_value("settings.DATABASES['default']['ENGINE']", **env) == (
        "django.db.backends.postgresql"
    )
    assert _settings_value("settings.CHANNEL_LAYERS['default']['BACKEND']", **env) == (
        "channels_redis.pubsub.RedisPubSubChannelLayer"
    )
    lists = {**env, "CHANNEL_LAYER": "lists"}
    assert _settings_value("settings.CHANNEL_LAYERS['default']['BACKEND']", **lists) == (
        "channels_redis.core.RedisChannelLayer"
    )
    assert _settings_value("settings.CHANNEL_LAYERS['default']['CONFIG']['capacity']", **lists) == (
        "20000"
    )
    assert "RedisCache" in _settings_value("settings.CACHES['default']['BACKEND']", **env)
    assert (
        _settings_value("settings.TASKS['default']['BACKEND']", **env)
        == "cms.serving.degraded.RQBackendWithFallback"
    )
