"""The Fediverse destination of the syndication outbox (``feeds.Syndication``).

Recording mirrors the Facebook destination: publishing a page whose "Fédivers" box is ticked
writes a row (``create`` the first time, ``update`` afterwards) in the publication's
transaction; unpublishing it, deleting it or unticking the box writes a ``delete`` row. The
row's task runs once the transaction commits.

Sending a row is *fanning it out*: the row is claimed by one conditional ``UPDATE`` (status
``sending``, a claim token, a lease), then its activity is queued as one
``FediverseDelivery`` per follower server (``publication``); the claim is released in the
same transaction. Activity ids carry the row's id and a (activity, inbox) pair is unique, so
a row fanned out twice (a worker died after queueing) queues nothing twice. The deliveries are
sent, retried and given up by ``delivery``; each time one ends, the row's status sums them up
(``summarise``): sent when every server got it, sent with "some servers given up" when
some did, failed when none did.

Rows of one page are fanned out in order (a ``delete`` after the ``create`` it withdraws).
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from wagtail.models import Page

from cms.transactions import on_commit
from feeds.fediverse.models import FediverseDelivery, FediverseFollower
from feeds.syndication.models import Syndication
from feeds.syndication.outbox import Outcome, backoff_seconds

logger = logging.getLogger("feeds.fediverse")

S = Syndication.Status
A = Syndication.Action
P = Syndication.Problem
D = Syndication.Destination
DS = FediverseDelivery.State


def enabled() -> bool:
    return settings.FEDIVERSE_ENABLED


def federated_models() -> tuple:
    from feeds.fediverse.documents import CONTENT_TYPES

    return CONTENT_TYPES


def is_federated(page) -> bool:
    return isinstance(page, federated_models()) and not getattr(page, "alias_of_id", None)


def _rows():
    return Syndication.objects.fediverse()


# --- Recording --------------------------------------------------------------------------


def lineage_open(page_pk: int) -> bool:
    """Was the page announced on the Fediverse (or is it on its way) and not withdrawn?"""
    last = (
        _rows()
        .filter(page_pk=page_pk, action__in=[A.CREATE, A.DELETE])
        .exclude(status=S.CANCELLED)
        .order_by("-id")
        .only("action")
        .first()
    )
    return bool(last and last.action == A.CREATE)


def has_followers() -> bool:
    """Does anyone follow one of our actors? Without followers nothing is sent, and no row
    is written (the actors' outboxes still list the page for whoever looks)."""
    return FediverseFollower.objects.exists()


def record_publication(page, *, user=None) -> Syndication | None:
    """A page was published: write (or refresh) its Fediverse row; unticked, withdraw it."""
    if not enabled() or not is_federated(page) or not page.live:
        return None
    with transaction.atomic():
        is_open = lineage_open(page.pk)
        if not page.publish_on_fediverse:
            return record_removal(page, user=user) if is_open else None
        if not has_followers():
            return None
        # Unpublished then published again before the Delete went out: keep it announced.
        _rows().filter(page_pk=page.pk, status=S.PENDING, action=A.DELETE).update(
            status=S.CANCELLED, problem="", next_attempt_at=None, updated_at=timezone.now()
        )
        row = (
            _rows()
            .filter(page_pk=page.pk, status=S.PENDING, action__in=[A.CREATE, A.UPDATE])
            .order_by("-id")
            .first()
        )
        # a pending Delete cancelled above reopens the lineage: ask again
        row = Syndication.objects.publication_for(
            D.FEDIVERSE, page, row, announced=lineage_open(page.pk), user=user
        )
        _fan_out_on_commit(row.pk)
    return row


def record_removal(page, *, user=None) -> Syndication | None:
    """A page was unpublished or deleted (or unticked): withdraw it from the followers."""
    if not is_federated(page):
        return None
    with transaction.atomic():
        _rows().filter(page_pk=page.pk, status=S.PENDING, action__in=[A.CREATE, A.UPDATE]).update(
            status=S.CANCELLED,
            problem=P.UNPUBLISHED,
            next_attempt_at=None,
            updated_at=timezone.now(),
        )
        if not lineage_open(page.pk):
            return None
        row = Syndication.objects.removal_for(D.FEDIVERSE, page, user)
        _fan_out_on_commit(row.pk)
    return row


def retry(row: Syndication, *, user=None) -> bool:
    """Send again what was given up: the row's abandoned deliveries, or its fan-out."""
    now = timezone.now()
    with transaction.atomic():
        locked = _rows().select_for_update().filter(pk=row.pk).first()
        if locked is None:
            return False
        partly = locked.status == S.SENT and locked.problem == P.PARTLY_DELIVERED
        if locked.status != S.FAILED and not partly:
            return False
        from feeds.fediverse.delivery import send_again

        if send_again(locked.pk):
            status = S.SENDING
        else:  # the fan-out itself failed: do it again
            status = S.PENDING
            _fan_out_on_commit(locked.pk)
        _rows().filter(pk=locked.pk).update(
            status=status,
            retries=0,
            next_attempt_at=None,
            problem="",
            problem_detail="",
            error_message="",
            requested_by=user,
            updated_at=now,
        )
    return True


# --- Fanning out ------------------------------------------------------------------------


def _fan_out_on_commit(row_pk: int) -> None:
    # robust: a broken queue must not break publishing (``fediverse_resume`` catches up)
    on_commit(schedule_fan_out, row_pk)


def schedule_fan_out(row_pk: int, when: datetime | None = None) -> None:
    from feeds.fediverse.tasks import publish_on_fediverse

    if when is None or when <= timezone.now():
        publish_on_fediverse.enqueue(row_pk)
    elif publish_on_fediverse.get_backend().supports_defer:
        publish_on_fediverse.using(run_after=when).enqueue(row_pk)


def _claim(row_pk: int, now: datetime) -> Syndication | None:
    token = uuid.uuid4().hex
    due = Q(status=S.PENDING) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    abandoned = Q(status=S.SENDING, lease_expires_at__lt=now) & ~Q(claim_token="")
    claimed = (
        _rows()
        .filter(pk=row_pk)
        .filter(due | abandoned)
        .update(
            status=S.SENDING,
            claim_token=token,
            claimed_at=now,
            lease_expires_at=now + timedelta(seconds=settings.FACEBOOK_SEND_LEASE_SECONDS),
            attempts=F("attempts") + 1,
            updated_at=now,
        )
    )
    return _rows().get(pk=row_pk) if claimed == 1 else None


def _fanning_out() -> Q:
    """Rows not fanned out yet: waiting, or claimed by a worker (deliveries excluded)."""
    return Q(status=S.PENDING) | (Q(status=S.SENDING) & ~Q(claim_token=""))


def fan_out(row_pk: int) -> Outcome:
    """Queue the row's activity for every follower server (claims the row first)."""
    now = timezone.now()
    row = _rows().filter(pk=row_pk).first()
    if row is None or row.status not in (S.PENDING, S.SENDING):
        return Outcome.NOTHING_TO_DO
    earlier = _rows().filter(_fanning_out(), page_pk=row.page_pk, id__lt=row.pk)
    if earlier.exists():
        return Outcome.WAITING_FOR_EARLIER
    row = _claim(row_pk, now)
    if row is None:
        return Outcome.NOT_CLAIMED
    from feeds.fediverse.publication import announce, withdraw

    try:
        with transaction.atomic():
            if row.action == A.DELETE:
                withdraw(row)
            else:
                page = Page.objects.filter(pk=row.page_pk).first()
                page = page.specific if page is not None else None
                if page is None or not page.live or not page.publish_on_fediverse:
                    _release(row, status=S.CANCELLED, problem=P.UNPUBLISHED)
                    _kick_next(row)
                    return Outcome.CANCELLED
                announce(row)
            if not _release(row, status=S.SENDING):
                transaction.set_rollback(True)
                return Outcome.CLAIM_LOST
    except Exception as exc:  # a bug or the database: retry, then fail visibly
        logger.exception("Fediverse publication %s: fan-out failed", row.pk)
        return _on_error(row, exc)
    summarise(row.pk)
    _kick_next(row)
    return Outcome.SENT if _rows().filter(pk=row.pk, status=S.SENT).exists() else Outcome.QUEUED


def _release(row: Syndication, **fields) -> bool:
    """Write ``fields`` and give the claim back, if the claim is still ours."""
    now = timezone.now()
    fields.setdefault("updated_at", now)
    if fields["status"] in (S.SENT, S.CANCELLED):
        fields.setdefault("sent_at", now if fields["status"] == S.SENT else None)
    return bool(
        _rows()
        .filter(pk=row.pk, claim_token=row.claim_token, status=S.SENDING)
        .update(claim_token="", lease_expires_at=None, next_attempt_at=None, **fields)
    )


def _on_error(row: Syndication, exc: Exception) -> Outcome:
    retries = row.retries + 1
    message = f"{type(exc).__name__}: {exc}"[:2000]
    if retries >= settings.FACEBOOK_RETRY_MAX_ATTEMPTS:
        _release(row, status=S.FAILED, problem=P.REJECTED, retries=retries, error_message=message)
        return Outcome.FAILED
    when = timezone.now() + timedelta(seconds=backoff_seconds(retries))
    if _release(row, status=S.PENDING, problem=P.TRANSIENT, retries=retries, error_message=message):
        _rows().filter(pk=row.pk).update(next_attempt_at=when)
        schedule_fan_out(row.pk, when)
    return Outcome.RETRY_LATER


def _kick_next(row: Syndication) -> None:
    following = (
        _rows()
        .filter(_fanning_out(), page_pk=row.page_pk, id__gt=row.pk)
        .order_by("id")
        .values_list("pk", flat=True)
        .first()
    )
    if following:
        on_commit(schedule_fan_out, following)


# --- Summing up the deliveries ----------------------------------------------------------


def summarise(row_pk: int) -> S | None:
    """Set a fanned-out row's status from its deliveries, once none is left to send.

    Every delivery updates its own state before calling this, so the last one to end sees
    them all. Returns the new status, or None while deliveries are still on their way.
    """
    counts = FediverseDelivery.objects.filter(publication_id=row_pk).aggregate(
        total=Count("pk"),
        pending=Count("pk", filter=Q(state=DS.PENDING)),
        sent=Count("pk", filter=Q(state=DS.SENT)),
        abandoned=Count("pk", filter=Q(state=DS.ABANDONED)),
    )
    if counts["pending"]:
        return None
    now = timezone.now()
    fields: dict = {"problem": "", "problem_detail": "", "sent_at": now, "status": S.SENT}
    if counts["abandoned"] and counts["sent"]:
        fields["problem"] = P.PARTLY_DELIVERED
        fields["problem_detail"] = f"{counts['abandoned']}/{counts['total']}"
    elif counts["abandoned"]:
        last_error = (
            FediverseDelivery.objects.filter(publication_id=row_pk, state=DS.ABANDONED)
            .order_by("-pk")
            .values_list("last_error", flat=True)
            .first()
        )
        fields.update(
            status=S.FAILED,
            sent_at=None,
            problem=P.UNREACHABLE,
            problem_detail=f"{counts['abandoned']}/{counts['total']}",
            error_message=last_error or "",
        )
    changed = (
        _rows().filter(pk=row_pk, status=S.SENDING, claim_token="").update(updated_at=now, **fields)
    )
    return fields["status"] if changed else None


def summarise_for_delivery(delivery_pk: int) -> None:
    publication_pk = (
        FediverseDelivery.objects.filter(pk=delivery_pk)
        .values_list("publication_id", flat=True)
        .first()
    )
    if publication_pk is not None:
        summarise(publication_pk)


# --- Sweeping ---------------------------------------------------------------------------


def resume_due(*, now: datetime | None = None) -> int:
    """Enqueue the fan-outs that are due (next attempt come, worker died) and sum up rows
    whose deliveries all ended without the last one saying so (a worker died in between)."""
    now = now or timezone.now()
    enqueued = 0
    seen: set[int] = set()
    for pk, page_pk, status, next_at, lease in (
        _rows()
        .filter(_fanning_out())
        .order_by("id")
        .values_list("pk", "page_pk", "status", "next_attempt_at", "lease_expires_at")
    ):
        if page_pk in seen:
            continue
        seen.add(page_pk)
        due = (status == S.PENDING and (next_at is None or next_at <= now)) or (
            status == S.SENDING and lease is not None and lease < now
        )
        if due:
            schedule_fan_out(pk)
            enqueued += 1
    waiting = _rows().filter(status=S.SENDING, claim_token="").exclude(deliveries__state=DS.PENDING)
    for pk in waiting.values_list("pk", flat=True):
        summarise(pk)
    return enqueued


def cancel(row: Syndication) -> bool:
    """Give up a row that has not been fanned out yet."""
    with transaction.atomic():
        changed = (
            _rows()
            .filter(pk=row.pk, status=S.PENDING)
            .update(status=S.CANCELLED, next_attempt_at=None, updated_at=timezone.now())
        )
        if changed:
            _kick_next(row)
    return bool(changed)
