"""Protections of the questionnaire endpoints: CORS by partner, signed form tokens, bots, rates.

- **CORS**: only the origins a partner declared get ``Access-Control-Allow-Origin``; others
  get 403 with the reason (readable by the widget, which shows it, but no data).
- **Form token**: the config endpoint issues a ``TimestampSigner`` token naming the partner
  and the time; a submission needs a valid one, at most ``TOKEN_MAX_AGE`` old (30 min) —
  that is the forgery protection of a cross-origin, cookie-less, CSRF-exempt endpoint.
- **Bots**: a honeypot field that must stay empty, and a minimum fill time since the token.
- **Single use**: a token submits one answer; a replay is refused (409, ``token_used``).
- **Rates**: a sliding window of slots per IP and per partner, in Django's cache (same
  algorithm as :mod:`community.actions.ratelimits`, keyed by address/partner instead of member).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.cache import cache

TOKEN_SALT = "community.outreach.form"
DEFAULTS = {
    "TOKEN_MAX_AGE": 30 * 60,
    "MIN_FILL_SECONDS": 3,
    # (slots, window in seconds)
    "RATE_IP": (5, 10 * 60),
    "RATE_PARTNER": (300, 60 * 60),
    # double opt-in emails to one address
    "CONFIRMATIONS_PER_ADDRESS": (3, 24 * 60 * 60),
}


def option(name: str):
    return {**DEFAULTS, **getattr(settings, "AFFINITES_WIDGET", {})}[name]


def issue_token(partner_slug: str, *, now: float | None = None) -> str:
    now = time.time() if now is None else now
    return signing.TimestampSigner(salt=TOKEN_SALT).sign_object({"p": partner_slug, "t": now})


@dataclass
class TokenCheck:
    ok: bool
    code: str = ""
    age: float = 0.0


def check_token(token: str, partner_slug: str, *, now: float | None = None) -> TokenCheck:
    """Valid for this partner, not older than TOKEN_MAX_AGE, not younger than MIN_FILL_SECONDS."""
    now = time.time() if now is None else now
    signer = signing.TimestampSigner(salt=TOKEN_SALT)
    try:
        data = signer.unsign_object(str(token or ""), max_age=option("TOKEN_MAX_AGE"))
    except signing.SignatureExpired:
        return TokenCheck(False, "token_expired")
    except (signing.BadSignature, ValueError):
        return TokenCheck(False, "token_invalid")
    if not isinstance(data, dict) or data.get("p") != partner_slug:
        return TokenCheck(False, "token_invalid")
    age = now - float(data.get("t", now))
    if age > option("TOKEN_MAX_AGE"):  # the signer's clock and ours agree; belt and braces
        return TokenCheck(False, "token_expired", age)
    if age < option("MIN_FILL_SECONDS"):
        return TokenCheck(False, "too_fast", age)
    return TokenCheck(True, "", age)


def spend_token(token: str, *, now: float | None = None) -> bool:
    """Mark a form token used; False when it already was (a replayed submission).

    Spent tokens are rows of a table with a unique digest, so every server process sees
    them; the retention sweep deletes those older than the token lifetime.
    """
    from datetime import UTC, datetime

    from django.db import IntegrityError, transaction

    from community.outreach.models import SpentFormToken

    now = time.time() if now is None else now
    digest = hashlib.sha256(str(token).encode()).hexdigest()
    try:
        with transaction.atomic():
            SpentFormToken.objects.create(
                digest=digest, spent_at=datetime.fromtimestamp(now, tz=UTC)
            )
    except IntegrityError:
        return False
    return True


def token_spent(token: str) -> bool:
    from community.outreach.models import SpentFormToken

    digest = hashlib.sha256(str(token).encode()).hexdigest()
    return SpentFormToken.objects.filter(digest=digest).exists()


def purge_spent_tokens(*, now: float | None = None) -> int:
    """Forget the spent tokens that have expired anyway (form tokens, confirmation links)."""
    from datetime import UTC, datetime

    from community.outreach.confirmation import confirmation_period
    from community.outreach.models import SpentFormToken

    now = time.time() if now is None else now
    lifetime = max(option("TOKEN_MAX_AGE"), confirmation_period().total_seconds())
    cutoff = datetime.fromtimestamp(now - lifetime, tz=UTC)
    deleted, _ = SpentFormToken.objects.filter(spent_at__lt=cutoff).delete()
    return deleted


def _slot_key(scope: str, key: str, n: int) -> str:
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]  # no raw IP address in the cache
    return f"affinites:widget-rl:{scope}:{digest}:{n}"


def take_slot(scope: str, key: str, limit: int, window: int, *, now: float | None = None) -> int:
    """Take one of ``limit`` slots for ``window`` seconds; 0 if taken, else seconds to wait."""
    now = time.time() if now is None else now
    keys = [_slot_key(scope, key, n) for n in range(limit)]
    stamps = cache.get_many(keys)
    for k in keys:
        stamp = stamps.get(k)
        if stamp is not None and stamp + window <= now:
            cache.delete(k)
            stamp = None
        if stamp is None and cache.add(k, now, timeout=window):
            return 0
    taken = [v for v in cache.get_many(keys).values() if v is not None]
    oldest = min(taken) if taken else now
    return max(1, int(oldest + window - now) + 1)


def client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def hit_submission_limits(request, partner_slug: str) -> int:
    """Take a slot per IP and per partner; 0 when allowed, else seconds to wait."""
    limit, window = option("RATE_IP")
    wait = take_slot("ip", client_ip(request), limit, window)
    if wait:
        return wait
    limit, window = option("RATE_PARTNER")
    return take_slot("partner", partner_slug, limit, window)


def declared_origins() -> list[str]:
    """Every origin declared by an active partner: the questionnaire's CORS, and the open
    API's (registered by ``cms/urls.py`` with ``cms.api.cors``)."""
    from community.outreach.models import Partner

    origins: list[str] = []
    for partner in Partner.objects.filter(active=True).only("allowed_origins"):
        origins.extend(partner.origins)
    return origins
