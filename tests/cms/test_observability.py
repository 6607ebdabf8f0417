"""/healthz, /readyz, the protected metrics and request ids (cms/observability/)."""

import json
import logging

import pytest
from django.core.cache import cache
from django.db import OperationalError
from django.test import override_settings

from cms.observability import health, request_id
from cms.observability.context import RequestIdFilter
from cms.observability.context import request_id as current_request_id

pytestmark = pytest.mark.django_db


def test_healthz_answers_without_the_database(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(
        "django.db.backends.base.base.BaseDatabaseWrapper.ensure_connection", refuse
    )
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_reports_each_check(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "task_queue"}
    assert all(check["ok"] for check in body["checks"].values())
    assert response["Cache-Control"].startswith("max-age=0")


def test_readyz_is_503_with_the_failing_check(client, monkeypatch):
    def down():
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379")

    monkeypatch.setitem(health.CHECKS, "cache", down)
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["cache"]["ok"] is False
    assert "6379" in body["checks"]["cache"]["detail"]
    assert body["checks"]["database"]["ok"] is True


def test_metrics_refused_outside_the_allow_list(client):
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.7").status_code == 404


@override_settings(METRICS_TOKEN="s3cret-token")
def test_metrics_need_the_token_when_one_is_set(client):
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-token")
    assert response.status_code == 200


def test_metrics_count_requests_by_view_and_status(client):
    client.get("/healthz")
    client.get("/readyz")
    client.get("/une-page-qui-n-existe-pas/")
    body = client.get("/metrics").content.decode()
    assert 'affinites_http_requests_total{method="GET",status="200",view="healthz"}' in body
    assert 'affinites_http_request_duration_seconds_bucket{le="0.25",view="readyz"}' in body
    assert "affinites_http_requests_total{" in body and 'status="404"' in body
    assert 'affinites_task_queue_depth{queue="default"}' in body
    assert 'affinites_facebook_outbox{status="pending"} 0.0' in body
    assert "affinites_websocket_connections" in body
    assert "affinites_state_scrape_ok 1.0" in body


def test_fan_out_lag_is_published(client, django_capture_on_commit_callbacks):
    from datetime import timedelta

    from django.utils import timezone

    from feeds.ops_metrics import FAN_OUT_KEY, record_fan_out

    lag = record_fan_out(timezone.now() - timedelta(seconds=3), members=12)
    assert 3 <= lag < 10
    body = client.get("/metrics").content.decode()
    assert "affinites_fanout_last_members 12.0" in body
    assert "affinites_fanout_lag_seconds 3." in body
    cache.delete(FAN_OUT_KEY)


def test_request_id_from_the_proxy_is_answered_and_logged(client, caplog):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="abcdef0123456789")
    assert response["X-Request-ID"] == "abcdef0123456789"
    bad = client.get("/healthz", HTTP_X_REQUEST_ID="<script>")
    assert bad["X-Request-ID"] != "<script>" and len(bad["X-Request-ID"]) == 32


def test_request_id_is_carried_into_the_tasks_enqueued():
    class Result:
        id = "task-result-1"

    token = current_request_id.set("req-1234567890")
    try:
        request_id.remember_for_task(sender=None, task_result=Result())
    finally:
        current_request_id.reset(token)
    assert current_request_id.get() is None
    request_id.adopt_for_task(sender=None, task_result=Result())
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "fan-out", None, None)
    RequestIdFilter().filter(record)
    assert record.request_id == "req-1234567890"
    request_id.forget_for_task(sender=None, task_result=Result())
    assert current_request_id.get() is None


def test_json_log_lines_carry_the_request_id():
    import io

    from cms.observability.logs import logging_config

    config = logging_config("json")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    formatter_spec = dict(config["formatters"]["json"])
    factory = formatter_spec.pop("()")
    module, name = factory.rsplit(".", 1)
    formatter = getattr(__import__(module, fromlist=[name]), name)(**formatter_spec)
    handler.setFormatter(formatter)
    handler.addFilter(RequestIdFilter())
    log = logging.getLogger("affinites.test.json")
    log.addHandler(handler)
    log.propagate = False
    token = current_request_id.set("req-abcdefgh")
    try:
        log.warning("Publication %s", "Fête du livre")
    finally:
        current_request_id.reset(token)
        log.removeHandler(handler)
    line = json.loads(stream.getvalue())
    assert line["message"] == "Publication Fête du livre"
    assert line["request_id"] == "req-abcdefgh"
    assert line["level"] == "WARNING"
    assert line["logger"] == "affinites.test.json"
