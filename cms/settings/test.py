"""Test settings: fast hashing, in-memory email, immediate tasks.

DATABASE_URL / REDIS_URL are honoured, so CI runs the same suite on PostgreSQL + Redis.
"""

import os

from .base import *  # noqa: F403
from .base import CACHES, REDIS_URL

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
