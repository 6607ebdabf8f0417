"""What a publication sends to followers: ``Create`` the first time a page is published,
``Update`` when it is published again, ``Delete`` when it is unpublished or deleted.

Only actors that have followers send anything; each sends its own copy of the object
(``documents``). A ``Delete`` goes to the servers that received the ``Create``. The
deliveries hang on the outbox row (``feeds.Syndication``) being sent; the activities' ids
carry that row's id, so fanning the same row out again queues nothing new (never twice).
"""

from __future__ import annotations

from django.utils import timezone
from wagtail.models import Page

from feeds.fediverse import delivery, documents
from feeds.fediverse.models import FediverseActor, FediverseDelivery
from feeds.syndication.models import Syndication


def _followed_actors():
    return (
        FediverseActor.objects.filter(followers__isnull=False)
        .distinct()
        .select_related("branch", "community")
    )


def _announced_to(actor: FediverseActor, page: Page) -> list[str]:
    create_id = documents.object_id(actor, page) + "/activite"
    return list(
        FediverseDelivery.objects.filter(actor=actor, activity_id=create_id)
        .values_list("inbox", flat=True)
        .distinct()
    )


def announce(row: Syndication) -> int:
    """Queue the page's Create (or Update) for the followers of every actor publishing it."""
    page = Page.objects.filter(pk=row.page_pk).first()
    if page is None:
        return 0
    page = page.specific
    if not isinstance(page, documents.CONTENT_TYPES):
        return 0
    queued = 0
    for actor in _followed_actors():
        if not documents.publishes(actor, page):
            continue
        inboxes = delivery.follower_inboxes(actor)
        announced = set(_announced_to(actor, page))
        create = documents.with_context(documents.create_activity(actor, page))
        fresh = [i for i in inboxes if i not in announced]
        queued += len(delivery.queue(actor, create, fresh, publication=row))
        if announced:
            update = dict(create, type="Update", id=f"{create['object']['id']}/maj/{row.pk}")
            update["object"] = dict(create["object"], updated=documents.iso(timezone.now()))
            again = sorted(announced & set(inboxes))
            queued += len(delivery.queue(actor, update, again, publication=row))
    return queued


def withdraw(row: Syndication) -> int:
    """Queue a ``Delete`` of the page for every server that received its ``Create``."""
    page_pk = row.page_pk
    page = Page.objects.filter(pk=page_pk).first()
    queued = 0
    for actor in _followed_actors():
        object_id = (
            documents.object_id(actor, page)
            if page is not None
            else documents.object_id_for_pk(actor, page_pk)
        )
        inboxes = list(
            FediverseDelivery.objects.filter(actor=actor, activity_id=object_id + "/activite")
            .values_list("inbox", flat=True)
            .distinct()
        )
        if not inboxes:
            continue
        delete = documents.with_context(
            {
                "id": f"{object_id}/suppression/{row.pk}",
                "type": "Delete",
                "actor": documents.addresses(actor).id,
                "to": [documents.PUBLIC],
                "object": {"id": object_id, "type": "Tombstone"},
            }
        )
        queued += len(delivery.queue(actor, delete, inboxes, publication=row))
    return queued
