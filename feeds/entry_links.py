"""Links from the member's feed that count "feed entry opened" in the funnel.

A card's link points at ``/fil/ouvrir/?e=<token>``: the token is signed, so the view only
ever redirects to a path of this site that a feed card carried, never elsewhere.
"""

from __future__ import annotations

from django.core import signing
from django.urls import reverse
from django.utils.http import urlencode

SALT = "feeds.entry-open"


class InvalidEntryLink(Exception):
    pass


def open_url(kind: str, object_id: int, target: str) -> str:
    """The counted link for a card leading to `target` (a path on this site)."""
    if not target.startswith("/") or target.startswith("//"):
        return target  # not ours to count (and never a redirect target)
    token = signing.dumps([kind, object_id, target], salt=SALT, compress=True)
    return reverse("feeds:open_entry") + "?" + urlencode({"e": token})


def read_token(token: str) -> tuple[str, int, str]:
    """(kind, object id, target path) from a link's token, or InvalidEntryLink."""
    try:
        kind, object_id, target = signing.loads(token, salt=SALT)
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise InvalidEntryLink from exc
    if not isinstance(target, str) or not target.startswith("/") or target.startswith("//"):
        raise InvalidEntryLink
    return str(kind), int(object_id), target
