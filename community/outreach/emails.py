"""Emails to prospects: their result, an invitation, and a one-click withdrawal everywhere."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

from community.outreach.actions import branch_links, signup_url, suggestions_for
from community.outreach.confirmation import confirmation_period, confirmation_url
from community.outreach.consents import consent_label, withdrawal_url
from community.outreach.models import ConsentRecord, Prospect


def list_unsubscribe_headers(url: str) -> dict[str, str]:
    """RFC 2369 ``List-Unsubscribe`` and RFC 8058 one-click ``List-Unsubscribe-Post``."""
    return {
        "List-Unsubscribe": f"<{url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def result_email(prospect: Prospect, records: Sequence[ConsentRecord]) -> EmailMultiAlternatives:
    """The result of the questionnaire, the invitation to join, the withdrawal link."""
    branch = prospect.nearest_branch
    interests = list(prospect.interests.all())
    unsubscribe = withdrawal_url(records)
    context = {
        "prospect": prospect,
        "branch": branch,
        "interests": interests,
        "suggestions": suggestions_for(branch, interests) if branch is not None else [],
        "links": branch_links(branch, prospect.partner, interests, prospect.email)
        if branch is not None
        else {"account": signup_url(prospect.email)},
        "purposes": [consent_label(r.purpose) for r in records],
        "withdrawal_url": unsubscribe,
        "network_name": settings.AFFINITES_NETWORK_NAME,
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string("outreach/email/result_subject.txt", context)
        text = render_to_string("outreach/email/result.txt", context)
        html = render_to_string("outreach/email/result.html", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=text,
        to=[prospect.email],
        headers=list_unsubscribe_headers(unsubscribe),
    )
    message.attach_alternative(html, "text/html")
    return message


def confirmation_email(
    prospect: Prospect, records: Sequence[ConsentRecord], token: str
) -> EmailMultiAlternatives:
    """Double opt-in: what was asked with this address, and the link to confirm it."""
    context = {
        "purposes": [consent_label(r.purpose) for r in records],
        "confirm_url": confirmation_url(token),
        "days": confirmation_period().days,
        "network_name": settings.AFFINITES_NETWORK_NAME,
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string("outreach/email/confirm_subject.txt", context)
        text = render_to_string("outreach/email/confirm.txt", context)
        html = render_to_string("outreach/email/confirm.html", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()), body=text, to=[prospect.email]
    )
    message.attach_alternative(html, "text/html")
    return message
