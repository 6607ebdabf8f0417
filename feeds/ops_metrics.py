"""The feeds' state for the Prometheus scrape (cms/observability/metrics.py): the Facebook
outbox backlog by state, and the fan-out lag (from publication to the last feed written)."""

from __future__ import annotations

import contextlib
import time
from datetime import datetime

from django.core.cache import cache
from django.db.models import Count
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily

FAN_OUT_KEY = "metrics:fan-out:last"


def record_fan_out(enqueued_at: datetime | None, members: int) -> float:
    """Remember the fan-out just finished (in the cache, shared by every process) and return
    its lag in seconds: from the publication, which enqueued it, to its last feed written."""
    lag = (timezone.now() - enqueued_at).total_seconds() if enqueued_at else 0.0
    with contextlib.suppress(Exception):  # the metric must never fail the fan-out
        cache.set(FAN_OUT_KEY, {"lag": lag, "at": time.time(), "members": members}, None)
    return lag


def fan_out_metrics():
    last = cache.get(FAN_OUT_KEY)
    lag = GaugeMetricFamily(
        "affinites_fanout_lag_seconds",
        "Seconds from a publication to the last feed written by its fan-out (the latest one).",
    )
    age = GaugeMetricFamily(
        "affinites_fanout_last_finished_age_seconds",
        "Seconds since the latest fan-out finished.",
    )
    members = GaugeMetricFamily(
        "affinites_fanout_last_members", "Members whose feed the latest fan-out wrote."
    )
    if last:
        lag.add_metric([], last["lag"])
        age.add_metric([], max(0.0, time.time() - last["at"]))
        members.add_metric([], last["members"])
    yield lag
    yield age
    yield members


def facebook_outbox_metrics():
    from feeds.syndication.models import Syndication

    backlog = GaugeMetricFamily(
        "affinites_facebook_outbox",
        "Facebook outbox rows by status (pending and sending: not yet on the Page).",
        labels=["status"],
    )
    counts = dict(
        Syndication.objects.facebook()
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    for status in Syndication.Status.values:
        backlog.add_metric([status], counts.get(status, 0))
    oldest = (
        Syndication.objects.facebook()
        .filter(status=Syndication.Status.PENDING)
        .order_by("created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    age = GaugeMetricFamily(
        "affinites_facebook_outbox_oldest_pending_age_seconds",
        "How long the oldest pending Facebook row has waited (0 when none).",
    )
    age.add_metric([], (timezone.now() - oldest).total_seconds() if oldest else 0.0)
    yield backlog
    yield age
