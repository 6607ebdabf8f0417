"""The daily retention sweep: what is kept how long, and the removal of what is due.

- prospects: deleted ``PROSPECT_RETENTION_DAYS`` after their last contact (3 years, CNIL),
  with their consent records; consents never confirmed (double opt-in) after
  ``CONSENT_CONFIRMATION_DAYS``, with the prospects only they kept;
- member accounts without a login for ``ACCOUNT_INACTIVITY_DAYS`` (2 years by default, the
  duration the CNIL deems proportionate) are warned by email; still inactive
  ``ACCOUNT_INACTIVITY_GRACE_DAYS`` later (30 by default), they are deleted, their posts
  kept anonymised. Library staff accounts (librarians, network admins, superusers) are
  never purged automatically: network admins manage them;
- expired sessions are deleted;
- the counts of searches with no or few results (``community.reach.UnmetSearch``: no person,
  but a query typed once may still say something about someone) after
  ``UNMET_SEARCH_RETENTION_DAYS``.

Each run writes one :class:`~community.privacy.models.PurgeLog` row: counts, never people.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from cms.links import absolute_url
from cms.transactions import on_commit
from community import roles
from community.privacy.erasure import DEPARTED_USERNAME, delete_account
from community.privacy.models import InactivityWarning, PurgeLog
from community.privacy.personal_data import user_model

logger = logging.getLogger(__name__)

# A run that finished less than this long ago makes the next daily run a no-op.
MIN_INTERVAL = timedelta(hours=20)


def prospect_retention() -> timedelta:
    return timedelta(days=settings.PROSPECT_RETENTION_DAYS)


def inactivity_period() -> timedelta:
    return timedelta(days=settings.ACCOUNT_INACTIVITY_DAYS)


def grace_period() -> timedelta:
    return timedelta(days=settings.ACCOUNT_INACTIVITY_GRACE_DAYS)


def purge_expired_prospects(now: datetime) -> tuple[int, int]:
    """Delete prospects whose last contact is older than the retention. (prospects, consents)"""
    from community.outreach.models import Prospect

    expired = Prospect._base_manager.filter(last_contact_at__lt=now - prospect_retention())
    _, per_model = expired.delete()
    consents = sum(n for label, n in per_model.items() if label == "outreach.ConsentRecord")
    return per_model.get(Prospect._meta.label, 0), consents


def purge_unconfirmed_consents(now: datetime) -> tuple[int, int]:
    """Double opt-in: pending consents never confirmed within the confirmation period, the
    prospects only they kept, and the spent questionnaire tokens. (prospects, consents)"""
    from community.outreach.confirmation import purge_unconfirmed
    from community.outreach.security import purge_spent_tokens

    purge_spent_tokens(now=now.timestamp())
    return purge_unconfirmed(now)


def purgeable_accounts():
    """Accounts the inactivity rule applies to: active members, not staff, not the
    departed-member account."""
    return (
        user_model()
        .objects.filter(is_active=True, is_staff=False, is_superuser=False)
        .exclude(username=DEPARTED_USERNAME)
        .exclude(groups__name__in=[roles.LIBRARIANS, roles.NETWORK_ADMINS])
    )


def inactive_since(cutoff: datetime):
    """No login since ``cutoff`` (never logged in: joined before ``cutoff``)."""
    return Q(last_login__lt=cutoff) | Q(last_login__isnull=True, date_joined__lt=cutoff)


def cancel_warnings_of_returning_members() -> int:
    """Members who logged in after being warned are no longer inactive."""
    deleted, _ = InactivityWarning.objects.filter(user__last_login__gt=F("warned_at")).delete()
    return deleted


def _warning_email(user, delete_after: datetime) -> None:
    context = {
        "user": user,
        "delete_after": timezone.localtime(delete_after),
        "login_url": absolute_url(reverse("account_login")),
        "delete_url": absolute_url(reverse("privacy:delete_account")),
        "data_url": absolute_url(reverse("privacy:my_data")),
        "inactivity_days": settings.ACCOUNT_INACTIVITY_DAYS,
        "network_name": settings.AFFINITES_NETWORK_NAME,
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string("privacy/email/inactivity_warning_subject.txt", context)
        body = render_to_string("privacy/email/inactivity_warning.txt", context)
    send_mail(
        " ".join(subject.split()),
        body,
        settings.DEFAULT_FROM_EMAIL,
        [user.email],
        fail_silently=False,
    )


def _send_warning_email(user_id: int, delete_after: datetime) -> None:
    user = user_model().objects.filter(pk=user_id).first()
    if user is None or not user.email:
        return
    try:
        _warning_email(user, delete_after)
    except Exception:  # the warning row stays: the member is not deleted without a grace
        logger.exception("Could not send the inactivity warning to account %s", user_id)


def warn_inactive_accounts(now: datetime) -> int:
    """Warn (once) every account inactive for the whole period; returns how many."""
    cutoff = now - inactivity_period()
    delete_after = now + grace_period()
    candidates = (
        purgeable_accounts()
        .filter(inactive_since(cutoff), inactivity_warning__isnull=True)
        .distinct()
        .values_list("pk", flat=True)
    )
    warned = 0
    for user_id in list(candidates):
        with transaction.atomic():
            _, created = InactivityWarning.objects.get_or_create(
                user_id=user_id, defaults={"warned_at": now, "delete_after": delete_after}
            )
            if created:
                warned += 1
                on_commit(_send_warning_email, user_id, delete_after)
    return warned


def delete_inactive_accounts(now: datetime) -> int:
    """Delete the accounts warned at least a grace period ago and still inactive."""
    due = InactivityWarning.objects.filter(delete_after__lte=now).filter(
        Q(user__last_login__isnull=True) | Q(user__last_login__lte=F("warned_at"))
    )
    due = due.filter(user__in=purgeable_accounts())
    deleted = 0
    for warning in list(due.select_related("user")):
        try:
            delete_account(warning.user, keep_posts=True)
        except Exception:
            logger.exception("Could not delete the inactive account %s", warning.user_id)
            continue
        deleted += 1
    return deleted


def delete_expired_sessions(now: datetime) -> int:
    deleted, _ = Session.objects.filter(expire_date__lt=now).delete()
    return deleted


def delete_old_unmet_searches(now: datetime) -> int:
    from community.reach.models import UnmetSearch

    cutoff = timezone.localdate(now) - timedelta(days=settings.UNMET_SEARCH_RETENTION_DAYS)
    deleted, _ = UnmetSearch.objects.filter(day__lt=cutoff).delete()
    return deleted


def last_run() -> PurgeLog | None:
    return PurgeLog.objects.filter(finished_at__isnull=False).order_by("-ran_at").first()


def run_retention(*, now: datetime | None = None, force: bool = False) -> PurgeLog | None:
    """One sweep. Skipped (None) when the last one finished under 20 hours ago, unless
    ``force``: the scheduler may call it as often as it likes."""
    now = now or timezone.now()
    previous = last_run()
    if not force and previous is not None and previous.finished_at > now - MIN_INTERVAL:
        return None
    log = PurgeLog.objects.create(ran_at=now)
    steps = [
        ("prospects", lambda: purge_expired_prospects(now)),
        ("unconfirmed", lambda: purge_unconfirmed_consents(now)),
        ("warnings_cancelled", cancel_warnings_of_returning_members),
        ("accounts_deleted", lambda: delete_inactive_accounts(now)),
        ("accounts_warned", lambda: warn_inactive_accounts(now)),
        ("sessions_deleted", lambda: delete_expired_sessions(now)),
        ("unmet_searches_deleted", lambda: delete_old_unmet_searches(now)),
    ]
    for name, step in steps:
        try:
            result = step()
        except Exception:
            logger.exception("Retention step %s failed", name)
            log.failures += 1
            continue
        if name in ("prospects", "unconfirmed"):
            log.prospects_deleted += result[0]
            log.consents_deleted += result[1]
        else:
            setattr(log, name, result)
    log.finished_at = timezone.now()
    log.save()
    return log
