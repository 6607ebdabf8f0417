"""Notifications: one row per thing a member should know, a websocket push, an optional email.

`notify()` (one member) and `notify_many()` (one insert for many) are the only ways in. The row is written in the caller's transaction; the push to
the member's websocket group and the email are sent once it commits (house style: side
effects only on commit), and a failure of either is logged, never raised: the notification
is on the site whatever happens to the push or the mail.
"""

import logging
from collections.abc import Iterable
from functools import partial
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Count
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from cms import links
from feeds.models import Notification
from feeds.relay import send_each

logger = logging.getLogger(__name__)


def unread_count(user) -> int:
    user_id = getattr(user, "pk", user)
    return Notification.objects.filter(user_id=user_id, read_at__isnull=True).count()


def notify(user, kind: str, title: str, body: str = "", url: str = "") -> Notification:
    """Record a notification for `user`; push it and (if they opted in) email it on commit."""
    return notify_many([(user, title)], kind, body, url)[0]


def notify_many(
    recipients: Iterable[tuple[Any, str]], kind: str, body: str = "", url: str = ""
) -> list[Notification]:
    """Record a notification for each (user, title) in one insert; on commit, push them
    all at once (one unread-count query, one check of who has a page open) and email
    those who opted in."""
    recipients = list(recipients)
    notifications = Notification.objects.bulk_create(
        [
            Notification(user=user, kind=kind, title=title[:250], body=body, url=url[:500])
            for user, title in recipients
        ],
        batch_size=1000,
    )
    if notifications:
        transaction.on_commit(partial(push_notifications, notifications), robust=True)
    for (user, _title), notification in zip(recipients, notifications, strict=True):
        if getattr(user, "notify_by_email", False) and user.email:
            transaction.on_commit(partial(email_notification, notification), robust=True)
    return notifications


def notification_payload(notification: Notification, unread: int) -> dict:
    return {
        "type": "notification",
        "id": notification.pk,
        "kind": notification.kind,
        "title": notification.title,
        "body": notification.body,
        "url": notification.url,
        "created_at": notification.created_at.isoformat(),
        "unread": unread,
    }


def unread_counts(user_ids: Iterable[int]) -> dict[int, int]:
    """{user id: unread notifications}, in one query per 5,000 users."""
    user_ids = sorted(set(user_ids))
    counts: dict[int, int] = {}
    for start in range(0, len(user_ids), 5000):
        rows = (
            Notification.objects.filter(
                user_id__in=user_ids[start : start + 5000], read_at__isnull=True
            )
            .values_list("user_id")
            .annotate(unread=Count("id"))
            .order_by()
        )
        counts.update(rows)
    return counts


def push_notifications(notifications: list[Notification]) -> None:
    """Send each to its member's open pages with their unread count (the consumer forwards
    "member.event" messages; `feeds.relay` carries them to the ASGI server when sent from
    the task worker)."""
    try:
        unread = unread_counts(n.user_id for n in notifications)
        send_each(
            {n.user_id: notification_payload(n, unread.get(n.user_id, 0)) for n in notifications}
        )
    except Exception:
        logger.exception(
            "Could not push notifications %s…", ", ".join(str(n.pk) for n in notifications[:5])
        )


def email_notification(notification: Notification) -> None:
    """Plain text + HTML email, in the site's language (French)."""
    user = notification.user
    context = {
        "notification": notification,
        "user": user,
        "url": links.absolute_url(notification.url) if notification.url else "",
        "notifications_url": links.absolute_url(reverse("notifications:list")),
        "profile_url": links.absolute_url(reverse("community:profile")),
        "network_name": settings.AFFINITES_NETWORK_NAME,
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string("feeds/email/notification_subject.txt", context)
        text = render_to_string("feeds/email/notification.txt", context)
        html = render_to_string("feeds/email/notification.html", context)
    message = EmailMultiAlternatives(subject=" ".join(subject.split()), body=text, to=[user.email])
    message.attach_alternative(html, "text/html")
    try:
        message.send()
    except Exception:
        logger.exception("Could not email notification %s", notification.pk)


def mark_read(user, notification_id: int) -> Notification | None:
    notification = Notification.objects.filter(user=user, pk=notification_id).first()
    if notification is not None and notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def mark_all_read(user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
