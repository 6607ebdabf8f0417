"""Wagtail's "default" search backend, without a second full-text index of the catalogue.

The site search (search/) keeps its own index of the catalogue, fed in bulk by the importer.
Wagtail's database backend would keep another one (one `wagtailsearch_indexentry` row and
one search expression per item): on PostgreSQL that costed three quarters of an import's
time. So ``WAGTAILSEARCH_BACKENDS["default"]`` is this module, Wagtail's database backend
for everything except `CatalogueItem`:

* indexing a catalogue item (a save, a delete, the importer's ``add_bulk``, the
  ``update_index`` command) does nothing; that command also removes the
  catalogue rows an earlier configuration left in Wagtail's index;
* searching catalogue items (the admin listing of the snippet, the chooser of catalogue
  item cards and curated lists) filters the queryset in the database: every word of the
  query must appear in the title, the authors, the ISBN or the record id (case-insensitive);
  a query that is an ISBN with or without hyphens also finds its 13-digit form. The
  result is a QuerySet, which the admin listing and chooser paginate and order as usual.
"""

from __future__ import annotations

import re
from functools import cache

from django.db.models import Q, QuerySet
from modelsearch.backends.base import BaseIndex
from modelsearch.backends.database import SearchBackend as database_backend

from .isbn import normalise_isbn

__all__ = ["SearchBackend", "search_catalogue_items"]

SEARCHED_FIELDS = ("title", "authors", "isbn", "record_id")
MAX_WORDS = 10


def _is_catalogue(model) -> bool:
    from cms.models import CatalogueItem

    return isinstance(model, type) and issubclass(model, CatalogueItem)


def search_catalogue_items(queryset: QuerySet, query: str, fields=None) -> QuerySet:
    """Catalogue items whose title, authors, ISBN or record id contain every word of query."""
    text = str(query or "").strip()
    names = [f for f in (fields or SEARCHED_FIELDS) if f in SEARCHED_FIELDS] or list(
        SEARCHED_FIELDS
    )
    words = [w for w in re.split(r"[\s,;]+", text) if w][:MAX_WORDS]
    if not words:
        return queryset.none()
    condition = Q()
    for word in words:
        condition &= _any_field(names, word)
    try:
        isbn = normalise_isbn(text) if re.fullmatch(r"[\d\s\-Xx]{10,20}", text) else ""
    except ValueError:
        isbn = ""
    if isbn:
        condition |= Q(isbn=isbn)
    return queryset.filter(condition)


def _any_field(names, word: str) -> Q:
    condition = Q()
    for name in names:
        condition |= Q(**{f"{name}__icontains": word})
    return condition


class CatalogueIndex(BaseIndex):
    """What Wagtail's index holds of the catalogue: nothing."""

    @property
    def write_connection(self):  # the atomic rebuilders open their transaction on it
        from django.db import connections, router
        from wagtail.search.models import IndexEntry

        return connections[router.db_for_write(IndexEntry)]

    def get_key(self):
        return "cms_catalogueitem_not_indexed"

    def add_model(self, model):
        pass

    def refresh(self):
        pass

    def reset(self):
        pass

    def add_item(self, obj):
        pass

    def add_items(self, model, items):
        pass

    def delete_item(self, item):
        pass

    # what the database backends' rebuilders call (manage.py update_index)
    def delete_stale_entries(self):
        from django.contrib.contenttypes.models import ContentType
        from wagtail.search.models import IndexEntry

        from cms.models import CatalogueItem

        content_type = ContentType.objects.get_for_model(CatalogueItem)
        IndexEntry._default_manager.filter(content_type=content_type)._raw_delete(
            self.write_connection.alias
        )

    def _refresh_title_norms(self, full=False):
        pass


class _WithoutCatalogue:
    """Mixed in before the vendor's database backend class (see SearchBackend)."""

    def get_index_for_model(self, model):
        if _is_catalogue(model):
            return CatalogueIndex(self)
        return super().get_index_for_model(model)

    def add(self, obj):
        if not _is_catalogue(type(obj)):
            super().add(obj)

    def add_bulk(self, model, obj_list):
        if not _is_catalogue(model):
            super().add_bulk(model, obj_list)

    def delete(self, obj):
        if not _is_catalogue(type(obj)):
            super().delete(obj)

    def search(self, query, model_or_queryset, fields=None, operator=None, **kwargs):
        if _is_catalogue(_model(model_or_queryset)):
            return search_catalogue_items(_queryset(model_or_queryset), query, fields)
        return super().search(query, model_or_queryset, fields=fields, operator=operator, **kwargs)

    def autocomplete(self, query, model_or_queryset, fields=None, operator=None, **kwargs):
        if _is_catalogue(_model(model_or_queryset)):
            return search_catalogue_items(_queryset(model_or_queryset), query, fields)
        return super().autocomplete(
            query, model_or_queryset, fields=fields, operator=operator, **kwargs
        )


def _model(model_or_queryset):
    return model_or_queryset.model if isinstance(model_or_queryset, QuerySet) else model_or_queryset


def _queryset(model_or_queryset) -> QuerySet:
    if isinstance(model_or_queryset, QuerySet):
        return model_or_queryset
    return model_or_queryset._default_manager.all()


@cache
def _backend_class(base: type) -> type:
    return type(f"Catalogue{base.__name__}", (_WithoutCatalogue, base), {})


def SearchBackend(params):  # noqa: N802 - the name modelsearch looks up in a backend module
    """Wagtail's database backend for the current database, without the catalogue."""
    return _backend_class(type(database_backend(params)))(params)
