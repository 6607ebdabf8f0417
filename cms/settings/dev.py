"""Local development: `make run`. Debug on, console email, embedded services."""

import os

from .base import *  # noqa: F403
from .base import BASE_DIR, SITE_CSP_DIRECTIVES

# The Content-Security-Policy in report-only mode: the browser's console and /csp-rapport/
# tell what it would block, nothing is blocked while developing.
CONTENT_SECURITY_POLICY = None
CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": SITE_CSP_DIRECTIVES}

DEBUG = True
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
CSRF_TRUSTED_ORIGINS = ["http://127.0.0.1:8000", "http://localhost:8000"]

# --- The console of `make run` (development only: production logging is production.py's)
# One access line per request: Django's default configuration gives the "django" logger a
# console handler of its own, so its records (daphne's access lines among them) were
# printed twice, once by it and once by the root handler. Background tasks log at INFO only
# with AFFINITES_TASK_LOG=all; their warnings and failures always show.
AFFINITES_TASK_LOG = os.environ.get("AFFINITES_TASK_LOG", "failures")  # "failures" or "all"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "quiet_background": {
            "()": "cms.devconsole.QuietBackgroundFilter",
            "show_all": AFFINITES_TASK_LOG == "all",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["quiet_background"]},
    },
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "WARNING"},
    },
}

# Emails: framed on the console and kept as .eml files in var/mail/ (EMAIL_BACKEND set in
# the environment wins, e.g. django.core.mail.backends.smtp.EmailBackend).
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "cms.devconsole.BannerEmailBackend")
EMAIL_FILE_PATH = BASE_DIR / "var" / "mail"
