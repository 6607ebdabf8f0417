"""Feed stores: where each member's precomputed feed lives.

`get_store()` returns the configured store: Redis sorted sets when ``settings.REDIS_URL`` is
set (unless ``FEED_STORE`` says otherwise), the ``FeedEntry`` table by default. Stores are
registered by name in ``STORES``.
"""

from __future__ import annotations

from django.conf import settings

from feeds.store.base import FeedStore, Position, StoredEntry
from feeds.store.database import DatabaseFeedStore

__all__ = [
    "STORES",
    "DatabaseFeedStore",
    "FeedStore",
    "Position",
    "RedisFeedStore",
    "StoredEntry",
    "get_store",
    "store_named",
]


def _redis_store(max_entries: int) -> FeedStore:
    from feeds.store.redis import RedisFeedStore

    return RedisFeedStore(
        max_entries,
        url=settings.REDIS_URL,
        prefix=settings.FEED_REDIS_PREFIX,
    )


STORES = {
    "database": DatabaseFeedStore,
    "redis": _redis_store,
}

_cache: dict[tuple, FeedStore] = {}


def store_named(name: str) -> FeedStore:
    max_entries = settings.FEED_MAX_ENTRIES
    key = (
        name,
        max_entries,
        settings.REDIS_URL,
        settings.FEED_REDIS_PREFIX,
    )
    if key not in _cache:
        try:
            factory = STORES[name]
        except KeyError:
            raise ValueError(f"Unknown feed store {name!r}; known: {', '.join(STORES)}") from None
        _cache[key] = factory(max_entries)
    return _cache[key]


def get_store() -> FeedStore:
    """The feed store this site uses (see the module docstring)."""
    name = settings.FEED_STORE or ("redis" if settings.REDIS_URL else "database")
    return store_named(name)


def __getattr__(name: str):
    if name == "RedisFeedStore":
        from feeds.store.redis import RedisFeedStore

        return RedisFeedStore
    raise AttributeError(name)
