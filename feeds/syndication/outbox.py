"""The outbox: record what must be mirrored to Facebook, send it once, retry by error class.

Recording (``record_publication`` / ``record_removal``) happens in the transaction that
publishes or unpublishes the page; the send task is enqueued ``on_commit``.

Sending (``send``) never holds a database transaction during the HTTP call:

1. the row is *claimed* by one conditional ``UPDATE`` (pending and due, or sending with an
   expired lease) that sets ``status=sending``, a claim token and a lease; a second worker's
   ``UPDATE`` matches nothing, so a row is sent by one worker at a time;
2. before a creation request, ``in_flight`` is committed: if the worker dies, the answer
   never comes or is a server error, the next attempt first looks for our marker among the
   Page's recent posts (``GET /{page-id}/posts``) and adopts the post instead of creating
   it again. After a read timeout Facebook may still be writing the post: until
   ``uncertain_until`` (``FACEBOOK_UNCERTAIN_SECONDS`` after the request) attempts only
   look for it, and create again only once that time has passed without it appearing;
3. a 506 "duplicate" answer is resolved without anyone: the post found by its marker is
   adopted; if none is ours, the link's marker gets a suffix (``aff12-1``: the message
   differs by that alone, and the marker still finds it) and the creation is sent again;
4. the result is written only if the claim is still ours (same claim token).

Rows of one page are sent in order (create, then updates, then removal).
"""

from __future__ import annotations

import logging
import random
import uuid
from datetime import datetime, timedelta
from enum import StrEnum

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from wagtail.models import Page

from cms.transactions import on_commit

from . import connection as conn_actions
from .content import build_post, marker_for, marker_pattern
from .graph import ErrorKind, GraphAPIError, GraphClient, GraphError, GraphTransportError
from .models import FacebookConnection, Syndication, TokenUnavailable

logger = logging.getLogger("feeds.syndication")

S = Syndication.Status
A = Syndication.Action
P = Syndication.Problem
D = Syndication.Destination


class Outcome(StrEnum):
    """What one send attempt did (returned by ``send`` for the logs and the tests)."""

    SENT = S.SENT.value
    CANCELLED = S.CANCELLED.value
    FAILED = S.FAILED.value
    NOTHING_TO_DO = "nothing-to-do"
    WAITING_FOR_EARLIER = "waiting-for-earlier"
    NOT_CONNECTED = "not-connected"
    CONNECTION_BROKEN = "connection-broken"
    PAUSED = "paused"
    NOT_CLAIMED = "not-claimed"
    CLAIM_LOST = "claim-lost"
    RETRY_LATER = "retry-later"
    QUEUED = "queued"  # Fediverse: handed to one delivery per follower server


READ = "read"  # looking for our marker among the Page's posts
DEFAULT_PERMISSION = {
    A.CREATE: "pages_manage_posts",
    A.UPDATE: "pages_manage_posts",
    A.DELETE: "pages_manage_posts",
    READ: "pages_read_engagement",
}


def syndicated_models() -> tuple:
    from cms.models import AnnouncementPage, EventPage, RecommendationPage

    return (AnnouncementPage, EventPage, RecommendationPage)


def is_syndicated(page) -> bool:
    return isinstance(page, syndicated_models()) and not getattr(page, "alias_of_id", None)


# --- Recording --------------------------------------------------------------------------


def current_post(page_pk: int) -> Syndication | None:
    """The sent creation row holding the Page's live post for this page, if any."""
    last = (
        Syndication.objects.facebook()
        .filter(page_pk=page_pk, status=S.SENT, action__in=[A.CREATE, A.DELETE])
        .order_by("-id")
        .first()
    )
    return last if last and last.action == A.CREATE and last.post_id else None


def lineage_open(page_pk: int) -> bool:
    """Is there a post on Facebook for this page, or one on its way?"""
    last = (
        Syndication.objects.facebook()
        .filter(page_pk=page_pk, action__in=[A.CREATE, A.DELETE])
        .exclude(status__in=[S.FAILED, S.CANCELLED])
        .order_by("-id")
        .only("action")
        .first()
    )
    return bool(last and last.action == A.CREATE)


def record_publication(page, *, user=None) -> Syndication | None:
    """A syndicated page was published: write (or refresh) its outbox row.

    Joins the caller's transaction when there is one; the send is enqueued on commit.
    Unticking "publish on Facebook" on a published page removes its post.
    """
    if not is_syndicated(page) or not page.live:
        return None
    with transaction.atomic():
        pending_delete = (
            Syndication.objects.facebook()
            .filter(page_pk=page.pk, status=S.PENDING, action=A.DELETE)
            .order_by("-id")
        )
        if page.publish_on_facebook and pending_delete.exists():
            # Unpublished then republished before the removal went out: keep the post.
            pending_delete.update(
                status=S.CANCELLED, problem="", next_attempt_at=None, updated_at=timezone.now()
            )
        is_open = lineage_open(page.pk)
        if not page.publish_on_facebook:
            return record_removal(page, user=user) if is_open else None
        row = (
            Syndication.objects.facebook()
            .filter(
                page_pk=page.pk,
                status=S.PENDING,
                action__in=[A.CREATE, A.UPDATE],
                in_flight=False,
            )
            .order_by("-id")
            .first()
        )
        row = Syndication.objects.publication_for(
            D.FACEBOOK, page, row, announced=is_open, user=user
        )
        _send_on_commit(row.pk)
    return row


def record_removal(page, *, user=None) -> Syndication | None:
    """A syndicated page was unpublished or deleted (or untagged): remove its post."""
    with transaction.atomic():
        Syndication.objects.facebook().filter(
            page_pk=page.pk,
            status=S.PENDING,
            action__in=[A.CREATE, A.UPDATE],
            in_flight=False,
        ).update(
            status=S.CANCELLED,
            problem=P.UNPUBLISHED,
            next_attempt_at=None,
            updated_at=timezone.now(),
        )
        if not lineage_open(page.pk):
            return None
        row = Syndication.objects.removal_for(D.FACEBOOK, page, user)
        _send_on_commit(row.pk)
    return row


def retry(row: Syndication, *, user=None) -> bool:
    """Send a failed row again (or a row waiting for its next attempt, now)."""
    now = timezone.now()
    with transaction.atomic():
        changed = (
            Syndication.objects.facebook()
            .filter(pk=row.pk)
            .filter(Q(status=S.FAILED) | Q(status=S.PENDING, next_attempt_at__gt=now))
            .update(
                status=S.PENDING,
                retries=0,
                next_attempt_at=None,
                problem="",
                problem_detail="",
                requested_by=user,
                updated_at=now,
            )
        )
        if changed:
            _send_on_commit(row.pk)
    return bool(changed)


# --- Scheduling -------------------------------------------------------------------------


def _send_on_commit(row_pk: int) -> None:
    on_commit(schedule_send, row_pk)


def schedule_send(row_pk: int, when: datetime | None = None) -> None:
    """Enqueue the send task now, or at ``when`` if the task backend can defer.

    Without deferral (immediate backend, or a backend without ``supports_defer``), rows
    waiting for a later attempt are picked up by ``syndication_resume``.
    """
    from .tasks import send_syndication

    if when is None or when <= timezone.now():
        send_syndication.enqueue(row_pk)
    elif send_syndication.get_backend().supports_defer:
        send_syndication.using(run_after=when).enqueue(row_pk)


def backoff_seconds(retries: int) -> float:
    """Exponential backoff with jitter: a random delay in [d/2, d], d = base·2^(n−1) capped."""
    base = settings.FACEBOOK_RETRY_BASE_SECONDS
    nominal = min(settings.FACEBOOK_RETRY_MAX_SECONDS, base * 2 ** max(retries - 1, 0))
    return random.uniform(nominal / 2, nominal)


def _jitter(seconds: float) -> float:
    return seconds * random.uniform(1.0, 1.1)


# --- Sending ----------------------------------------------------------------------------


def _claim(row_pk: int, now: datetime) -> Syndication | None:
    token = uuid.uuid4().hex
    due = Q(status=S.PENDING) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    abandoned = Q(status=S.SENDING, lease_expires_at__lt=now)
    claimed = (
        Syndication.objects.facebook()
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
    if claimed != 1:
        return None
    return Syndication.objects.facebook().get(pk=row_pk)


def _save(row: Syndication, **fields) -> bool:
    """Write ``fields`` if the claim is still ours. False if another worker took the row."""
    fields.setdefault("updated_at", timezone.now())
    done = Syndication.objects.facebook().filter(
        pk=row.pk, claim_token=row.claim_token, status=S.SENDING
    )
    if fields.get("status", S.SENDING) != S.SENDING:
        fields.setdefault("claim_token", "")
        fields.setdefault("lease_expires_at", None)
    changed = done.update(**fields)
    if not changed:
        logger.warning("Syndication %s: claim lost before saving the result", row.pk)
        return False
    for key, value in fields.items():
        setattr(row, key, value)
    return True


def _finish(row: Syndication, status: S, **fields) -> Outcome:
    fields.setdefault("next_attempt_at", None)
    if status in (S.SENT, S.CANCELLED):
        fields.setdefault("problem", "")
        fields.setdefault("problem_detail", "")
    if status == S.SENT:
        fields.setdefault("sent_at", timezone.now())
    if _save(row, status=status, **fields) and status != S.PENDING:
        _kick_next(row)
    return Outcome(status)


def _kick_next(row: Syndication) -> None:
    following = (
        Syndication.objects.facebook()
        .unfinished()
        .filter(page_pk=row.page_pk, id__gt=row.pk)
        .order_by("id")
        .values_list("pk", "next_attempt_at")
        .first()
    )
    if following:
        pk, when = following
        on_commit(schedule_send, pk, when)


def _park(row_pk: int, problem: str) -> None:
    Syndication.objects.facebook().filter(pk=row_pk, status=S.PENDING).update(
        problem=problem, next_attempt_at=None, updated_at=timezone.now()
    )


def send(row_pk: int) -> Outcome:
    """Send one outbox row to Facebook. Returns what happened (for logs and tests)."""
    now = timezone.now()
    row = Syndication.objects.facebook().filter(pk=row_pk).first()
    if row is None or row.status not in (S.PENDING, S.SENDING):
        return Outcome.NOTHING_TO_DO
    if (
        Syndication.objects.facebook()
        .unfinished()
        .filter(page_pk=row.page_pk, id__lt=row.pk)
        .exists()
    ):
        return Outcome.WAITING_FOR_EARLIER
    connection = FacebookConnection.load()
    if not connection.is_configured:
        _park(row_pk, P.NOT_CONNECTED)
        return Outcome.NOT_CONNECTED
    if connection.broken:
        _park(row_pk, P.TOKEN)
        return Outcome.CONNECTION_BROKEN
    if connection.paused_until and connection.paused_until > now:
        Syndication.objects.facebook().filter(pk=row_pk, status=S.PENDING).update(
            next_attempt_at=connection.paused_until,
            problem=row.problem or P.THROTTLED,
            updated_at=now,
        )
        schedule_send(row_pk, connection.paused_until)
        return Outcome.PAUSED

    row = _claim(row_pk, now)
    if row is None:
        return Outcome.NOT_CLAIMED
    try:
        client = connection.client()
    except TokenUnavailable:
        conn_actions.mark_broken(connection, reason=FacebookConnection.BrokenReason.UNDECRYPTABLE)
        _save(row, status=S.PENDING, problem=P.TOKEN, next_attempt_at=None)
        return Outcome.CONNECTION_BROKEN
    try:
        return _perform(row, connection, client)
    except GraphAPIError as exc:
        return _on_api_error(row, connection, exc)
    except GraphTransportError as exc:
        return _on_transient(row, exc, message=str(exc))
    except Exception as exc:  # a bug or an unexpected answer: retry, then fail visibly
        logger.exception("Syndication %s: unexpected error", row.pk)
        return _on_transient(row, exc, message=type(exc).__name__)


def _perform(row: Syndication, connection: FacebookConnection, client: GraphClient) -> Outcome:
    page = Page.objects.filter(pk=row.page_pk).first()
    page = page.specific if page is not None else None
    post = current_post(row.page_pk)

    if row.action == A.DELETE:
        if post is None:
            return _finish(row, S.CANCELLED)
        try:
            client.delete_post(post.post_id)
        except GraphAPIError as exc:
            if exc.kind != ErrorKind.GONE:
                raise
        return _finish(row, S.SENT, post_id=post.post_id)

    action = row.action
    if action == A.UPDATE and post is None:
        action = A.CREATE  # the creation failed or was cancelled: create now
    elif action == A.CREATE and post is not None and post.pk != row.pk:
        action = A.UPDATE
    if action != row.action:
        _save(row, action=action)

    if action == A.CREATE:
        marker = row.marker or marker_for(row.pk)
        if row.in_flight:
            found = _find_marker(client, connection.page_id, row, marker)
            if found:
                return _adopt(row, found, marker)
            if row.uncertain_until and timezone.now() < row.uncertain_until:
                return _look_again(row)
        if page is None or not page.live or not page.publish_on_facebook:
            return _finish(row, S.CANCELLED, in_flight=False)
        duplicate: GraphAPIError | None = None
        for variant in range(settings.FACEBOOK_DUPLICATE_VARIANTS + 1):
            content = build_post(page, marker=marker if not variant else f"{marker}-{variant}")
            if not content.link:
                return _finish(row, S.FAILED, problem=P.NO_URL, in_flight=False)
            try:
                return _create(row, connection, client, content, marker)
            except GraphAPIError as exc:
                if exc.kind != ErrorKind.DUPLICATE:
                    raise
                duplicate = exc
                # 506: this message is already on the Page. Ours (an earlier send that
                # committed)? Adopt it. Someone else's? Vary the link's marker and post.
                found = _find_marker(client, connection.page_id, row, marker)
                if found:
                    return _adopt(row, found, marker)
                logger.info("Syndication %s: duplicate message, posting a variant", row.pk)
        raise duplicate

    # update
    if page is None or not page.live:
        return _finish(row, S.CANCELLED)
    content = build_post(page, marker=post.marker or marker_for(post.pk))
    _save(row, message=content.message, link=content.link, image_url=content.image_url)
    client.update_post(post.post_id, message=content.message)
    return _finish(row, S.SENT, post_id=post.post_id)


def _create(
    row: Syndication, connection: FacebookConnection, client: GraphClient, content, marker: str
) -> Outcome:
    """One creation request; the row says "in flight" while it may be on its way."""
    sent_at = timezone.now()
    if not _save(
        row,
        marker=marker,
        message=content.message,
        link=content.link,
        image_url=content.image_url,
        in_flight=True,
        uncertain_until=None,
    ):
        return Outcome.CLAIM_LOST
    try:
        if content.image_url:
            answer = client.create_photo_post(
                connection.page_id, url=content.image_url, caption=content.message
            )
        else:
            answer = client.create_feed_post(
                connection.page_id, message=content.message, link=content.link
            )
    except GraphAPIError as exc:
        # Facebook answered. A server error may come after the post was written: the
        # next attempt looks once before creating again; any other answer created nothing.
        row.in_flight = exc.kind == ErrorKind.TRANSIENT
        raise
    except GraphTransportError as exc:
        row.in_flight = exc.ambiguous
        if exc.timed_out:  # Facebook may still be writing it: look, do not create, until…
            row.uncertain_until = sent_at + timedelta(seconds=settings.FACEBOOK_UNCERTAIN_SECONDS)
        raise
    post_id = str(answer.get("post_id") or answer.get("id") or "")
    logger.info("Syndication %s: created post %s", row.pk, post_id)
    return _finish(row, S.SENT, post_id=post_id, in_flight=False, uncertain_until=None)


def _adopt(row: Syndication, post_id: str, marker: str) -> Outcome:
    logger.info("Syndication %s: post %s already on the Page, adopted", row.pk, post_id)
    return _finish(
        row, S.SENT, post_id=post_id, in_flight=False, uncertain_until=None, marker=marker
    )


def _look_again(row: Syndication) -> Outcome:
    """An uncertain creation is not on the Page yet: look again later (no retry counted)."""
    remaining = (row.uncertain_until - timezone.now()).total_seconds()
    delay = max(1.0, min(settings.FACEBOOK_UNCERTAIN_CHECK_SECONDS, remaining))
    logger.info("Syndication %s: uncertain creation not on the Page yet, looking again", row.pk)
    return _retry_later(row, delay, P.TRANSIENT)


def _find_marker(client: GraphClient, page_id: str, row: Syndication, marker: str) -> str:
    since = int((row.created_at - timedelta(minutes=10)).timestamp())
    pattern = marker_pattern(marker)
    for post in client.recent_posts(page_id, since=since, limit=100):
        if pattern.search(post.get("message") or ""):
            return str(post.get("id"))
    return ""


def _error_fields(exc: GraphError, row: Syndication) -> dict:
    if isinstance(exc, GraphAPIError):
        return {
            "error_code": exc.code,
            "error_subcode": exc.subcode,
            "error_message": exc.message[:2000],
            "fbtrace_id": exc.fbtrace_id[:64],
            "in_flight": row.in_flight,
            "uncertain_until": row.uncertain_until,
        }
    return {
        "error_code": None,
        "error_subcode": None,
        "error_message": str(exc)[:2000],
        "fbtrace_id": "",
        "in_flight": row.in_flight,
        "uncertain_until": row.uncertain_until,
    }


def _retry_later(row: Syndication, delay: float, problem: str, *, when=None, **fields) -> Outcome:
    when = when or timezone.now() + timedelta(seconds=delay)
    if _save(row, status=S.PENDING, next_attempt_at=when, problem=problem, **fields):
        schedule_send(row.pk, when)
    return Outcome.RETRY_LATER


def _on_transient(row: Syndication, exc: Exception, *, message: str) -> Outcome:
    fields = (
        _error_fields(exc, row)
        if isinstance(exc, GraphError)
        else {
            "error_message": message,
            "in_flight": row.in_flight,
            "uncertain_until": row.uncertain_until,
        }
    )
    retries = row.retries + 1
    if retries >= settings.FACEBOOK_RETRY_MAX_ATTEMPTS:
        _finish(row, S.FAILED, problem=P.TRANSIENT, retries=retries, **fields)
        return Outcome.FAILED
    return _retry_later(row, backoff_seconds(retries), P.TRANSIENT, retries=retries, **fields)


def _on_api_error(row: Syndication, connection: FacebookConnection, exc: GraphAPIError) -> Outcome:
    kind = exc.kind
    fields = _error_fields(exc, row)
    if kind == ErrorKind.TRANSIENT:
        return _on_transient(row, exc, message=exc.message)
    if kind == ErrorKind.THROTTLED:
        when = timezone.now() + timedelta(seconds=_jitter(throttle_seconds(exc)))
        conn_actions.pause(connection, when)
        return _retry_later(row, 0, P.THROTTLED, when=when, **fields)
    if kind == ErrorKind.TOKEN:
        conn_actions.mark_broken(connection, error=exc)
        _save(row, status=S.PENDING, problem=P.TOKEN, next_attempt_at=None, **fields)
        return Outcome.CONNECTION_BROKEN
    if kind == ErrorKind.BLOCKED:
        retries = row.retries + 1
        if retries >= settings.FACEBOOK_BLOCKED_MAX_ATTEMPTS:
            _finish(row, S.FAILED, problem=P.BLOCKED, retries=retries, **fields)
            return Outcome.FAILED
        when = timezone.now() + timedelta(seconds=_jitter(settings.FACEBOOK_BLOCKED_RETRY_SECONDS))
        conn_actions.pause(connection, when)
        return _retry_later(row, 0, P.BLOCKED, when=when, retries=retries, **fields)
    if kind == ErrorKind.PERMISSION:
        operation = READ if row.in_flight else row.action
        permission = ", ".join(exc.permissions) or DEFAULT_PERMISSION.get(operation, "")
        _finish(row, S.FAILED, problem=P.PERMISSION, problem_detail=permission[:255], **fields)
        return Outcome.FAILED
    if kind == ErrorKind.DUPLICATE:
        _finish(row, S.FAILED, problem=P.DUPLICATE, **fields)
        return Outcome.FAILED
    if kind == ErrorKind.GONE:
        _finish(row, S.FAILED, problem=P.GONE, **fields)
        return Outcome.FAILED
    _finish(row, S.FAILED, problem=P.REJECTED, **fields)
    return Outcome.FAILED


def throttle_seconds(exc: GraphAPIError) -> float:
    from .graph import throttle_delay

    return throttle_delay(exc.headers, settings.FACEBOOK_THROTTLE_DEFAULT_SECONDS)


# --- Sweeping ---------------------------------------------------------------------------


def resume_due(*, now: datetime | None = None, reconcile: bool = True) -> dict[str, int]:
    """Enqueue what is due: rows whose next attempt has come, rows whose worker died
    (lease expired), and — with ``reconcile`` — publications that never got a row."""
    now = now or timezone.now()
    counts = {"recorded": 0, "enqueued": 0}
    if reconcile:
        counts["recorded"] = reconcile_pages(now=now)
    connection = FacebookConnection.load()
    if not connection.is_ready or (connection.paused_until and connection.paused_until > now):
        return counts
    seen: set[int] = set()
    for pk, page_pk, status, next_at, lease in (
        Syndication.objects.facebook()
        .unfinished()
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
            schedule_send(pk)
            counts["enqueued"] += 1
    return counts


def reconcile_pages(*, now: datetime | None = None) -> int:
    """Publications (and unpublications) of the last hours that have no outbox row.

    Wagtail 8 sends ``page_published`` after the page is saved, outside any transaction:
    if the process died in between, the page is live without its row. This closes the gap.
    """
    from wagtail.models import PageLogEntry

    now = now or timezone.now()
    since = now - timedelta(hours=settings.FACEBOOK_RECONCILE_HOURS)
    settled = now - timedelta(seconds=60)
    recorded = 0
    for model in syndicated_models():
        pages = model.objects.live().filter(
            last_published_at__gte=since, last_published_at__lte=settled, alias_of__isnull=True
        )
        for page in pages:
            if page.publish_on_facebook:
                covered = (
                    Syndication.objects.facebook()
                    .filter(page_pk=page.pk, published_at__gte=page.last_published_at)
                    .exists()
                )
                if not covered and record_publication(page):
                    recorded += 1
            elif lineage_open(page.pk) and record_removal(page):
                recorded += 1
    unpublished = (
        PageLogEntry.objects.filter(
            action__in=["wagtail.unpublish", "wagtail.unpublish.scheduled"],
            timestamp__gte=since,
            timestamp__lte=settled,
        )
        .values_list("page_id", flat=True)
        .distinct()
    )
    for page_pk in unpublished:
        page = Page.objects.filter(pk=page_pk).first()
        # An open lineage means no removal was recorded after the post's creation.
        if page is None or page.live or not lineage_open(page_pk):
            continue
        if record_removal(page.specific):
            recorded += 1
    return recorded


def cancel(row: Syndication) -> bool:
    """Give up a row that has not gone out yet (waiting, nothing in flight)."""
    with transaction.atomic():
        changed = (
            Syndication.objects.facebook()
            .filter(pk=row.pk, status=S.PENDING, in_flight=False)
            .update(status=S.CANCELLED, next_attempt_at=None, updated_at=timezone.now())
        )
        if changed:
            _kick_next(row)
    return bool(changed)
