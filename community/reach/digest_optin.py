"""The weekly digest's opt-in: a consent with purpose DIGEST (community.outreach.consents).

Opting in records the exact text shown (and its version), opting out withdraws it: the
same proof of consent as every other purpose, one click to stop from every digest.
"""

from __future__ import annotations

from django.db.models import QuerySet

from community.outreach.consents import (
    ConsentRecord,
    Purpose,
    active_consents,
    consent_text,
    give_consent,
    has_consent,
    withdraw_consent,
    withdrawal_url,
)

OPT_IN_SOURCE = "page:/profil/"


def is_subscribed(user) -> bool:
    return has_consent(user, Purpose.DIGEST)


def digest_consents(user) -> QuerySet[ConsentRecord]:
    return active_consents(user=user).filter(purpose=Purpose.DIGEST)


def subscribe(user, *, request=None) -> ConsentRecord:
    """Opt `user` in (idempotent: agreeing again to the same text keeps the record)."""
    return give_consent(
        purpose=Purpose.DIGEST,
        text=consent_text(Purpose.DIGEST),
        source=OPT_IN_SOURCE,
        request=request,
        user=user,
    )


def unsubscribe(user) -> int:
    """Withdraw every active DIGEST consent of `user`; returns how many were withdrawn."""
    records = list(digest_consents(user))
    for record in records:
        withdraw_consent(record)
    return len(records)


def subscriber_ids() -> QuerySet:
    """Ids of the active members with an active DIGEST consent."""
    return (
        ConsentRecord.objects.filter(
            purpose=Purpose.DIGEST,
            withdrawn_at=None,
            confirmed_at__isnull=False,
            user__isnull=False,
            user__is_active=True,
        )
        .values_list("user_id", flat=True)
        .distinct()
    )


def unsubscribe_url(user) -> str:
    """The one-click withdrawal link of the member's DIGEST consent(s), or "" if none."""
    records = list(digest_consents(user))
    return withdrawal_url(records) if records else ""


def consent_wording() -> str:
    return consent_text(Purpose.DIGEST)
