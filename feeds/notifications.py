"""Notifications: one row per thing a member should know, a websocket push, an optional email.

`notify()` is the only way in. The row is written in the caller's transaction; the push to
the member's websocket group and the email are sent once it commits (house style: side
effects only on commit), and a failure of either is logged, never raised: the notification
is on the site whatever happens to the push or the mail.
"""

import logging
from functools import partial

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation

from feeds.models import Notification
from feeds.relay import send_to_members

logger = logging.getLogger(__name__)


def unread_count(user) -> int:
    user_id = getattr(user, "pk", user)
    return Notification.objects.filter(user_id=user_id, read_at__isnull=True).count()


def _reverse(name: str, fallback: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:  # URLs not wired (yet)
        return fallback


def absolute_url(url: str) -> str:
    """Site address + path, for emails (the site address is SITE_URL / WAGTAILADMIN_BASE_URL)."""
    if not url or url.startswith(("http://", "https://")):
        return url
    base = getattr(settings, "WAGTAILADMIN_BASE_URL", "").rstrip("/")
    return f"{base}{url if url.startswith('/') else '/' + url}"


def notify(user, kind: str, title: str, body: str = "", url: str = "") -> Notification:
    """Record a notification for `user`; push it and (if they opted in) email it on commit."""
    notification = Notification.objects.create(
        user=user, kind=kind, title=title[:250], body=body, url=url[:500]
    )
    transaction.on_commit(partial(push_notification, notification), robust=True)
    if getattr(user, "notify_by_email", False) and user.email:
        transaction.on_commit(partial(email_notification, notification), robust=True)
    return notification


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


def push_notification(notification: Notification) -> None:
    """Send it to the member's open pages (the consumer forwards "member.event" messages;
    `feeds.relay` carries it to the ASGI server when sent from the task worker)."""
    payload = notification_payload(notification, unread_count(notification.user_id))
    try:
        send_to_members([notification.user_id], payload)
    except Exception:
        logger.exception("Could not push notification %s", notification.pk)


def email_notification(notification: Notification) -> None:
    """Plain text + HTML email, in the site's language (French)."""
    user = notification.user
    context = {
        "notification": notification,
        "user": user,
        "url": absolute_url(notification.url),
        "notifications_url": absolute_url(_reverse("notifications:list", "/notifications/")),
        "profile_url": absolute_url(_reverse("community:profile", "/profil/")),
        "network_name": getattr(settings, "AFFINITES_NETWORK_NAME", ""),
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
