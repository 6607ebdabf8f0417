"""Running on while Redis or PostgreSQL is away: nothing a member sees becomes a 500.

- ``TolerantRedisCache``: the cache reads as empty and refuses writes while Redis is
  unreachable (a miss, never an error), so pages that only cache keep being served from the
  database. ``add`` answers False: rate limits and once-only markers stay closed (a member
  posting during the outage reads the "wait a moment" message, no digest goes twice).
- ``RQBackendWithFallback``: a task enqueued while Redis is unreachable goes to the
  database queue instead; ``manage.py requeue_fallback_tasks`` (run by the scheduler every
  minute) moves it back to RQ once Redis answers. Nothing enqueued is lost.
- ``ServiceUnavailableMiddleware``: a view that meets a lost connection (Redis, PostgreSQL
  restarting) answers the "try again in a moment" page, 503 with Retry-After.
"""

from __future__ import annotations

import logging

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from django.db import InterfaceError, OperationalError
from django_tasks import task_backends
from django_tasks_rq import RQBackend
from redis.exceptions import RedisError

from cms.serving import unavailable

logger = logging.getLogger(__name__)

FALLBACK_BACKEND = "fallback"


class TolerantRedisCache(RedisCache):
    def _unreachable(self, operation: str, error: Exception) -> None:
        logger.warning("Cache %s skipped, Redis unreachable: %s", operation, error)

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except RedisError as error:
            self._unreachable("get", error)
            return default

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except RedisError as error:
            self._unreachable("get_many", error)
            return {}

    def has_key(self, key, version=None):
        try:
            return super().has_key(key, version)
        except RedisError as error:
            self._unreachable("has_key", error)
            return False

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().add(key, value, timeout, version)
        except RedisError as error:
            self._unreachable("add", error)
            return False

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set(key, value, timeout, version)
        except RedisError as error:
            self._unreachable("set", error)
            return None

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set_many(data, timeout, version)
        except RedisError as error:
            self._unreachable("set_many", error)
            return list(data)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().touch(key, timeout, version)
        except RedisError as error:
            self._unreachable("touch", error)
            return False

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except RedisError as error:
            self._unreachable("delete", error)
            return False

    def delete_many(self, keys, version=None):
        try:
            return super().delete_many(keys, version)
        except RedisError as error:
            self._unreachable("delete_many", error)
            return None


class RQBackendWithFallback(RQBackend):
    """RQ, and the database queue (the ``fallback`` backend) while Redis is unreachable."""

    def enqueue_on_redis(self, task, args, kwargs):
        """RQ only: raises RedisError while Redis is unreachable."""
        return super().enqueue(task, args, kwargs)

    def enqueue(self, task, args, kwargs):
        try:
            return self.enqueue_on_redis(task, args, kwargs)
        except RedisError as error:
            logger.warning(
                "Redis unreachable (%s): %s kept in the database queue until it is back",
                error,
                task.module_path,
            )
            fallback = task_backends[FALLBACK_BACKEND]
            return fallback.enqueue(task.using(backend=FALLBACK_BACKEND), args, kwargs)


class ServiceUnavailableMiddleware:
    """A lost connection to Redis or PostgreSQL in a view: the 503 page, not a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, RedisError | OperationalError | InterfaceError):
            logger.warning(
                "Service unavailable for %s: %s: %s",
                request.path,
                type(exception).__name__,
                exception,
            )
            return unavailable.response(request)
        return None
