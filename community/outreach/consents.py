"""Consent records: give, withdraw, query. The public API other packages use.

Every consent is a :class:`~community.outreach.models.ConsentRecord` holding the purpose,
the exact text the person saw and its version (SHA-256 of the text), when it was given and
withdrawn, where (partner slug or page) and a truncated IP address. Withdrawing is one
click from any email (:func:`withdrawal_url`).

>>> record = give_consent(purpose=Purpose.DIGEST, text=consent_text(Purpose.DIGEST),
...                       source="page:/profil/", request=request, user=member)
>>> has_consent(member, Purpose.DIGEST)
True
>>> withdraw_consent(record)
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from django.core import signing
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cms.links import absolute_url
from community.outreach.models import ConsentRecord, Prospect, Purpose, text_version

__all__ = [
    "ConsentRecord",
    "Purpose",
    "active_consents",
    "consent_detail",
    "consent_label",
    "consent_text",
    "give_consent",
    "has_consent",
    "records_from_token",
    "truncate_ip",
    "withdraw_consent",
    "withdrawal_token",
    "withdrawal_url",
]

WITHDRAWAL_SALT = "community.outreach.withdraw"


def consent_label(purpose: str) -> str:
    """The short label of a purpose's box."""
    labels = {
        Purpose.SUGGESTIONS_EMAIL: _("Receive suggestions by email"),
        Purpose.RECONTACT: _("Be contacted again by the library"),
        Purpose.DIGEST: _("Receive the selection of the week by email"),
    }
    return labels[Purpose(purpose)]


def consent_detail(purpose: str) -> str:
    """What the box means, in plain words, shown under its label."""
    kept = _(
        "Your email address, interests and commune are kept for 3 years after our last "
        "contact. You can withdraw this consent at any time with one click, from every email."
    )
    details = {
        Purpose.SUGGESTIONS_EMAIL: _(
            "At most one email a month with documents, events and services of your "
            "médiathèque that match your interests."
        ),
        Purpose.RECONTACT: _(
            "A librarian of your médiathèque may write to you about your interests "
            "(a club, an event, new arrivals)."
        ),
        Purpose.DIGEST: _("Every week, the best new entries near you."),
    }
    if purpose == Purpose.DIGEST:
        return details[Purpose.DIGEST] + " " + _("You can stop at any time with one click.")
    return details[Purpose(purpose)] + " " + kept


def consent_text(purpose: str) -> str:
    """The exact wording recorded for a purpose's box: its label, then what it means."""
    return f"{consent_label(purpose)}. {consent_detail(purpose)}"


def truncate_ip(address: str | None) -> str | None:
    """IPv4 truncated to its /24, IPv6 to its /48 (``203.0.113.77`` → ``203.0.113.0``)."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False).network_address)


@transaction.atomic
def give_consent(
    *,
    purpose: str,
    text: str,
    source: str,
    request=None,
    user=None,
    prospect: Prospect | None = None,
    parental: bool = False,
    confirmed: bool = True,
) -> ConsentRecord:
    """Record that a member (``user``) and/or a prospect agreed to ``text`` for ``purpose``.

    ``confirmed=False`` records it as pending (double opt-in: a consent given for an email
    address is in force only once the address's owner confirms, see
    :mod:`community.outreach.confirmation`). The same person agreeing again to the same text
    keeps the existing record (a pending one becomes confirmed when ``confirmed``).
    """
    purpose = Purpose(purpose)
    if user is None and prospect is None:
        raise ValueError("A consent needs a person: a user or a prospect.")
    if not text.strip():
        raise ValueError("A consent needs the text the person agreed to.")
    person = Q(user=user) if user is not None else Q(prospect=prospect)
    existing = (
        ConsentRecord.objects.select_for_update()
        .filter(person, purpose=purpose, version=text_version(text), withdrawn_at=None)
        .first()
    )
    now = timezone.now()
    if existing is not None:
        if confirmed and existing.confirmed_at is None:
            existing.confirmed_at = now
            existing.save(update_fields=["confirmed_at"])
        return existing
    return ConsentRecord.objects.create(
        purpose=purpose,
        text=text,
        given_at=now,
        confirmed_at=now if confirmed else None,
        source=source[:200],
        ip_prefix=truncate_ip(request.META.get("REMOTE_ADDR")) if request is not None else None,
        user=user,
        prospect=prospect,
        parental=parental,
    )


@transaction.atomic
def withdraw_consent(record: ConsentRecord) -> None:
    """Withdraw a consent (idempotent). The record stays as proof, marked withdrawn.

    A prospect left without any active consent keeps only their email address (the link to
    the proof): interests, commune and branch are erased.
    """
    updated = ConsentRecord.objects.filter(pk=record.pk, withdrawn_at=None).update(
        withdrawn_at=timezone.now()
    )
    record.refresh_from_db(fields=["withdrawn_at"])
    if not updated or record.prospect_id is None:
        return
    prospect = record.prospect
    if not prospect.consents.filter(withdrawn_at=None).exists():
        prospect.interests.clear()
        prospect.commune_insee = prospect.commune_name = ""
        prospect.nearest_branch = None
        prospect.save(update_fields=["commune_insee", "commune_name", "nearest_branch"])


def active_consents(*, user=None, email: str | None = None) -> QuerySet[ConsentRecord]:
    """Consents in force (confirmed, not withdrawn), of a member and/or of whoever uses
    ``email`` (prospect or member). Pending ones, which anybody may have asked for with
    that address, are never among them."""
    if user is None and not email:
        return ConsentRecord.objects.none()
    who = Q()
    if user is not None:
        who |= Q(user=user)
    if email:
        who |= Q(prospect__email__iexact=email.strip()) | Q(user__email__iexact=email.strip())
    return ConsentRecord.objects.filter(
        who, withdrawn_at=None, confirmed_at__isnull=False
    ).distinct()


def has_consent(user, purpose: str) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return ConsentRecord.objects.filter(
        user=user, purpose=purpose, withdrawn_at=None, confirmed_at__isnull=False
    ).exists()


def withdrawal_token(records: Iterable[ConsentRecord]) -> str:
    """A signed, non-expiring token naming the consent records a link withdraws."""
    ids = sorted({r.pk for r in records})
    return signing.dumps(ids, salt=WITHDRAWAL_SALT, compress=True)


def records_from_token(token: str) -> list[ConsentRecord] | None:
    """The records a withdrawal token names, or None if the token is not ours."""
    try:
        ids = signing.loads(token, salt=WITHDRAWAL_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(ids, list) or not ids or not all(isinstance(i, int) for i in ids):
        return None
    return list(
        ConsentRecord.objects.filter(pk__in=ids).select_related("prospect", "user").order_by("pk")
    )


def withdrawal_url(record: ConsentRecord | Iterable[ConsentRecord]) -> str:
    """Absolute URL of the one-click withdrawal page for a record (or several at once)."""
    records = [record] if isinstance(record, ConsentRecord) else list(record)
    return absolute_url(reverse("outreach:withdraw", args=[withdrawal_token(records)]))
