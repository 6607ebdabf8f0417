"""Fan-out triggers: Wagtail publishing and community posts → feeds tasks, on commit.

Connected by importing this module from `FeedsConfig.ready`. Every trigger enqueues a task
with `transaction.on_commit` (house style 2), so the task sees committed rows and nothing
is sent for a rolled-back publication.
"""

from __future__ import annotations

import logging
from functools import partial

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver
from wagtail.signals import page_published, page_unpublished

from cms.models import AnnouncementPage, EventPage, RecommendationPage
from community.post_signals import post_published, post_withdrawn
from community.privacy.signals import account_deleted, account_deleting, content_erased
from feeds.relay import forget_member
from feeds.store import get_store

logger = logging.getLogger(__name__)

PAGE_KINDS = {
    AnnouncementPage: "announcement",
    EventPage: "event",
    RecommendationPage: "recommendation",
}


def page_kind(instance) -> str | None:
    for model, kind in PAGE_KINDS.items():
        if isinstance(instance, model):
            return kind
    return None


def _enqueue(task_name: str, kind: str, pk: int) -> None:
    from feeds import tasks

    try:
        getattr(tasks, task_name).enqueue(kind, pk)
    except Exception:  # a broken queue must not break publishing: rebuilds catch up
        logger.exception("Could not enqueue %s for %s %s", task_name, kind, pk)


def enqueue_on_commit(task_name: str, kind: str, pk: int) -> None:
    transaction.on_commit(partial(_enqueue, task_name, kind, pk), robust=True)


@receiver(page_published, dispatch_uid="feeds.fanout.page_published")
def on_page_published(sender, instance, **kwargs) -> None:
    kind = page_kind(instance)
    if kind is not None and instance.live:
        enqueue_on_commit("fan_out", kind, instance.pk)


@receiver(page_unpublished, dispatch_uid="feeds.fanout.page_unpublished")
def on_page_unpublished(sender, instance, **kwargs) -> None:
    kind = page_kind(instance)
    if kind is not None:
        enqueue_on_commit("withdraw", kind, instance.pk)


@receiver(post_delete, dispatch_uid="feeds.fanout.page_deleted")
def on_page_deleted(sender, instance, **kwargs) -> None:
    kind = page_kind(instance)
    if kind is not None:
        enqueue_on_commit("withdraw", kind, instance.pk)


@receiver(post_published, dispatch_uid="feeds.fanout.post_published")
def on_post_published(sender, post, **kwargs) -> None:
    enqueue_on_commit("fan_out", "post", post.pk)


@receiver(post_withdrawn, dispatch_uid="feeds.fanout.post_withdrawn")
def on_post_withdrawn(sender, post, **kwargs) -> None:
    enqueue_on_commit("withdraw", "post", post.pk)


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
        enqueue_on_commit("withdraw", "post", pk)
