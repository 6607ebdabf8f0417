"""Rate limits per member, in Django's cache (local memory by default, Redis when configured).

A sliding window of N slots: each action takes a free slot with ``cache.add`` (atomic on
locmem and Redis: SET NX), which lives for the window; when the N slots are taken the
member is told when the oldest one frees. Defaults (Lemmy and Mastodon publish similar):

- posts: 6 per 10 minutes
- comments: 20 per 10 minutes
- reports: 10 per hour
- purchase suggestions: 5 per day
- reading lists created: 10 per hour

``AFFINITES_RATE_LIMITS = {"post": (6, 600), …}`` in the settings overrides them. Library
staff are not limited.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import cache
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cms.dates import format_time
from community.roles import is_library_staff

DEFAULT_LIMITS: dict[str, tuple[int, int]] = {
    "post": (6, 10 * 60),
    "comment": (20, 10 * 60),
    "report": (10, 60 * 60),
    "suggestion": (5, 24 * 60 * 60),
    "list": (10, 60 * 60),
}


def limits() -> dict[str, tuple[int, int]]:
    return {**DEFAULT_LIMITS, **getattr(settings, "AFFINITES_RATE_LIMITS", {})}


@dataclass
class RateLimited(Exception):
    """Raised when a member has used up an action's slots; `message` is for them."""

    action: str
    retry_at: datetime
    limit: int
    window: int

    def __post_init__(self):
        super().__init__(self.message)

    @property
    def retry_after(self) -> int:
        return max(1, int((self.retry_at - timezone.now()).total_seconds()) + 1)

    @property
    def message(self) -> str:
        minutes = max(1, round(self.retry_after / 60))
        when = format_time(self.retry_at)
        params = {"limit": self.limit, "when": when, "minutes": minutes}
        if self.action == "post":
            text = ngettext(
                "You have published %(limit)s posts in a short time.",
                "You have published %(limit)s posts in a short time.",
                self.limit,
            )
        elif self.action == "comment":
            text = ngettext(
                "You have written %(limit)s comments in a short time.",
                "You have written %(limit)s comments in a short time.",
                self.limit,
            )
        elif self.action == "list":
            text = ngettext(
                "You have created %(limit)s lists in a short time.",
                "You have created %(limit)s lists in a short time.",
                self.limit,
            )
        elif self.action == "suggestion":
            text = ngettext(
                "You have suggested %(limit)s titles today.",
                "You have suggested %(limit)s titles today.",
                self.limit,
            )
        else:
            text = ngettext(
                "You have sent %(limit)s reports in a short time.",
                "You have sent %(limit)s reports in a short time.",
                self.limit,
            )
        retry = timezone.localtime(self.retry_at)
        # past midnight but within the hour still reads best in minutes ("à 0 h 02, dans 10 min")
        if retry.date() != timezone.localdate() and minutes >= 60:
            params["day"] = formats.date_format(retry, "l j F")
            again = _("You can do it again on %(day)s at %(when)s.")
        else:
            again = ngettext(
                "You can do it again at %(when)s (in %(minutes)s minute).",
                "You can do it again at %(when)s (in %(minutes)s minutes).",
                minutes,
            )
        return f"{text % params} {again % params}"


def _key(action: str, user_id: int, slot: int) -> str:
    return f"affinites:rl:{action}:{user_id}:{slot}"


def hit(user, action: str, *, now: float | None = None) -> None:
    """Take a slot for `action`, or raise `RateLimited` (nothing is taken then)."""
    if is_library_staff(user):
        return
    limit, window = limits()[action]
    now = time.time() if now is None else now
    keys = [_key(action, user.pk, n) for n in range(limit)]
    stamps = cache.get_many(keys)
    for key in keys:
        stamp = stamps.get(key)
        if stamp is not None and stamp + window <= now:  # expired but still cached
            cache.delete(key)
            stamp = None
        if stamp is None and cache.add(key, now, timeout=window):
            return
    stamps = {k: v for k, v in cache.get_many(keys).items() if v is not None}
    oldest = min(stamps.values()) if stamps else now
    raise RateLimited(
        action=action,
        retry_at=datetime.fromtimestamp(oldest + window, tz=UTC),
        limit=limit,
        window=window,
    )


def reset(user, action: str | None = None) -> None:
    """Forget a member's slots (tests, or a moderator lifting a limit)."""
    for name, (limit, _window) in limits().items():
        if action in (None, name):
            cache.delete_many([_key(name, user.pk, n) for n in range(limit)])
