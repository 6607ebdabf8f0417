"""What the retention sweep keeps: a log of its runs (counts, never people) and the
warnings sent to inactive accounts before they are deleted."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PurgeLog(models.Model):
    """One run of the daily retention sweep: how many rows of each kind it removed.

    Counts only: nothing here says who was concerned.
    """

    ran_at = models.DateTimeField(_("started"), db_index=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    prospects_deleted = models.PositiveIntegerField(_("prospects deleted"), default=0)
    consents_deleted = models.PositiveIntegerField(
        _("consent records deleted with them"), default=0
    )
    accounts_warned = models.PositiveIntegerField(_("inactive accounts warned"), default=0)
    warnings_cancelled = models.PositiveIntegerField(
        _("warnings cancelled (the member came back)"), default=0
    )
    accounts_deleted = models.PositiveIntegerField(_("inactive accounts deleted"), default=0)
    sessions_deleted = models.PositiveIntegerField(_("expired sessions deleted"), default=0)
    unmet_searches_deleted = models.PositiveIntegerField(
        _("unmet search counts deleted"), default=0
    )
    failures = models.PositiveIntegerField(
        _("failures"), default=0, help_text=_("Steps that raised an error (see the server log).")
    )

    class Meta:
        ordering = ["-ran_at", "-pk"]
        verbose_name = _("purge log entry")
        verbose_name_plural = _("purge log")

    def __str__(self) -> str:
        return f"{self.ran_at:%Y-%m-%d %H:%M}"

    @property
    def total(self) -> int:
        return (
            self.prospects_deleted
            + self.consents_deleted
            + self.accounts_deleted
            + self.sessions_deleted
            + self.unmet_searches_deleted
        )


class InactivityWarning(models.Model):
    """An inactive member was told by email that their account will be deleted.

    Deleted as soon as the member logs in again; if they do not, the account is deleted
    once ``ACCOUNT_INACTIVITY_GRACE_DAYS`` have passed since ``warned_at``.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="inactivity_warning",
        verbose_name=_("member"),
    )
    warned_at = models.DateTimeField(_("warned"))
    delete_after = models.DateTimeField(_("to be deleted after"))

    class Meta:
        verbose_name = _("inactivity warning")
        verbose_name_plural = _("inactivity warnings")

    def __str__(self) -> str:
        return f"{self.user_id} {self.warned_at:%Y-%m-%d}"
