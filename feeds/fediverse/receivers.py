"""Publishing, unpublishing or deleting a library page tells the actors' followers, once the
transaction commits (nothing is sent for a rolled-back publication)."""

from __future__ import annotations

from django.db.models.signals import post_delete
from django.dispatch import receiver
from wagtail.signals import page_published, page_unpublished

from cms.transactions import on_commit_enqueue
from feeds.fediverse import tasks
from feeds.fediverse.documents import CONTENT_TYPES


@receiver(page_published, dispatch_uid="feeds.fediverse.page_published")
def on_page_published(sender, instance, **kwargs) -> None:
    if isinstance(instance, CONTENT_TYPES) and instance.live:
        on_commit_enqueue(tasks.announce_page, instance.pk)


@receiver(page_unpublished, dispatch_uid="feeds.fediverse.page_unpublished")
def on_page_unpublished(sender, instance, **kwargs) -> None:
    if isinstance(instance, CONTENT_TYPES):
        on_commit_enqueue(tasks.withdraw_page, instance.pk)


@receiver(post_delete, dispatch_uid="feeds.fediverse.page_deleted")
def on_page_deleted(sender, instance, **kwargs) -> None:
    if isinstance(instance, CONTENT_TYPES):
        on_commit_enqueue(tasks.withdraw_page, instance.pk)
