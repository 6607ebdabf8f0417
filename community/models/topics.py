"""Topics: a community's posts read as threads, the Discourse way scaled down.

A topic is a `Post` (its optional title, its optional category); its comments are the
replies. What is added here is what a thread needs around it: the categories a community's
librarians define (inline on the community page in Wagtail), where each member stopped
reading (`TopicRead`, for the "nouveau" markers) and who follows a topic (`TopicFollow`:
the author and the members who replied follow it automatically, anyone can choose to).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel
from wagtail.models import Orderable

from .communities import CommunityPage


class TopicCategory(Orderable):
    """A category of topics in one community ("Coups de cœur", "Club de lecture"…)."""

    community = ParentalKey(
        CommunityPage,
        on_delete=models.CASCADE,
        related_name="topic_categories",
        verbose_name=_("community"),
    )
    name = models.CharField(_("name"), max_length=60)
    slug = models.SlugField(
        _("address"),
        max_length=60,
        allow_unicode=False,
        help_text=_("Used in the address of the filtered list (letters, digits, “-”)."),
    )
    description = models.CharField(_("description"), max_length=200, blank=True)

    panels = [FieldPanel("name"), FieldPanel("slug"), FieldPanel("description")]

    class Meta(Orderable.Meta):
        constraints = [
            models.UniqueConstraint(fields=["community", "slug"], name="topic_category_slug")
        ]
        verbose_name = _("topic category")
        verbose_name_plural = _("topic categories")

    def __str__(self) -> str:
        return self.name


class TopicRead(models.Model):
    """How far a member has read a topic: the last reply they have seen."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="topic_reads",
        verbose_name=_("member"),
    )
    post = models.ForeignKey(
        "community.Post",
        on_delete=models.CASCADE,
        related_name="reads",
        verbose_name=_("topic"),
    )
    last_seen_reply_id = models.BigIntegerField(_("last reply seen"), default=0)
    last_read_at = models.DateTimeField(_("last read"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "post"], name="topic_read_unique")]
        verbose_name = _("topic read")
        verbose_name_plural = _("topics read")

    def __str__(self) -> str:
        return f"{self.user} → {self.post_id} ({self.last_seen_reply_id})"


class TopicFollow(models.Model):
    """A member follows a topic (notified of each reply), or chose to stop following it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="topic_follows",
        verbose_name=_("member"),
    )
    post = models.ForeignKey(
        "community.Post",
        on_delete=models.CASCADE,
        related_name="follows",
        verbose_name=_("topic"),
    )
    following = models.BooleanField(_("following"), default=True)
    created_at = models.DateTimeField(_("since"), auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "post"], name="topic_follow_unique")]
        indexes = [models.Index(fields=["post", "following"])]
        verbose_name = _("topic follow")
        verbose_name_plural = _("topic follows")

    def __str__(self) -> str:
        return f"{self.user} {'→' if self.following else '×'} {self.post_id}"
