"""Test settings: fast hashing, in-memory email, immediate tasks.

DATABASE_URL / REDIS_URL are honoured, so CI runs the same suite on PostgreSQL + Redis.
"""

import os
import re


def _redis_url_per_worker(url: str, worker: str) -> str:
    """Give each pytest-xdist worker its own Redis database (gw0 → N, gw1 → N-1, …).

    The cache's clear() flushes a whole database and channel-layer groups live there too,
    so two workers sharing one database would wipe each other's state.
    """
    match = re.fullmatch(r"(.*/)(\d+)", url)
    number = int(worker[2:]) if worker.startswith("gw") and worker[2:].isdigit() else 0
    if not match or not number:
        return url
    return f"{match.group(1)}{(int(match.group(2)) - number) % 16}"


if os.environ.get("REDIS_URL") and os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ["REDIS_URL"] = _redis_url_per_worker(
        os.environ["REDIS_URL"], os.environ["PYTEST_XDIST_WORKER"]
    )

from .base import *  # noqa: E402, F403
from .base import CACHES, REDIS_URL  # noqa: E402

DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = os.environ.get("TEST_MEDIA_ROOT", "/tmp/affinites-test-media")
if REDIS_URL:
    # Keep test runs apart from each other and from a dev server on the same Redis.
    CACHES["default"]["KEY_PREFIX"] = f"affinites-test-{os.getpid()}"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"null": {"class": "logging.NullHandler"}},
    "root": {"handlers": ["null"], "level": "WARNING"},
}
