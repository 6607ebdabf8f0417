"""Links from the member's feed that count "feed entry opened" in the funnel.

A card's link points at ``/fil/ouvrir/?e=<token>``: the token is signed, so the view only
ever redirects to a path of this site that a feed card carried, never elsewhere.
"""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings
from django.core import signing
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.http import urlencode

SALT = "feeds.entry-open"


class InvalidEntryLink(Exception):
    pass


def open_url(kind: str, object_id: int, target: str) -> str:
    """The counted link for a card leading to `target` (a path on this site)."""
    if not target.startswith("/") or target.startswith("//"):
        return target  # not ours to count (and never a redirect target)
    return _open_url(
        kind, object_id, target, settings.SECRET_KEY, get_script_prefix(), get_urlconf()
    )


@lru_cache(maxsize=4096)
def _open_url(kind, object_id, target, secret_key, script_prefix, urlconf) -> str:
    # Many members see the same entries: a feed page signs only the links this process has
    # not signed yet (the key holds all the result depends on; the token's timestamp is
    # never checked: read_token sets no max_age).
    token = signing.dumps([kind, object_id, target], salt=SALT, compress=True)
    return reverse("feeds:open_entry", urlconf=urlconf) + "?" + urlencode({"e": token})


def read_token(token: str) -> tuple[str, int, str]:
    """(kind, object id, target path) from a link's token, or InvalidEntryLink."""
    try:
        kind, object_id, target = signing.loads(token, salt=SALT)
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise InvalidEntryLink from exc
    if not isinstance(target, str) or not target.startswith("/") or target.startswith("//"):
        raise InvalidEntryLink
    return str(kind), int(object_id), target
