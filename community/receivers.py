"""The receivers the community package connects (from `CommunityConfig.ready`).

- ``post_save`` of ``cms.NetworkSettings`` → the editorial workflow follows the setting.
- Wagtail's ``page_published`` for an ``EventPage`` → free places (a larger capacity, no
  capacity any more) go to the waitlist.
- ``catalogue_items_written`` (an import) and ``post_save`` of a ``CatalogueItem`` (the
  admin) → open purchase suggestions the items match become available.
"""

from django.db.models.signals import post_save
from django.dispatch import receiver
from wagtail.signals import page_published

from cms.catalogue.signals import catalogue_items_written
from cms.models import CatalogueItem, EventPage, NetworkSettings
from cms.transactions import on_commit


@receiver(post_save, sender=NetworkSettings, dispatch_uid="community.editorial_workflow")
def network_settings_saved(sender, instance: NetworkSettings, raw: bool = False, **kwargs) -> None:
    if raw:  # loading fixtures
        return
    from community.editorial import apply_editorial_workflow

    apply_editorial_workflow(instance.editorial_workflow)


@receiver(catalogue_items_written, dispatch_uid="community.suggestions_imported")
def catalogue_items_imported(sender, pks, **kwargs) -> None:
    from community.actions.suggestions import match_items

    match_items(pks)


@receiver(post_save, sender=CatalogueItem, dispatch_uid="community.suggestions_item_saved")
def catalogue_item_saved(sender, instance: CatalogueItem, raw: bool = False, **kwargs) -> None:
    if raw:
        return
    from community.actions.suggestions import match_items

    on_commit(match_items, [instance.pk])


@receiver(page_published, sender=EventPage, dispatch_uid="community.event_published")
def event_published(sender, instance: EventPage, **kwargs) -> None:
    from community.actions.events import fill_from_waitlist

    fill_from_waitlist(instance)
