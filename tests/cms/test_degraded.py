"""Redis or PostgreSQL away: the cache reads as empty, tasks go to the database queue and
come back to RQ, views answer the 503 page (cms/serving/degraded.py)."""

import os

import pytest
from django.core.management import call_command
from django.db import OperationalError
from django.http import HttpResponse
from django.test import RequestFactory, override_settings
from redis.exceptions import ConnectionError as RedisConnectionError

from cms.serving.degraded import ServiceUnavailableMiddleware, TolerantRedisCache

DEAD_REDIS = "redis://127.0.0.1:8159/0"  # nothing listens there


def test_the_cache_reads_as_empty_while_redis_is_away():
    cache = TolerantRedisCache(DEAD_REDIS, {"OPTIONS": {"socket_connect_timeout": 0.2}})
    assert cache.get("feed:1", "absent") == "absent"
    assert cache.get_many(["a", "b"]) == {}
    assert cache.add("ratelimit:post:1", 1, 60) is False  # closed: no double send, no flood
    cache.set("k", "v", 10)
    cache.delete("k")
    assert cache.has_key("k") is False


def _tasks(url: str) -> dict:
    return {
        "TASKS": {
            "default": {
                "BACKEND": "cms.serving.degraded.RQBackendWithFallback",
                "QUEUES": ["default"],
            },
            "fallback": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]},
        },
        "RQ_QUEUES": {"default": {"URL": url, "SOCKET_CONNECT_TIMEOUT": 0.5}},
    }


@pytest.mark.django_db
def test_a_task_enqueued_while_redis_is_away_is_kept_then_moved_back(capsys):
    from django_tasks_db.models import DBTaskResult

    from feeds.tasks import withdraw

    with override_settings(**_tasks(DEAD_REDIS)):
        result = withdraw.enqueue("announcement", 4242)
        assert result.backend == "fallback"
        kept = DBTaskResult.objects.get(backend_name="fallback")
        assert kept.task_path == "feeds.tasks.withdraw"
        assert kept.args_kwargs["args"] == ["announcement", 4242]
        call_command("requeue_fallback_tasks")
        assert "Redis still unreachable" in capsys.readouterr().err
        assert DBTaskResult.objects.filter(backend_name="fallback").count() == 1

    live = os.environ.get("REDIS_URL")
    if not live:
        return  # moving back needs a Redis server (CI's PostgreSQL + Redis run)
    import django_rq

    with override_settings(**_tasks(live)):
        queue = django_rq.get_queue("default")
        before = queue.count
        call_command("requeue_fallback_tasks")
        assert "1 tasks kept during the Redis outage moved back" in capsys.readouterr().out
        assert not DBTaskResult.objects.filter(backend_name="fallback").exists()
        assert queue.count == before + 1
        job = queue.jobs[-1]
        assert job.retries_left == 2  # put back on the queue if its process is killed
        assert job.args[-2:] == ["announcement", 4242] or "4242" in str(job.args)
        job.delete()


@pytest.mark.parametrize(
    "error", [RedisConnectionError("Connection refused"), OperationalError("server closed")]
)
def test_a_lost_connection_in_a_view_answers_the_503_page(error):
    middleware = ServiceUnavailableMiddleware(lambda request: HttpResponse("ok"))
    request = RequestFactory().get("/fil/", HTTP_ACCEPT_LANGUAGE="fr")
    response = middleware.process_exception(request, error)
    assert response.status_code == 503
    assert response["Retry-After"]
    assert "très demandé" in response.content.decode()
    assert middleware.process_exception(request, ValueError("bug")) is None
