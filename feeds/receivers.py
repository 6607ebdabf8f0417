"""What feeds does when something happens below it: connected in `FeedsConfig.ready`.

- Wagtail publishing, unpublishing and deleting an announcement, event or recommendation,
  and community posts published or withdrawn (``community.post_signals``) → the fan-out
  tasks (``feeds.tasks``), enqueued on commit (``cms.transactions``), so a task sees
  committed rows and nothing is sent for a rolled-back publication;
- new notifications (``community.notifications.notifications_created``, sent on commit) →
  pushed to the members' open pages with their unread count (``feeds.relay``);
- an account deleted → its feed, its pending pushes and its posts in other feeds go too.

The Fediverse and Facebook syndication keep their own receivers in their subpackages.
"""

from __future__ import annotations

import logging

from django.db.models.signals import post_delete
from django.dispatch import receiver
from wagtail.signals import page_published, page_unpublished

from cms.kinds import FeedKind
from cms.models import AnnouncementPage, EventPage, RecommendationPage
from cms.transactions import on_commit_enqueue
from community.models import Notification
from community.notifications import notifications_created, unread_counts
from community.post_signals import post_published, post_withdrawn
from community.privacy.signals import account_deleted, account_deleting, content_erased
from feeds import tasks
from feeds.relay import forget_member, send_each
from feeds.store import get_store

logger = logging.getLogger(__name__)

PAGE_KINDS = {
    AnnouncementPage: FeedKind.ANNOUNCEMENT,
    EventPage: FeedKind.EVENT,
    RecommendationPage: FeedKind.RECOMMENDATION,
}


def page_kind(instance) -> str | None:
    for model, kind in PAGE_KINDS.items():
        if isinstance(instance, model):
            return kind
    return None


# --- Fan-out ------------------------------------------------------------------------------------


@receiver(page_published, dispatch_uid="feeds.fanout.page_published")
def on_page_published(sender, instance, **kwargs) -> None:
    kind = page_kind(instance)
    if kind is not None and instance.live:
        on_commit_enqueue(tasks.fan_out, kind, instance.pk)


@receiver(page_unpublished, dispatch_uid="feeds.fanout.page_unpublished")
def on_page_unpublished(sender, instance, **kwargs) -> None:
    kind = page_kind(instance)
    if kind is not None:
        on_commit_enqueue(tasks.withdraw, kind, instance.pk)


@receiver(post_delete, dispatch_uid="feeds.fanout.page_deleted")
def on_page_deleted(sender, instance, **kwargs) -> None:
    kind = page_kind(instance)
    if kind is not None:
        on_commit_enqueue(tasks.withdraw, kind, instance.pk)


@receiver(post_published, dispatch_uid="feeds.fanout.post_published")
def on_post_published(sender, post, **kwargs) -> None:
    on_commit_enqueue(tasks.fan_out, FeedKind.POST, post.pk)


@receiver(post_withdrawn, dispatch_uid="feeds.fanout.post_withdrawn")
def on_post_withdrawn(sender, post, **kwargs) -> None:
    on_commit_enqueue(tasks.withdraw, FeedKind.POST, post.pk)


# --- Notifications --------------------------------------------------------------------------------


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


@receiver(notifications_created, dispatch_uid="feeds.push_notifications")
def push_notifications(sender, notifications: list[Notification], **kwargs) -> None:
    """Send each to its member's open pages with their unread count (the consumer forwards
    "member.event" messages; `feeds.relay` carries them to the ASGI server when sent from
    the task worker). A failure is logged: the notifications are on the site anyway."""
    try:
        unread = unread_counts(n.user_id for n in notifications)
        send_each(
            {n.user_id: notification_payload(n, unread.get(n.user_id, 0)) for n in notifications}
        )
    except Exception:
        logger.exception(
            "Could not push notifications %s…", ", ".join(str(n.pk) for n in notifications[:5])
        )


# --- Account deletion ---------------------------------------------------------------------------


@receiver(account_deleted, dispatch_uid="feeds.account_deleted")
def drop_feed_of_deleted_member(sender, user_id: int, **kwargs) -> None:
    """A departed member's feed goes too (the database rows cascade; Redis does not)."""
    get_store().clear(user_id)


@receiver(account_deleting, dispatch_uid="feeds.account_deleting")
def drop_pushes_naming_deleted_member(sender, user, **kwargs) -> None:
    """Pending websocket pushes that name the departing member go with the account."""
    forget_member(user)


@receiver(content_erased, dispatch_uid="feeds.content_erased")
def withdraw_erased_posts(sender, rows, **kwargs) -> None:
    """Posts deleted with an account leave every other member's feed too (a cascade sends
    no post_withdrawn)."""
    from community.models import Post

    pks = rows.get(Post._meta.label, set())
    if not pks:
        return
    for pk in sorted(pks - set(Post.objects.filter(pk__in=pks).values_list("pk", flat=True))):
        on_commit_enqueue(tasks.withdraw, FeedKind.POST, pk)
