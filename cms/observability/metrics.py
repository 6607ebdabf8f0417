"""Prometheus metrics (prometheus-client) at ``METRICS_PATH``, for the scraper only.

Two kinds of metric:

- what a web process counts as it serves (requests by view and status, their latency,
  search latency, open websockets). Under gunicorn every worker writes them to files in
  ``PROMETHEUS_MULTIPROC_DIR`` (set by deploy/gunicorn.conf.py) and the worker that answers
  a scrape adds up all of them, so one scrape sees the whole process set;
- the state of the site, read from the database and Redis when scraped (task queue depth
  and age, Facebook outbox backlog, fan-out lag): packages add theirs with
  ``register_state_collector`` from their ``AppConfig.ready()``.

Access: a request needs ``Authorization: Bearer <METRICS_TOKEN>`` when METRICS_TOKEN is
set, else must come from an address of METRICS_ALLOWED_IPS (the proxy also refuses the path
to the outside: deploy/nginx/affinites.conf). Anything else gets a 404, as if absent.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import time
from collections.abc import Callable, Iterable

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from cms.observability import queues

logger = logging.getLogger(__name__)

LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.175, 0.25, 0.5, 1, 2.5, 5, 10)

HTTP_REQUESTS = Counter(
    "affinites_http_requests",
    "HTTP requests answered, by view, method and status.",
    ["view", "method", "status"],
)
HTTP_LATENCY = Histogram(
    "affinites_http_request_duration_seconds",
    "Time to answer an HTTP request (Django's middleware chain), by view.",
    ["view"],
    buckets=LATENCY_BUCKETS,
)
SEARCH_LATENCY = Histogram(
    "affinites_search_duration_seconds",
    "Time the search backend took to answer a query, by entry point (page, api).",
    ["entry"],
    buckets=LATENCY_BUCKETS,
)
WEBSOCKETS = Gauge(
    "affinites_websocket_connections",
    "Websockets open on the web processes.",
    multiprocess_mode="livesum",
)


# --- the site's state, read when scraped ------------------------------------------------------

_state_collectors: list[Callable[[], Iterable[GaugeMetricFamily]]] = []


def register_state_collector(collect: Callable[[], Iterable[GaugeMetricFamily]]) -> None:
    """Add a function yielding metric families computed at each scrape (idempotent)."""
    if collect not in _state_collectors:
        _state_collectors.append(collect)


def task_queue_metrics() -> Iterable[GaugeMetricFamily]:
    depth = GaugeMetricFamily(
        "affinites_task_queue_depth", "Background tasks waiting to run.", labels=["queue"]
    )
    age = GaugeMetricFamily(
        "affinites_task_queue_oldest_age_seconds",
        "How long the oldest waiting task has waited (0 when none waits).",
        labels=["queue"],
    )
    now = time.time()
    for name in queues.queue_names():
        count, oldest = queues.waiting(name)
        depth.add_metric([name], count)
        age.add_metric([name], max(0.0, now - oldest.timestamp()) if oldest else 0.0)
    kept, oldest = queues.fallback_waiting()
    depth.add_metric(["fallback"], kept)
    age.add_metric(["fallback"], max(0.0, now - oldest.timestamp()) if oldest else 0.0)
    yield depth
    yield age


register_state_collector(task_queue_metrics)


class _StateCollector(Collector):
    def collect(self):
        up = GaugeMetricFamily(
            "affinites_state_scrape_ok",
            "1 when every state metric could be read (database, Redis), else 0.",
        )
        ok = True
        for collect in _state_collectors:
            try:
                yield from list(collect())
            except Exception:
                ok = False
                logger.warning("State metrics %s failed", collect.__name__, exc_info=True)
        up.add_metric([], 1 if ok else 0)
        yield up


def exposition() -> bytes:
    """The scrape's body: the process metrics (of every worker, when multiprocess) and the
    site's state."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        processes = CollectorRegistry()
        multiprocess.MultiProcessCollector(processes)
    else:
        processes = REGISTRY
    state = CollectorRegistry(auto_describe=False)
    state.register(_StateCollector())
    return generate_latest(processes) + generate_latest(state)


# --- access and the view ------------------------------------------------------------------


def allowed(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    if token:
        given = request.headers.get("Authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(net) for net in settings.METRICS_ALLOWED_IPS)


@never_cache
def metrics_view(request: HttpRequest) -> HttpResponse:
    if not allowed(request):
        raise Http404
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)


# --- request metrics ----------------------------------------------------------------------


class RequestMetricsMiddleware:
    """Counts and times every request by the name of the view that answered it (the route
    name, e.g. ``feeds:feed`` or ``wagtail_serve``; ``unresolved`` for a 404 without a
    route), so that the labels stay few whatever the addresses asked for."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = (match.view_name or "unnamed") if match else "unresolved"
        HTTP_LATENCY.labels(view).observe(time.perf_counter() - started)
        HTTP_REQUESTS.labels(view, request.method, str(response.status_code)).inc()
        return response
