"""Which browser origins may read the API (CORS): the site's own, and the partners'.

The partner sites that embed the questionnaire declare their origins in the admin
(*Sites partenaires*, ``community.outreach.Partner.allowed_origins``); the same declaration
opens the API to their pages. cms cannot read that model (imports run downward): the
composition root (``cms/urls.py``) registers a function returning the partner origins
with :func:`register_origin_source`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from cms.origins import normalise_origin, site_origins

_sources: list[Callable[[], Iterable[str]]] = []


def register_origin_source(source: Callable[[], Iterable[str]]) -> None:
    """Add a function returning allowed origins (``scheme://host[:port]``); idempotent."""
    if source not in _sources:
        _sources.append(source)


def allowed_origins() -> set[str]:
    origins = set(site_origins())
    for source in _sources:
        origins.update(o for o in (normalise_origin(x) for x in source()) if o)
    return origins


def is_allowed(origin: str) -> bool:
    normalised = normalise_origin(origin)
    return normalised is not None and normalised in allowed_origins()
