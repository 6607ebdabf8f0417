"""Actions on the Page connection: store a verified token, mark it broken, resume, alert."""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Q
from django.utils import timezone

from cms.transactions import on_commit

from .graph import GraphAPIError

logger = logging.getLogger("feeds.syndication")

BROKEN_SUBCODES = {
    458: "app_removed",
    459: "checkpoint",
    460: "password_changed",
    463: "expired",
    464: "checkpoint",
    467: "invalid",
    492: "invalid",
}


def apply_verified_tokens(connection, *, page: tuple[str, str] | None, ads_token: str | None):
    """Put tokens that Facebook just accepted on ``connection`` (saved by the caller).

    A verified Page token repairs a broken connection; everything pending is resumed once
    the transaction commits.
    """
    if ads_token:
        connection.set_ads_token(ads_token)
    if page is None:
        return connection
    token, name = page
    connection.set_page_token(token)
    connection.page_name = name
    connection.verified_at = timezone.now()
    was_broken = connection.broken
    connection.broken = False
    connection.broken_reason = connection.broken_detail = ""
    connection.broken_at = None
    if was_broken:
        logger.info("Facebook connection repaired for Page %s", connection.page_id)
    on_commit(_resume_backlog)
    return connection


def _resume_backlog() -> None:
    from .tasks import resume_syndication

    resume_syndication.enqueue()


def mark_broken(connection, *, error: GraphAPIError | None = None, reason: str = "") -> bool:
    """Stop sending: the token is expired or revoked. Alerts admins once per breakage."""
    from .models import FacebookConnection

    if not reason:
        subcode = error.subcode if error is not None else None
        reason = BROKEN_SUBCODES.get(subcode, "invalid")
    detail = (error.message if error is not None else "")[:500]
    now = timezone.now()
    changed = FacebookConnection.objects.filter(pk=connection.pk, broken=False).update(
        broken=True, broken_reason=reason, broken_detail=detail, broken_at=now
    )
    connection.broken, connection.broken_reason, connection.broken_detail = True, reason, detail
    if changed:
        logger.error(
            "Facebook connection broken (%s, code=%s subcode=%s fbtrace_id=%s): sending stopped",
            reason,
            getattr(error, "code", None),
            getattr(error, "subcode", None),
            getattr(error, "fbtrace_id", ""),
        )
        on_commit(_alert)
    return bool(changed)


def _alert() -> None:
    from .tasks import send_connection_alert

    send_connection_alert.enqueue()


def pause(connection, until) -> None:
    """Nothing is sent before ``until`` (rate limits, temporary blocks)."""
    from .models import FacebookConnection

    FacebookConnection.objects.filter(pk=connection.pk).filter(
        Q(paused_until__isnull=True) | Q(paused_until__lt=until)
    ).update(paused_until=until)
    if connection.paused_until is None or connection.paused_until < until:
        connection.paused_until = until


def admins_to_alert():
    """Active users who manage the connection: superusers and holders of the permission."""
    User = get_user_model()
    perm = Permission.objects.filter(
        content_type__app_label="feeds", codename="change_facebookconnection"
    ).first()
    condition = Q(is_superuser=True)
    if perm is not None:
        condition |= Q(groups__permissions=perm) | Q(user_permissions=perm)
    return User.objects.filter(condition, is_active=True).exclude(email="").distinct()
