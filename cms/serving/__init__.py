"""Serving under load: bounded work per process, and a "try again" page instead of failures.

- ``limits.RequestSlots`` (ASGI, wraps the site's HTTP application in ``cms/asgi.py``): a
  worker process runs at most ``WEB_REQUESTS_PER_WORKER`` requests at once; the others wait
  their turn for up to ``WEB_QUEUE_TIMEOUT`` seconds, then get the 503 page.
- ``middleware.DatabaseAvailableMiddleware``: a request takes its database connection first;
  when none can be had in time (pool exhausted, database down) it gets the 503 page.
- ``unavailable``: that page (``templates/503.html``), with ``Retry-After``.
- ``worker.UvicornWorker``: the gunicorn worker class of ``make serve`` (``deploy/``).
- ``checks``: the connection budget (web workers x pool + task workers + scheduler) against
  PostgreSQL's ``max_connections``.
"""
