"""Double opt-in: a consent given for an email address is in force only once its owner confirms.

Anyone can type any address into the partner questionnaire. So an answer with consent only
records *pending* consent records (``confirmed_at`` empty) and sends one email to the
address: a signed link that expires after ``CONSENT_CONFIRMATION_DAYS`` (7 by default).
Nothing else is sent, and nothing the answer says (interests, commune, médiathèque) is
written on the prospect, until the owner follows the link and presses *Confirmer*: the
consents then come into force, the prospect takes the answer, and the result email goes out.

The link carries the answer itself, signed (``TimestampSigner``): an existing prospect is
never changed by someone who does not own the address. Pending records past the
confirmation period are deleted by the daily retention sweep, with the prospects that only
they kept (:func:`purge_unconfirmed`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from cms import geo
from cms.links import absolute_url
from cms.models import Branch, Interest
from cms.transactions import on_commit_enqueue
from community.journey import Step, send_journey_step
from community.outreach.models import ConsentRecord, Partner, Prospect

CONFIRM_SALT = "community.outreach.confirm"


def confirmation_period() -> timedelta:
    return timedelta(days=settings.CONSENT_CONFIRMATION_DAYS)


def confirmation_token(
    prospect: Prospect,
    records: list[ConsentRecord],
    *,
    interests: list[Interest],
    commune: geo.Commune,
    branch: Branch,
    partner: Partner | None,
) -> str:
    """The signed link's token: who, which records, and the answer to apply once confirmed."""
    payload = {
        "p": prospect.pk,
        "e": prospect.email.lower(),
        "r": sorted(r.pk for r in records),
        "i": [i.pk for i in interests],
        "c": commune.insee,
        "b": branch.pk,
        "s": partner.slug if partner is not None else "",
    }
    return signing.TimestampSigner(salt=CONFIRM_SALT).sign_object(payload, compress=True)


def confirmation_url(token: str) -> str:
    return absolute_url(reverse("outreach:confirm", args=[token]))


class LinkExpired(Exception):
    """The link is genuine but older than the confirmation period."""


class LinkInvalid(Exception):
    """The link was not made by us, or names what no longer exists."""


def read_token(token: str) -> dict:
    signer = signing.TimestampSigner(salt=CONFIRM_SALT)
    try:
        data = signer.unsign_object(str(token or ""), max_age=confirmation_period().total_seconds())
    except signing.SignatureExpired as exc:
        raise LinkExpired from exc
    except (signing.BadSignature, ValueError) as exc:
        raise LinkInvalid from exc
    keys = {"p": int, "e": str, "r": list, "i": list, "c": str, "b": int, "s": str}
    if not isinstance(data, dict) or any(not isinstance(data.get(k), t) for k, t in keys.items()):
        raise LinkInvalid
    if not all(isinstance(n, int) for n in data["r"] + data["i"]) or not data["r"]:
        raise LinkInvalid
    return data


@dataclass
class Confirmation:
    prospect: Prospect
    confirmed: list[ConsentRecord] = field(default_factory=list)
    already: bool = False  # this link was used before: nothing changed
    withdrawn: bool = False  # every record was withdrawn meanwhile: nothing to confirm


def _records(data: dict, *, lock: bool = False) -> tuple[Prospect, list[ConsentRecord]]:
    prospects = Prospect.objects.select_for_update() if lock else Prospect.objects
    prospect = prospects.filter(pk=data["p"], email__iexact=data["e"]).first()
    if prospect is None:
        raise LinkExpired  # purged with its unconfirmed consents
    records = ConsentRecord.objects.select_for_update() if lock else ConsentRecord.objects
    found = list(records.filter(pk__in=data["r"], prospect=prospect).order_by("pk"))
    if not found:
        raise LinkExpired
    return prospect, found


def link_state(token: str) -> tuple[str, Prospect, list[ConsentRecord]]:
    """("ask" | "already" | "withdrawn", prospect, records still in force or pending), for
    the page asking to confirm. Raises LinkExpired / LinkInvalid."""
    from community.outreach.security import token_spent

    prospect, records = _records(read_token(token))
    open_records = [r for r in records if r.withdrawn_at is None]
    if not open_records:
        return "withdrawn", prospect, []
    if token_spent(token):
        return "already", prospect, open_records
    return "ask", prospect, open_records


@transaction.atomic
def confirm_consents(token: str, *, request=None) -> Confirmation:
    """The owner of the address confirms: consents in force, answer applied, result emailed.

    A link confirms once (it is then spent); following it again changes nothing.
    """
    from community.outreach.security import spend_token

    data = read_token(token)
    prospect, records = _records(data, lock=True)
    outcome = Confirmation(prospect=prospect)
    open_records = [r for r in records if r.withdrawn_at is None]
    if not open_records:
        outcome.withdrawn = True
        return outcome
    if not spend_token(token):
        outcome.already = True
        outcome.confirmed = [r for r in open_records if r.is_active]
        return outcome
    now = timezone.now()
    pending = [r for r in open_records if r.confirmed_at is None]
    ConsentRecord.objects.filter(pk__in=[r.pk for r in pending]).update(confirmed_at=now)
    for record in pending:
        record.confirmed_at = now
    outcome.confirmed = open_records

    interests = list(Interest.objects.filter(pk__in=data["i"]))
    commune = geo.by_insee(data["c"])
    branch = Branch.objects.filter(pk=data["b"]).first()
    partner = Partner.objects.filter(slug=data["s"]).first() if data["s"] else None
    if commune is not None:
        prospect.commune_insee, prospect.commune_name = commune.insee, commune.name
    prospect.nearest_branch = branch or prospect.nearest_branch
    prospect.partner = partner or prospect.partner
    prospect.last_contact_at = now
    prospect.save()
    if interests:
        prospect.interests.set(interests)
    if pending:
        send_journey_step(
            Step.CONSENT_GIVEN,
            request=request,
            branch=branch,
            interests=interests,
            source=data["s"] or None,
        )
    from community.outreach.tasks import send_prospect_result

    ids = [r.pk for r in outcome.confirmed]
    on_commit_enqueue(send_prospect_result, prospect.pk, ids)
    return outcome


def purge_unconfirmed(now: datetime | None = None) -> tuple[int, int]:
    """Delete pending consents older than the confirmation period, and the prospects left
    with no consent record at all. Returns (prospects, consents) deleted."""
    now = now or timezone.now()
    expired = ConsentRecord.objects.filter(
        confirmed_at__isnull=True,
        withdrawn_at__isnull=True,
        given_at__lt=now - confirmation_period(),
    )
    with transaction.atomic():
        prospect_ids = set(expired.exclude(prospect=None).values_list("prospect_id", flat=True))
        _, deleted = expired.delete()
        orphans = Prospect.objects.filter(pk__in=prospect_ids).filter(
            ~Q(pk__in=ConsentRecord.objects.exclude(prospect=None).values("prospect_id")),
            merged_into__isnull=True,
        )
        _, orphaned = orphans.delete()
    return (
        orphaned.get(Prospect._meta.label, 0),
        deleted.get(ConsentRecord._meta.label, 0),
    )
