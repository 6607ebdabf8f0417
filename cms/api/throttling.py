"""Request quotas: N requests per window, per access token, or per address when anonymous.

A fixed window counted in Django's cache with ``add`` then ``incr`` (both atomic on Redis
and on the local-memory cache), so concurrent requests of one client are counted exactly.
Past the quota the API answers 429 with ``Retry-After`` (seconds until the window ends) as
problem details. Quotas are settings (``AFFINITES_API``): ``RATE_TOKEN`` and
``RATE_ANONYMOUS``, each ``(requests, seconds)``.

The authentication object (``request.auth``) names its quota with an ``api_rate_key``
attribute (the access token's id): every request of one token counts together, whichever
address it comes from.
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from ninja.throttling import BaseThrottle

logger = logging.getLogger(__name__)

DEFAULTS = {
    "RATE_TOKEN": (600, 60),
    "RATE_ANONYMOUS": (120, 60),
}


def option(name: str):
    return {**DEFAULTS, **getattr(settings, "AFFINITES_API", {})}[name]


def client_address(request: HttpRequest) -> str:
    # REMOTE_ADDR as the deployment's proxy sets it (deploy/: uvicorn --proxy-headers).
    return request.META.get("REMOTE_ADDR", "") or "unknown"


class QuotaThrottle(BaseThrottle):
    """Ninja throttle: a per-token or per-address request quota in the cache.

    One instance serves every request; ninja asks ``wait()`` right after a refused
    ``allow_request()`` in the same thread, so the wait is kept per thread."""

    def __init__(self) -> None:
        self._local = threading.local()

    def quota(self, request: HttpRequest) -> tuple[str, int, int]:
        auth = getattr(request, "auth", None)
        key = getattr(auth, "api_rate_key", None)
        if key is not None:
            limit, window = option("RATE_TOKEN")
            return f"token:{key}", limit, window
        limit, window = option("RATE_ANONYMOUS")
        address = hashlib.sha256(client_address(request).encode()).hexdigest()[:32]
        return f"ip:{address}", limit, window

    def allow_request(self, request: HttpRequest) -> bool:
        ident, limit, window = self.quota(request)
        now = time.time()
        slot = int(now // window)
        key = f"api-quota:{ident}:{window}:{slot}"
        self._local.wait = None
        try:
            cache.add(key, 0, timeout=window + 1)
            try:
                count = cache.incr(key)
            except ValueError:  # expired between add and incr: this request opens the window
                cache.add(key, 1, timeout=window + 1)
                count = 1
        except Exception:  # the cache is unreachable (cms/serving/degraded.py): serve, uncounted
            logger.warning("API quota not counted: cache unreachable", exc_info=True)
            return True
        if count > limit:
            self._local.wait = max(1.0, (slot + 1) * window - now)
            return False
        return True

    def wait(self) -> float | None:
        wait = getattr(self._local, "wait", None)
        return math.ceil(wait) if wait is not None else None
