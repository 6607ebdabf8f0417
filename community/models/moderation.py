"""Moderation: reports, sanctions (suspensions and bans, with periods), the action log, and
the network's moderation settings (the word list that holds posts for review).

The log (`ModerationAction`) is append-only: who, when, what, why, about what (a snapshot
of the text, since the content itself may later be deleted).
"""

import re
import unicodedata

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting

from .communities import CommunityPage
from .posts import Comment, Post


class Report(models.Model):
    """A member reports a post, a comment or another member, with a reason."""

    class Reason(models.TextChoices):
        SPAM = "spam", _("spam or advertising")
        HARASSMENT = "harassment", _("harassment or insults")
        HATE = "hate", _("hate speech or discrimination")
        INAPPROPRIATE = "inappropriate", _("inappropriate or shocking content")
        PERSONAL_DATA = "personal_data", _("someone’s personal information")
        OTHER = "other", _("something else")

    class Status(models.TextChoices):
        OPEN = "open", _("to review")
        RESOLVED = "resolved", _("action taken")
        DISMISSED = "dismissed", _("no action needed")

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="reports_made",
        verbose_name=_("reported by"),
    )
    post = models.ForeignKey(
        Post,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reports",
        verbose_name=_("post"),
    )
    comment = models.ForeignKey(
        Comment,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reports",
        verbose_name=_("comment"),
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reports_received",
        verbose_name=_("reported member"),
    )
    community = models.ForeignKey(
        CommunityPage,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reports",
        help_text=_("Where it happened (empty for a member reported from their profile)."),
        verbose_name=_("community"),
    )
    reason = models.CharField(_("reason"), max_length=20, choices=Reason)
    details = models.TextField(_("details"), max_length=1000, blank=True)
    excerpt = models.TextField(_("reported text"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status, default=Status.OPEN)
    created_at = models.DateTimeField(_("reported"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("resolved by"),
    )
    outcome = models.TextField(_("outcome"), blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "community", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(post__isnull=False, comment__isnull=True, member__isnull=True)
                    | Q(post__isnull=True, comment__isnull=False, member__isnull=True)
                    | Q(post__isnull=True, comment__isnull=True, member__isnull=False)
                ),
                name="report_one_target",
            )
        ]
        verbose_name = _("report")
        verbose_name_plural = _("reports")

    def __str__(self) -> str:
        return f"{self.get_reason_display()} ({self.target_label})"

    @property
    def target(self):
        return self.post or self.comment or self.member

    @property
    def target_kind(self) -> str:
        if self.post_id:
            return "post"
        if self.comment_id:
            return "comment"
        return "member"

    @property
    def target_label(self) -> str:
        return {"post": _("post"), "comment": _("comment"), "member": _("member")}[self.target_kind]

    @property
    def target_author(self):
        if self.post_id:
            return self.post.author
        if self.comment_id:
            return self.comment.author
        return self.member


class SanctionQuerySet(models.QuerySet):
    def active(self, now=None) -> "SanctionQuerySet":
        now = now or timezone.now()
        return self.filter(lifted_at__isnull=True, starts_at__lte=now).filter(
            Q(ends_at__isnull=True) | Q(ends_at__gt=now)
        )

    def applying_to(self, community: CommunityPage | None) -> "SanctionQuerySet":
        """Network-wide sanctions, plus those of `community`."""
        if community is None:
            return self.filter(community__isnull=True)
        return self.filter(Q(community__isnull=True) | Q(community=community))


class Sanction(models.Model):
    """A suspension (for a period) or a ban (from a community; no end = for good).

    ``community`` empty: the whole network (only library staff decide that).
    """

    class Kind(models.TextChoices):
        SUSPENSION = "suspension", _("suspension")
        BAN = "ban", _("ban")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="sanctions",
        verbose_name=_("member"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    community = models.ForeignKey(
        CommunityPage,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sanctions",
        verbose_name=_("community"),
    )
    reason = models.TextField(_("reason"))
    starts_at = models.DateTimeField(_("from"), default=timezone.now)
    ends_at = models.DateTimeField(_("until"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("decided by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("decided"))
    lifted_at = models.DateTimeField(_("lifted"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("lifted by"),
    )

    objects = SanctionQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at", "-pk"]
        indexes = [models.Index(fields=["user", "lifted_at", "ends_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=models.F("starts_at")),
                name="sanction_ends_after_start",
            )
        ]
        verbose_name = _("sanction")
        verbose_name_plural = _("sanctions")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.user}"

    def is_active(self, now=None) -> bool:
        now = now or timezone.now()
        return (
            self.lifted_at is None
            and self.starts_at <= now
            and (self.ends_at is None or self.ends_at > now)
        )


class ModerationAction(models.Model):
    """One line of the moderation log: who did what, when, why, to what."""

    class Action(models.TextChoices):
        APPROVE = "approve", _("approved")
        HIDE = "hide", _("hidden")
        DELETE = "delete", _("deleted")
        RESTORE = "restore", _("restored")
        WARN = "warn", _("warned")
        SUSPEND = "suspend", _("suspended")
        BAN = "ban", _("banned from the community")
        LIFT = "lift", _("sanction lifted")
        DISMISS = "dismiss", _("report dismissed")
        PIN = "pin", _("pinned")
        UNPIN = "unpin", _("unpinned")

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="moderation_actions",
        verbose_name=_("by"),
    )
    action = models.CharField(_("action"), max_length=20, choices=Action)
    reason = models.TextField(_("why"), blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    community = models.ForeignKey(
        CommunityPage,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="moderation_actions",
        verbose_name=_("community"),
    )
    post = models.ForeignKey(
        Post,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="moderation_actions",
        verbose_name=_("post"),
    )
    comment = models.ForeignKey(
        Comment,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="moderation_actions",
        verbose_name=_("comment"),
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="moderation_actions_received",
        verbose_name=_("member concerned"),
    )
    report = models.ForeignKey(
        Report,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="actions",
        verbose_name=_("report"),
    )
    sanction = models.ForeignKey(
        Sanction,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="actions",
        verbose_name=_("sanction"),
    )
    target_repr = models.TextField(_("about"), blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("moderation action")
        verbose_name_plural = _("moderation log")

    def __str__(self) -> str:
        return f"{self.actor} {self.get_action_display()} {self.target_repr[:40]}"


def normalize_text(text: str) -> str:
    """Lower case, accents removed: “Épée” and “epee” compare equal."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@register_setting(icon="warning")
class ModerationSettings(BaseGenericSetting):
    """Network-wide moderation settings (Settings › Moderation)."""

    held_words = models.TextField(
        _("words that hold a post for review"),
        blank=True,
        help_text=_(
            "One word or expression per line. A post or comment containing one of them waits "
            "for a moderator (case and accents are ignored)."
        ),
    )

    panels = [FieldPanel("held_words")]

    class Meta:
        verbose_name = _("moderation settings")

    def word_list(self) -> list[str]:
        return [normalize_text(w.strip()) for w in self.held_words.splitlines() if w.strip()]

    def held_word_in(self, text: str) -> str | None:
        """The first listed word found in `text` (as a whole word), or None."""
        normalized = normalize_text(text)
        for word in self.word_list():
            if re.search(r"(?<!\w)" + re.escape(word) + r"(?!\w)", normalized):
                return word
        return None
