"""A request id on every log line, carried from a request into the tasks it enqueues.

The proxy sends one (nginx: ``X-Request-ID $request_id``); without it, or with a malformed
one, the site makes its own. It is answered in the ``X-Request-ID`` response header, set on
every log record (``request_id``) by ``context.RequestIdFilter``, and remembered for each task the
request enqueues (in the cache, a day): the worker running the task logs under the same id,
so one grep follows a publication from the admin's click to its fan-out and Facebook send.
"""

from __future__ import annotations

import logging
import re
import uuid

from django.core.cache import cache
from django.dispatch import receiver
from django_tasks.signals import task_enqueued, task_finished, task_started

from cms.observability.context import request_id as _current

logger = logging.getLogger(__name__)

HEADER = "X-Request-ID"
_VALID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_TASK_KEY = "request-id:task:{}"
_TASK_KEY_SECONDS = 24 * 3600


def current() -> str | None:
    return _current.get()


def new_id() -> str:
    return uuid.uuid4().hex


def from_header(value: str | None) -> str:
    return value if value and _VALID.match(value) else new_id()


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = from_header(request.headers.get(HEADER))
        request.request_id = request_id
        token = _current.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        response[HEADER] = request_id
        return response


@receiver(task_enqueued)
def remember_for_task(sender, task_result, **kwargs) -> None:
    request_id = _current.get()
    if request_id is None:
        return
    try:
        cache.set(_TASK_KEY.format(task_result.id), request_id, _TASK_KEY_SECONDS)
    except Exception:  # a cache outage must not stop the enqueue
        logger.warning("Could not remember the request id of task %s", task_result.id)


@receiver(task_started)
def adopt_for_task(sender, task_result, **kwargs) -> None:
    try:
        request_id = cache.get(_TASK_KEY.format(task_result.id))
    except Exception:
        request_id = None
    _current.set(request_id or f"task-{task_result.id}")


@receiver(task_finished)
def forget_for_task(sender, task_result, **kwargs) -> None:
    _current.set(None)
