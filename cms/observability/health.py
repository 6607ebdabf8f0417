"""``/healthz`` (the process answers) and ``/readyz`` (what it depends on is reachable).

``/readyz`` checks the database, the cache (Redis when REDIS_URL is set) and the task queue,
each with a short timeout, and answers JSON with one entry per check; any failure makes it
a 503, so a proxy or an orchestrator stops sending traffic to the process until it passes.
Neither needs a session or a user: they skip the database middleware (``cms.serving``).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from cms.observability import queues


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def check_cache() -> str:
    key = "readyz:probe"
    cache.set(key, "1", 10)
    if cache.get(key) != "1":
        raise RuntimeError("the cache did not return what was just written")
    return "ok"


def check_task_queue() -> str:
    depth = queues.depth()
    return f"ok ({depth} waiting)"


CHECKS: dict[str, Callable[[], str]] = {
    "database": check_database,
    "cache": check_cache,
    "task_queue": check_task_queue,
}


def run_checks() -> tuple[bool, dict[str, dict]]:
    ready = True
    report: dict[str, dict] = {}
    for name, check in CHECKS.items():
        started = time.monotonic()
        try:
            detail, ok = check(), True
        except Exception as error:  # any failure of a dependency: not ready
            detail, ok = f"{type(error).__name__}: {error}"[:300], False
        ready = ready and ok
        report[name] = {
            "ok": ok,
            "detail": detail,
            "ms": round((time.monotonic() - started) * 1000, 1),
        }
    return ready, report


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    ready, report = run_checks()
    return JsonResponse(
        {
            "status": "ok" if ready else "unavailable",
            "backend": settings.TASKS["default"]["BACKEND"].rsplit(".", 1)[-1],
            "checks": report,
        },
        status=200 if ready else 503,
    )
