"""Search backends: `get_backend()` returns the configured one (settings.SEARCH_BACKEND).

* ``database`` (default): the index in the project's database (search/backends/database.py)
  searched on PostgreSQL with hand-written SQL (search/backends/handwritten_sql.py), on
  SQLite through FTS5 (Django has no full-text API there);
* ``framework``: the same index searched on PostgreSQL through Django's full-text search API
  (search/backends/framework.py), measured beside ``database`` by the search bench;
* ``elasticsearch`` (when ELASTICSEARCH_URL is set): elasticsearch-dsl documents with a
  French analyzer (search/backends/elasticsearch.py).
"""

from functools import lru_cache

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from .base import Filters, Results, SearchBackend

__all__ = ["Filters", "Results", "SearchBackend", "get_backend"]


@lru_cache(maxsize=4)
def _backend(name: str) -> SearchBackend:
    if name == "elasticsearch":
        from .elasticsearch import ElasticsearchBackend

        return ElasticsearchBackend(
            url=settings.ELASTICSEARCH_URL,
            prefix=getattr(settings, "SEARCH_INDEX_PREFIX", "affinites"),
            options=getattr(settings, "ELASTICSEARCH_OPTIONS", {}),
        )
    if name == "database":
        from .handwritten_sql import HandwrittenSQLBackend

        return HandwrittenSQLBackend()
    if name == "framework":
        from .framework import FrameworkBackend

        return FrameworkBackend()
    raise ValueError(
        f"Unknown search backend {name!r}: use 'database', 'framework' or 'elasticsearch'."
    )


def get_backend(name: str | None = None) -> SearchBackend:
    return _backend(name or settings.SEARCH_BACKEND)


@receiver(setting_changed)
def _reset(setting: str, **kwargs) -> None:
    if setting in ("SEARCH_BACKEND", "ELASTICSEARCH_URL", "SEARCH_INDEX_PREFIX"):
        _backend.cache_clear()
