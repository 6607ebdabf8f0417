"""Recording the funnel (aggregate counts) and attributing each step to a source.

Attribution, first match wins:

1. the ``source`` the sender gave (the widget sends its partner's slug);
2. the request's own URL, then its ``Referer``'s query: ``utm_source=facebook`` (or ``fb``)
   → "facebook"; ``partner=<slug>`` or ``utm_source=<slug>`` of a declared partner → the
   slug; any other ``utm_source`` → "other";
3. the first-touch source remembered in the session (``FirstTouchMiddleware``: only for a
   logged-in member or a session that already exists — never a new cookie);
4. a ``Referer`` that is our search page → "search";
5. "direct".

Nothing personal is stored: the counts say what happened, never who did it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from urllib.parse import parse_qs, urlsplit

from django.urls import reverse
from django.utils import timezone

from community.journey import Step
from community.reach.counters import add_counts
from community.reach.models import FunnelCount, Source

SESSION_KEY = "reach_first_touch"
FACEBOOK_NAMES = {"facebook", "fb", "facebook.com", "m.facebook.com", "l.facebook.com"}
_SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}$")


# --- Attribution --------------------------------------------------------------------------


def partner_exists(slug: str) -> bool:
    """True if a partner with this slug is declared (community.outreach)."""
    from community.outreach.models import Partner

    return Partner.objects.filter(slug=slug).exists()


def source_from_params(params) -> str | None:
    """Source from query parameters (a QueryDict or a dict of lists), or None."""

    def first(name: str) -> str:
        value = params.get(name, "")
        if isinstance(value, list):
            value = value[0] if value else ""
        return str(value).strip().lower()[:60]

    partner = first("partner")
    if partner and _SLUG_RE.match(partner) and partner_exists(partner):
        return partner
    utm = first("utm_source")
    if not utm:
        return None
    if utm in FACEBOOK_NAMES:
        return Source.FACEBOOK
    if _SLUG_RE.match(utm) and partner_exists(utm):
        return utm
    return Source.OTHER


def _search_path() -> str:
    return reverse("search:results")


def source_from_request(request) -> str:
    """Attribute a request to a source (see the module docstring)."""
    if request is None:
        return Source.DIRECT
    found = source_from_params(request.GET)
    if found:
        return found
    referer = request.META.get("HTTP_REFERER", "")
    parts = urlsplit(referer) if referer else None
    ours = parts is not None and parts.netloc == request.get_host()
    if ours and parts.query:
        found = source_from_params(parse_qs(parts.query))
        if found:
            return found
    session = getattr(request, "session", None)
    if session is not None and (session.session_key or _is_member(request)):
        remembered = session.get(SESSION_KEY)
        if remembered:
            return remembered
    if ours and parts.path.startswith(_search_path()):
        return Source.SEARCH
    return Source.DIRECT


def _is_member(request) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


def remember_first_touch(request, source: str) -> bool:
    """Keep `source` in the session if there is no first touch yet. True if stored.

    Never creates a session (so never sets a cookie) for an anonymous visitor: only a
    logged-in member's session, or one that already exists, is written.
    """
    session = getattr(request, "session", None)
    if session is None or not source or source == Source.DIRECT:
        return False
    if not (session.session_key or _is_member(request)):
        return False
    if session.get(SESSION_KEY):
        return False
    session[SESSION_KEY] = source
    return True


# --- Recording ----------------------------------------------------------------------------


def increment(
    step: str,
    *,
    source: str,
    branch_id: int | None = None,
    interest_ids: Iterable[int] = (),
    day: date | None = None,
    by: int = 1,
) -> None:
    """Add `by` to the totals row (interest NULL) and to one row per interest.

    Concurrent increments of the same cell never lose a count (``add_counts``).
    """
    if step not in Step.values:
        raise ValueError(f"Unknown journey step: {step!r}")
    day = day or timezone.localdate()
    source = (source or Source.DIRECT)[:60]
    rows = [(day, step, source, branch_id, None, by)]
    rows += [(day, step, source, branch_id, pk, by) for pk in sorted(set(interest_ids))]
    add_counts(FunnelCount, ("day", "step", "source"), rows)


def record_step(
    step: str,
    *,
    request=None,
    member=None,
    branch=None,
    interests=(),
    source: str | None = None,
) -> str:
    """Count one step; returns the source it was attributed to.

    Without a request (an action called with none), the request being served is used.
    Branch: the one given, else the member's home branch. Interests: those given (the
    community's, the event's…), else the interests the member follows.
    """
    if request is None:
        from community.reach.middleware import current_request

        request = current_request.get()
    source = source or source_from_request(request)
    if branch is None and member is not None and getattr(member, "is_authenticated", False):
        branch_id = member.home_branch_id
    else:
        branch_id = getattr(branch, "pk", branch)
    interest_ids = [getattr(i, "pk", i) for i in interests or ()]
    if not interest_ids and member is not None and getattr(member, "pk", None):
        interest_ids = list(member.followed_interests.values_list("interest_id", flat=True))
    increment(step, source=source, branch_id=branch_id, interest_ids=interest_ids)
    return source
