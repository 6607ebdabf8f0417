"""Signal receivers that schedule index updates (connected in SearchConfig.ready()).

Saves and deletes of every indexed kind, Wagtail publish / unpublish, holdings (an item's
availability), the taxonomy (interest suggestions), branches and interests (the facets'
labels), account erasure (`search.erasure`), and
the catalogue importer's batches: it writes in bulk (no ``post_save``) and sends
``cms.catalogue.signals.catalogue_items_written`` once each batch has committed.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save
from wagtail.signals import page_published, page_unpublished

from cms.catalogue.signals import catalogue_items_written
from cms.models import Branch, CatalogueItem, Holding, Interest
from community.privacy.signals import content_erased

from .documents import KINDS, kind_for_model
from .erasure import on_content_erased
from .facet_labels import forget_facet_labels
from .indexing import INTERESTS, schedule


def _object_changed(sender, instance, raw=False, **kwargs) -> None:
    if raw:
        return
    kind = kind_for_model(type(instance))
    if kind is not None:
        schedule(kind.name, [instance.pk])


def _holding_changed(sender, instance, raw=False, **kwargs) -> None:
    if not raw:
        schedule("catalogue", [instance.item_id])


def _item_interests_changed(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    if not action.startswith("post_"):
        return
    if reverse:  # interest.catalogue_items.add(...)
        schedule("catalogue", pk_set or [])
    else:
        schedule("catalogue", [instance.pk])


def _catalogue_items_written(sender, pks, **kwargs) -> None:
    schedule("catalogue", pks)


def _taxonomy_changed(sender, instance, raw=False, **kwargs) -> None:
    if not raw:
        schedule(INTERESTS, [])


def connect() -> None:
    for kind in KINDS.values():
        for model in kind.models:
            uid = f"search-{kind.name}-{model._meta.label_lower}"
            post_save.connect(_object_changed, sender=model, dispatch_uid=uid + "-save")
            post_delete.connect(_object_changed, sender=model, dispatch_uid=uid + "-delete")
            if hasattr(model, "live"):
                page_published.connect(_object_changed, sender=model, dispatch_uid=uid + "-pub")
                page_unpublished.connect(_object_changed, sender=model, dispatch_uid=uid + "-unpub")
    post_save.connect(_holding_changed, sender=Holding, dispatch_uid="search-holding-save")
    post_delete.connect(_holding_changed, sender=Holding, dispatch_uid="search-holding-delete")
    m2m_changed.connect(
        _item_interests_changed,
        sender=CatalogueItem.interests.through,
        dispatch_uid="search-item-interests",
    )
    post_save.connect(_taxonomy_changed, sender=Interest, dispatch_uid="search-interest-save")
    post_delete.connect(_taxonomy_changed, sender=Interest, dispatch_uid="search-interest-delete")
    for model in (Branch, Interest):  # the facets' labels (search/facet_labels.py)
        uid = f"search-labels-{model._meta.label_lower}"
        post_save.connect(forget_facet_labels, sender=model, dispatch_uid=uid + "-save")
        post_delete.connect(forget_facet_labels, sender=model, dispatch_uid=uid + "-delete")
    catalogue_items_written.connect(
        _catalogue_items_written, dispatch_uid="search-catalogue-items-written"
    )
    content_erased.connect(on_content_erased, dispatch_uid="search-content-erased")
