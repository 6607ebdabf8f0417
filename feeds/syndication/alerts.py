"""Telling the network admins that the Facebook connection is broken."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from cms import links

from .connection import admins_to_alert
from .models import FacebookConnection, Syndication


def settings_url() -> str:
    path = reverse("wagtailsettings:edit", args=["feeds", "facebookconnection"])
    return links.absolute_url(path)


def email_broken_connection() -> int:
    connection = FacebookConnection.load()
    if not connection.broken:
        return 0
    recipients = sorted({u.email for u in admins_to_alert()})
    if not recipients:
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        pending = Syndication.objects.facebook().unfinished().count()
        params = {
            "page": connection.page_name or connection.page_id,
            "reason": connection.broken_reason_text,
            "pending": pending,
            "url": settings_url(),
        }
        subject = _("[Affinités] The Facebook Page connection is broken")
        body = (
            _(
                "Facebook refused the access token of the Page “%(page)s”: %(reason)s.\n\n"
                "Nothing is posted to Facebook any more; %(pending)s publication(s) are waiting. "
                "They will all be sent once a network admin saves a new Page token:\n%(url)s\n\n"
                "feeds/syndication/README.md explains how to get a long-lived Page token."
            )
            % params
        )
    return send_mail(subject, body, None, recipients)
