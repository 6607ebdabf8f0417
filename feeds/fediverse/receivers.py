"""Publishing, unpublishing or deleting a library page tells the actors' followers, once the
transaction commits (nothing is sent for a rolled-back publication)."""

from __future__ import annotations

import logging
from functools import partial

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver
from wagtail.signals import page_published, page_unpublished

from feeds.fediverse.documents import CONTENT_TYPES

logger = logging.getLogger("feeds.fediverse")


def _enqueue(task_name: str, page_pk: int) -> None:
    from feeds.fediverse import tasks

    try:
        getattr(tasks, task_name).enqueue(page_pk)
    except Exception:  # a broken queue must not break publishing
        logger.exception("Could not enqueue %s for page %s", task_name, page_pk)


def _on_commit(task_name: str, page_pk: int) -> None:
    transaction.on_commit(partial(_enqueue, task_name, page_pk), robust=True)


@receiver(page_published, dispatch_uid="feeds.fediverse.page_published")
def on_page_published(sender, instance, **kwargs) -> None:
    if isinstance(instance, CONTENT_TYPES) and instance.live:
        _on_commit("announce_page", instance.pk)


@receiver(page_unpublished, dispatch_uid="feeds.fediverse.page_unpublished")
def on_page_unpublished(sender, instance, **kwargs) -> None:
    if isinstance(instance, CONTENT_TYPES):
        _on_commit("withdraw_page", instance.pk)


@receiver(post_delete, dispatch_uid="feeds.fediverse.page_deleted")
def on_page_deleted(sender, instance, **kwargs) -> None:
    if isinstance(instance, CONTENT_TYPES):
        _on_commit("withdraw_page", instance.pk)
