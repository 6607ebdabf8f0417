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

import django_rq
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from django.db import InterfaceError, OperationalError
from django_tasks import task_backends
from django_tasks.base import TASK_MAX_PRIORITY, TaskResult, TaskResultStatus
from django_tasks.signals import task_enqueued
from django_tasks.utils import get_random_id
from django_tasks_rq import RQBackend
from django_tasks_rq.backend import Job as RQJob
from django_tasks_rq.backend import failed_callback, success_callback
from redis.exceptions import RedisError
from rq.job import Callback, JobStatus, Retry

from cms.serving import unavailable

logger = logging.getLogger(__name__)

FALLBACK_BACKEND = "fallback"
KILLED_TASK_RETRIES = 2


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
        """RQ only (raises RedisError while Redis is unreachable), with retries: a job whose
        worker process is killed mid-task (``kill -9``, out of memory, a machine stopping)
        is put back on the queue up to KILLED_TASK_RETRIES times instead of being failed.
        RQBackend.enqueue as django-tasks-rq 0.12 writes it, plus RQ's ``retry``: the
        tasks are written to be run again (the fan-out rewrites the same entries, a Facebook
        send claims its row and looks for its marker before posting)."""
        self.validate_task(task)
        task_result = TaskResult(
            task=task,
            id=get_random_id(),
            status=TaskResultStatus.READY,
            enqueued_at=None,
            started_at=None,
            last_attempted_at=None,
            finished_at=None,
            args=args,
            kwargs=kwargs,
            backend=self.alias,
            errors=[],
            worker_ids=[],
        )
        queue = django_rq.get_queue(task.queue_name, job_class=RQJob)
        job = queue.create_job(
            task.module_path,
            args=args,
            kwargs=kwargs,
            job_id=task_result.id,
            status=JobStatus.SCHEDULED if task.run_after else JobStatus.QUEUED,
            on_failure=Callback(failed_callback),
            on_success=Callback(success_callback),
            meta={"backend_name": self.alias},
            retry=Retry(max=KILLED_TASK_RETRIES),
        )
        if task.run_after is None:
            job = queue.enqueue_job(job, at_front=task.priority == TASK_MAX_PRIORITY)
        else:
            job = queue.schedule_job(job, task.run_after)
        object.__setattr__(task_result, "enqueued_at", job.enqueued_at)
        task_enqueued.send(type(self), task_result=task_result)
        return task_result

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
