"""Take the request's database connection first, and say "try again" when there is none."""

import logging

from django.conf import settings
from django.db import OperationalError, connection

from cms.serving import unavailable

logger = logging.getLogger(__name__)


class DatabaseAvailableMiddleware:
    """Opens (borrows from the pool) the request's connection before anything else runs.

    When the pool has no connection to lend within DB_POOL_TIMEOUT (psycopg's PoolTimeout,
    raised by Django as an OperationalError) or PostgreSQL refuses connections, the request
    gets the 503 page with Retry-After, instead of a 500 from whichever query came first.
    The connection then serves the whole request and goes back to the pool when it ends.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(settings.DATABASE_FREE_PATHS):
            return self.get_response(request)
        try:
            connection.ensure_connection()
        except OperationalError as error:
            logger.warning("No database connection for %s: %s", request.path, error)
            return unavailable.response(request)
        return self.get_response(request)
