"""Wagtail signals → Fediverse outbox rows (``feeds.Syndication``, destination Fediverse).
Imported by ``FeedsConfig.ready``.

As for Facebook (``feeds/syndication/receivers.py``), the row is written in an ``atomic``
block that joins the publication's transaction when there is one, and its fan-out task runs
once it commits (nothing is sent for a rolled-back publication). Deleting a live page makes
Wagtail unpublish it first: that is the removal signal.
"""

from __future__ import annotations

from django.dispatch import receiver
from wagtail.signals import page_published, page_unpublished

from feeds.fediverse import outbox


@receiver(page_published, dispatch_uid="feeds.fediverse.page_published")
def on_page_published(sender, instance, revision=None, **kwargs) -> None:
    if not outbox.is_federated(instance) or not instance.live:
        return  # not ours, or scheduled: the signal comes again at go-live
    user = getattr(revision, "user", None) if revision is not None else None
    outbox.record_publication(instance, user=user)


@receiver(page_unpublished, dispatch_uid="feeds.fediverse.page_unpublished")
def on_page_unpublished(sender, instance, **kwargs) -> None:
    if outbox.is_federated(instance):
        outbox.record_removal(instance)
