"""Background tasks of the outreach package (django-tasks API)."""

from __future__ import annotations

import logging

from django.utils import timezone
from django_tasks import task

from community.outreach.models import ConsentRecord, Prospect

logger = logging.getLogger(__name__)


@task()
def send_prospect_result(prospect_id: int, consent_ids: list[int]) -> bool:
    """Email a prospect their result; only while at least one of these consents is active."""
    from community.outreach.emails import result_email

    prospect = (
        Prospect.objects.select_related("nearest_branch", "partner").filter(pk=prospect_id).first()
    )
    if prospect is None:
        return False
    records = list(
        ConsentRecord.objects.filter(pk__in=consent_ids, prospect=prospect).order_by("pk")
    )
    if not any(r.is_active for r in records):  # confirmed by the address's owner, not withdrawn
        return False
    result_email(prospect, records).send()
    Prospect.objects.filter(pk=prospect.pk).update(last_contact_at=timezone.now())
    return True


@task()
def send_consent_confirmation(prospect_id: int, token: str) -> bool:
    """The double opt-in email: the one message sent to an address before its owner confirms.

    At most ``CONFIRMATIONS_PER_ADDRESS`` per address and day, so that the questionnaire
    cannot be used to flood someone's mailbox.
    """
    from community.outreach import security
    from community.outreach.confirmation import LinkExpired, LinkInvalid, link_state
    from community.outreach.emails import confirmation_email

    try:
        state, prospect, records = link_state(token)
    except (LinkExpired, LinkInvalid):
        return False
    if state != "ask" or prospect.pk != prospect_id:
        return False
    limit, window = security.option("CONFIRMATIONS_PER_ADDRESS")
    if security.take_slot("address", prospect.email.lower(), limit, window):
        logger.info("Confirmation email not sent: too many for one address today")
        return False
    confirmation_email(prospect, records, token).send()
    return True
