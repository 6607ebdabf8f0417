"""The outbox's destinations side by side: retrying and cancelling a row whatever its
destination (the report and the editor's panel call these)."""

from __future__ import annotations

from .models import Syndication

D = Syndication.Destination
S = Syndication.Status
P = Syndication.Problem


def can_retry(row: Syndication) -> bool:
    """Failed, or (Fediverse) sent with some servers given up."""
    if row.status == S.FAILED:
        return True
    return row.destination == D.FEDIVERSE and row.problem == P.PARTLY_DELIVERED


def can_cancel(row: Syndication) -> bool:
    """Still waiting, and nothing of it may have gone out."""
    return row.status == S.PENDING and not row.in_flight


def retry(row: Syndication, *, user=None) -> bool:
    if row.destination == D.FEDIVERSE:
        from feeds.fediverse import outbox as fediverse

        return fediverse.retry(row, user=user)
    from . import outbox as facebook

    return facebook.retry(row, user=user)


def cancel(row: Syndication) -> bool:
    if row.destination == D.FEDIVERSE:
        from feeds.fediverse import outbox as fediverse

        return fediverse.cancel(row)
    from . import outbox as facebook

    return facebook.cancel(row)
