from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class EventRegistration(models.Model):
    """A member's place at an event: confirmed, on the waitlist, or cancelled.

    One row per (event, member); registering again after cancelling reuses it.
    Capacity is enforced by `community.actions.events` under a row lock on the event.
    """

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("confirmed")
        WAITLISTED = "waitlisted", _("on the waitlist")
        CANCELLED = "cancelled", _("cancelled")

    event = models.ForeignKey(
        "cms.EventPage",
        on_delete=models.CASCADE,
        related_name="registrations",
        verbose_name=_("event"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="event_registrations",
        verbose_name=_("member"),
    )
    status = models.CharField(_("status"), max_length=12, choices=Status)
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated"))
    waitlisted_at = models.DateTimeField(_("joined the waitlist"), null=True, blank=True)
    promoted_at = models.DateTimeField(_("promoted from the waitlist"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminder sent"), null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "user"], name="event_registration_unique")
        ]
        indexes = [models.Index(fields=["event", "status", "waitlisted_at"])]
        verbose_name = _("event registration")
        verbose_name_plural = _("event registrations")

    def __str__(self) -> str:
        return f"{self.user} → {self.event} ({self.status})"
