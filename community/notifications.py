"""Notifications: one row per thing a member should know, a websocket push, an optional email.

`notify()` (one member) and `notify_many()` (one insert for many) are the only ways in; the
texts of each kind are written by `community.notices`. The row is written in the caller's
transaction; once it commits, ``notifications_created`` is sent (feeds pushes the new rows to
the members' open pages with their unread count: the websocket layer lives above community)
and the emails go out. A failure of either is logged, never raised: the notification is on
the site whatever happens to the push or the mail.

``notifications_created(sender=Notification, notifications=[…])``: sent after the commit of
every `notify_many()` that wrote rows.
"""

import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import Count
from django.dispatch import Signal
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from cms import links
from cms.transactions import on_commit, on_commit_send
from community.models import Notification

logger = logging.getLogger(__name__)

notifications_created = Signal()


def unread_count(user) -> int:
    user_id = getattr(user, "pk", user)
    return Notification.objects.filter(user_id=user_id, read_at__isnull=True).count()


def notify(user, kind: str, title: str, body: str = "", url: str = "") -> Notification:
    """Record a notification for `user`; push it and (if they opted in) email it on commit."""
    return notify_many([(user, title)], kind, body, url)[0]


def notify_many(
    recipients: Iterable[tuple[Any, str]], kind: str, body: str = "", url: str = ""
) -> list[Notification]:
    """Record a notification for each (user, title) in one insert; on commit, announce them
    all at once (one push for all: one unread-count query, one check of who has a page
    open) and email those who opted in."""
    recipients = list(recipients)
    notifications = Notification.objects.bulk_create(
        [
            Notification(user=user, kind=kind, title=title[:250], body=body, url=url[:500])
            for user, title in recipients
        ],
        batch_size=1000,
    )
    if notifications:
        on_commit_send(notifications_created, Notification, notifications=notifications)
    for (user, _title), notification in zip(recipients, notifications, strict=True):
        if getattr(user, "notify_by_email", False) and user.email:
            on_commit(email_notification, notification)
    return notifications


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
        subject = render_to_string("community/email/notification_subject.txt", context)
        text = render_to_string("community/email/notification.txt", context)
        html = render_to_string("community/email/notification.html", context)
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
