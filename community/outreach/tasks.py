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
    if not any(r.is_active for r in records):
        return False
    result_email(prospect, records).send()
    Prospect.objects.filter(pk=prospect.pk).update(last_contact_at=timezone.now())
    return True
