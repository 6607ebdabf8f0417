"""The open REST API's shared machinery (``/api/v1/``), used by every package's router.

- :mod:`cms.api.problems`: every error as RFC 9457 problem details (``application/problem+json``);
- :mod:`cms.api.pagination`: keyset pagination behind an opaque signed cursor, with a ``next`` link;
- :mod:`cms.api.throttling`: request quotas per token (per address for anonymous clients);
- :mod:`cms.api.middleware`: ETag / ``If-None-Match`` → 304, CORS for declared partner origins,
  and problem details for the errors Django answers itself (404 of an unknown path, 405);
- :mod:`cms.api.site`: builds the ``NinjaAPI``; the composition root (``cms/urls.py``) adds the
  routers of each package (cms, community, feeds, search) to it.
"""
