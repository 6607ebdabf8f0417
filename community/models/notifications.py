from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """Something a member should know, shown under the bell (and emailed if they opted in).

    Written only through ``community.notifications.notify()`` / ``notify_many()``.
    """

    class Kind(models.TextChoices):
        WAITLIST_PROMOTED = "waitlist_promoted", _("waitlist promotion")
        EVENT_REMINDER = "event_reminder", _("event reminder")
        REPLY = "reply", _("reply")
        MENTION = "mention", _("mention")
        TOPIC_REPLY = "topic_reply", _("new reply in a followed topic")
        COMMUNITY_ANNOUNCEMENT = "community_announcement", _("new announcement in a community")
        MODERATION = "moderation", _("moderation")
        SUGGESTION = "suggestion", _("purchase suggestion")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("member"),
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind)
    title = models.CharField(_("title"), max_length=250)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))
    read_at = models.DateTimeField(null=True, blank=True, verbose_name=_("read"))

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["user", "read_at", "-created_at"], name="notification_unread")
        ]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self) -> str:
        return self.title
