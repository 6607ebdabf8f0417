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
from enum import StrEnum

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
State = FediverseDelivery.State


class Outcome(StrEnum):
    """What one delivery attempt did."""

    NOT_DUE = "not due"
    SENT = "sent"
    RETRY = "retry"
    ABANDONED = "abandoned"


def follower_inboxes(actor: FediverseActor) -> list[str]:
    """One inbox per server: the shared inbox when the follower has one."""
    inboxes = set()
    for inbox, shared in FediverseFollower.objects.filter(actor=actor).values_list(
        "inbox", "shared_inbox"
    ):
        inboxes.add(shared or inbox)
    return sorted(inboxes)


def queue(
    actor: FediverseActor, activity: dict, inboxes: list[str], *, publication=None
) -> list[int]:
    """Record one delivery per inbox (an activity already queued for an inbox is not queued
    again) and send them once the current transaction commits. ``publication``: the outbox
    row (``feeds.Syndication``) the activity publishes, if any."""
    now = timezone.now()
    created = []
    for inbox in inboxes:
        try:
            with transaction.atomic():
                row = FediverseDelivery.objects.create(
                    actor=actor,
                    publication=publication,
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
        pk=pk, state=State.PENDING, next_attempt_at__lte=now
    ).update(attempts=F("attempts") + 1, next_attempt_at=now + LEASE)
    if not claimed:
        return None
    return FediverseDelivery.objects.select_related("actor").get(pk=pk)


def deliver(pk: int) -> Outcome:
    """Send one delivery if it is due; what happened. The publication it belongs to is
    summed up again once it is sent or given up."""
    outcome = _deliver(pk)
    if outcome in (Outcome.SENT, Outcome.ABANDONED):
        from feeds.fediverse.outbox import summarise_for_delivery

        summarise_for_delivery(pk)
    return outcome


def _deliver(pk: int) -> Outcome:
    from feeds.fediverse.actors import addresses, private_key_pem
    from feeds.fediverse.remote import RemoteError, post_activity

    row = _claim(pk)
    if row is None:
        return Outcome.NOT_DUE
    try:
        status = post_activity(
            row.inbox, row.activity, addresses(row.actor).key_id, private_key_pem(row.actor)
        )
        error = "" if 200 <= status < 300 else f"HTTP {status}"
    except RemoteError as exc:
        status, error = 0, str(exc)[:300]
    now = timezone.now()
    if not error:
        FediverseDelivery.objects.filter(pk=pk).update(state=State.SENT, sent_at=now, last_error="")
        return Outcome.SENT
    refused = 400 <= status < 500 and status not in (408, 429)
    if refused or now - (row.retried_at or row.created_at) >= GIVE_UP_AFTER:
        FediverseDelivery.objects.filter(pk=pk).update(state=State.ABANDONED, last_error=error)
        logger.warning("Fediverse delivery %s given up: %s", pk, error)
        return Outcome.ABANDONED
    wait = BACKOFF[min(row.attempts, len(BACKOFF)) - 1]
    FediverseDelivery.objects.filter(pk=pk).update(next_attempt_at=now + wait, last_error=error)
    return Outcome.RETRY


def resume_due() -> int:
    """Enqueue the deliveries that are due (retries, and rows whose worker died)."""
    pks = list(
        FediverseDelivery.objects.filter(
            state=State.PENDING, next_attempt_at__lte=timezone.now()
        ).values_list("pk", flat=True)[:1000]
    )
    _enqueue(pks)
    return len(pks)


def send_again(publication_pk: int) -> list[int]:
    """Put the given-up deliveries of a publication back in line (a librarian's "Retry"):
    sent now, and given up again only after a new ``GIVE_UP_AFTER``. Enqueued on commit."""
    now = timezone.now()
    rows = FediverseDelivery.objects.filter(publication_id=publication_pk, state=State.ABANDONED)
    pks = list(rows.values_list("pk", flat=True))
    rows.update(state=State.PENDING, attempts=0, next_attempt_at=now, retried_at=now)
    if pks:
        on_commit(_enqueue, pks)
    return pks
