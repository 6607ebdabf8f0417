"""Personal access tokens for the API: create (shown once), revoke, authenticate.

A token is ``aff_`` followed by 40 random characters (``secrets``: 238 bits); only its
SHA-256 digest is stored, so a leaked database gives no usable token. High-entropy tokens
need no slow hash: GitHub and Mastodon store them the same way.
"""

from __future__ import annotations

import hashlib
import secrets
import string
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from community.models import AccessToken, User

TOKEN_PREFIX = "aff_"
TOKEN_LENGTH = 40
SHOWN_PREFIX_LENGTH = 8
MAX_ACTIVE_TOKENS = 20
MAX_TOKEN_TEXT = 200
# last_used_at is written at most this often per token (a write per request would serialise
# a busy client's requests on one row)
LAST_USED_PRECISION = timedelta(minutes=1)
_ALPHABET = string.ascii_letters + string.digits


class TokenError(Exception):
    """A token that cannot be created; ``message`` is for the member."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def active_tokens(user: User):
    return AccessToken.objects.filter(user=user, revoked_at__isnull=True)


def create_access_token(user: User, name: str, scope: str) -> tuple[AccessToken, str]:
    """A new token for ``user``: the row, and the token text to show once."""
    name = " ".join(name.split())[:100]
    if not name:
        raise TokenError(_("Give the token a name, e.g. the application that will use it."))
    if scope not in AccessToken.Scope.values:
        raise TokenError(_("Choose read only, or read and write."))
    with transaction.atomic():
        # Lock the member's row: two simultaneous creations cannot both pass the limit.
        User.objects.select_for_update().filter(pk=user.pk).first()
        if active_tokens(user).count() >= MAX_ACTIVE_TOKENS:
            raise TokenError(
                _("You already have %(max)s active tokens: revoke one you no longer use.")
                % {"max": MAX_ACTIVE_TOKENS}
            )
        secret = "".join(secrets.choice(_ALPHABET) for _ in range(TOKEN_LENGTH))
        text = TOKEN_PREFIX + secret
        token = AccessToken.objects.create(
            user=user,
            name=name,
            scope=scope,
            prefix=text[: len(TOKEN_PREFIX) + SHOWN_PREFIX_LENGTH],
            digest=digest(text),
        )
    return token, text


def revoke_access_token(user: User, token_id: int) -> bool:
    """Revoke one of ``user``'s tokens; False when they have no such active token."""
    return bool(active_tokens(user).filter(pk=token_id).update(revoked_at=timezone.now()))


def authenticate_access_token(text: str) -> AccessToken | None:
    """The active token with this text (its owner active too), or None."""
    if not text.startswith(TOKEN_PREFIX) or len(text) > MAX_TOKEN_TEXT:
        return None
    token = (
        AccessToken.objects.select_related("user")
        .filter(digest=digest(text), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        AccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
