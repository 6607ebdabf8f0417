"""Delivering activities to followers' servers: one row per (activity, inbox), grouped per
shared inbox, sent by a background task once the transaction that made it commits.

A row is claimed before it is sent (a conditional update: two workers never send it both),
sent with the actor's signature, then marked sent. A failure waits longer each time
(``BACKOFF``); a server that keeps failing for ``GIVE_UP_AFTER`` is given up (the row says
so in the admin). ``fediverse_resume`` (run by the scheduler every minute) sends the rows that
are due again. A 4xx other than 408/429 means the server refuses this activity: given up at once.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from cms.transactions import on_commit
from feeds.fediverse.models import FediverseActor, FediverseDelivery, FediverseFollower

logger = logging.getLogger("feeds.fediverse")

BACKOFF = [
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
    timedelta(hours=12),
    timedelta(days=1),
]
GIVE_UP_AFTER = timedelta(days=3)
LEASE = timedelta(minutes=2)


def follower_inboxes(actor: FediverseActor) -> list[str]:
    """One inbox per server: the shared inbox when the follower has one."""
    inboxes = set()
    for inbox, shared in FediverseFollower.objects.filter(actor=actor).values_list(
        "inbox", "shared_inbox"
    ):
        inboxes.add(shared or inbox)
    return sorted(inboxes)


def queue(actor: FediverseActor, activity: dict, inboxes: list[str]) -> list[int]:
    """Record one delivery per inbox (an activity already queued for an inbox is not queued
    again) and send them once the current transaction commits."""
    now = timezone.now()
    created = []
    for inbox in inboxes:
        try:
            with transaction.atomic():
                row = FediverseDelivery.objects.create(
                    actor=actor,
                    activity_id=activity["id"],
                    activity=activity,
                    inbox=inbox,
                    next_attempt_at=now,
                )
        except IntegrityError:
            continue
        created.append(row.pk)
    if created:
        on_commit(_enqueue, created)
    return created


def _enqueue(pks: list[int]) -> None:
    from feeds.fediverse.tasks import deliver_activity

    for pk in pks:
        deliver_activity.enqueue(pk)


def _claim(pk: int) -> FediverseDelivery | None:
    now = timezone.now()
    claimed = FediverseDelivery.objects.filter(
        pk=pk, state=FediverseDelivery.State.PENDING, next_attempt_at__lte=now
    ).update(attempts=F("attempts") + 1, next_attempt_at=now + LEASE)
    if not claimed:
        return None
    return FediverseDelivery.objects.select_related("actor").get(pk=pk)


def deliver(pk: int) -> str:
    """Send one delivery if it is due; what happened."""
    from feeds.fediverse.actors import addresses, private_key_pem
    from feeds.fediverse.remote import RemoteError, post_activity

    row = _claim(pk)
    if row is None:
        return "not due"
    try:
        status = post_activity(
            row.inbox, row.activity, addresses(row.actor).key_id, private_key_pem(row.actor)
        )
        error = "" if 200 <= status < 300 else f"HTTP {status}"
    except RemoteError as exc:
        status, error = 0, str(exc)[:300]
    now = timezone.now()
    if not error:
        FediverseDelivery.objects.filter(pk=pk).update(
            state=FediverseDelivery.State.SENT, sent_at=now, last_error=""
        )
        return "sent"
    refused = 400 <= status < 500 and status not in (408, 429)
    if refused or now - row.created_at >= GIVE_UP_AFTER:
        FediverseDelivery.objects.filter(pk=pk).update(
            state=FediverseDelivery.State.ABANDONED, last_error=error
        )
        logger.warning("Fediverse delivery %s given up: %s", pk, error)
        return "abandoned"
    wait = BACKOFF[min(row.attempts, len(BACKOFF)) - 1]
    FediverseDelivery.objects.filter(pk=pk).update(next_attempt_at=now + wait, last_error=error)
    return "retry"


def resume_due() -> int:
    """Enqueue the deliveries that are due (retries, and rows whose worker died)."""
    pks = list(
        FediverseDelivery.objects.filter(
            state=FediverseDelivery.State.PENDING, next_attempt_at__lte=timezone.now()
        ).values_list("pk", flat=True)[:1000]
    )
    _enqueue(pks)
    return len(pks)
