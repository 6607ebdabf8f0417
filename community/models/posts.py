"""What members write in a themed community: posts, their comments and reactions.

Text is stored as written (a small Markdown subset) and rendered and sanitised on output
by `community.markup`. Reaction counts are never stored: one row per (post, member, kind)
under a unique constraint, counted by aggregate, so they stay exact under concurrency.
"""

from django.conf import settings
from django.db import models
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from community.markup import plain_excerpt

from .communities import CommunityPage

TITLE_MAX_LENGTH = 120
BODY_MAX_LENGTH = 5000
COMMENT_MAX_LENGTH = 2000


class ContentStatus(models.TextChoices):
    PUBLISHED = "published", _("published")
    PENDING = "pending", _("awaiting review")
    HIDDEN = "hidden", _("hidden by a moderator")
    REMOVED = "removed", _("deleted by a moderator")
    DELETED = "deleted", _("deleted by its author")


def _count_subquery(model, kind: str | None = None, **filters):
    rows = model.objects.filter(post=OuterRef("pk"), **filters)
    if kind is not None:
        rows = rows.filter(kind=kind)
    rows = rows.order_by().values("post").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(rows, output_field=models.IntegerField()), 0)


class PostQuerySet(models.QuerySet):
    def published(self) -> "PostQuerySet":
        return self.filter(status=ContentStatus.PUBLISHED)

    def with_counts(self) -> "PostQuerySet":
        """Annotate like_count, interested_count and comment_count (one subquery each)."""
        return self.annotate(
            like_count=_count_subquery(Reaction, Reaction.Kind.LIKE),
            interested_count=_count_subquery(Reaction, Reaction.Kind.INTERESTED),
            comment_count=_count_subquery(Comment, status=ContentStatus.PUBLISHED),
        )

    def for_display(self) -> "PostQuerySet":
        return (
            self.with_counts()
            .select_related(
                "author", "catalogue_item", "catalogue_item__cover", "event", "event__branch"
            )
            .prefetch_related("author__groups", "mentions")
        )

    def pinned_first(self) -> "PostQuerySet":
        return self.order_by(models.F("pinned_at").desc(nulls_last=True), "-created_at", "-pk")


class Post(models.Model):
    """A member's post in a community: text, an optional image, an optional catalogue or event card."""

    community = models.ForeignKey(
        CommunityPage, on_delete=models.CASCADE, related_name="posts", verbose_name=_("community")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="posts",
        verbose_name=_("author"),
    )
    title = models.CharField(_("title"), max_length=TITLE_MAX_LENGTH, blank=True)
    category = models.ForeignKey(
        "community.TopicCategory",
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="posts",
    )
    body = models.TextField(_("text"), max_length=BODY_MAX_LENGTH)
    image = models.FileField(_("image"), upload_to="posts/", max_length=200, blank=True)
    image_alt = models.CharField(_("image description"), max_length=250, blank=True)
    catalogue_item = models.ForeignKey(
        "cms.CatalogueItem",
        verbose_name=_("book, film, record…"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="community_posts",
    )
    event = models.ForeignKey(
        "cms.EventPage",
        verbose_name=_("event"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="community_posts",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ContentStatus, default=ContentStatus.PUBLISHED
    )
    held_reason = models.CharField(_("why it is held"), max_length=250, blank=True)
    mentions = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="mentioned_in_posts",
        blank=True,
        verbose_name=_("mentioned members"),
    )
    pinned_at = models.DateTimeField(_("pinned"), null=True, blank=True)
    pinned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("pinned by"),
    )
    created_at = models.DateTimeField(_("posted"), auto_now_add=True, db_index=True)
    edited_at = models.DateTimeField(_("edited"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    objects = PostQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["community", "status", "-created_at"]),
            models.Index(fields=["author", "community", "status"]),
        ]
        verbose_name = _("post")
        verbose_name_plural = _("posts")

    def __str__(self) -> str:
        text = " ".join(self.body.split())
        return f"{self.author}: {text[:60]}"

    def get_absolute_url(self) -> str:
        return reverse("community:post_detail", args=[self.community_id, self.pk])

    @property
    def topic_title(self) -> str:
        """The title its author gave, else the beginning of its text (older posts have none)."""
        if self.title:
            return self.title
        return plain_excerpt(self.body, 80)

    @property
    def is_published(self) -> bool:
        return self.status == ContentStatus.PUBLISHED

    @property
    def is_pinned(self) -> bool:
        return self.pinned_at is not None


class Comment(models.Model):
    """A comment on a post, or a reply to a comment (one level: replies are never nested)."""

    post = models.ForeignKey(
        Post, on_delete=models.CASCADE, related_name="comments", verbose_name=_("post")
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="replies",
        verbose_name=_("in reply to"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="post_comments",
        verbose_name=_("author"),
    )
    body = models.TextField(_("text"), max_length=COMMENT_MAX_LENGTH)
    status = models.CharField(
        _("status"), max_length=20, choices=ContentStatus, default=ContentStatus.PUBLISHED
    )
    held_reason = models.CharField(_("why it is held"), max_length=250, blank=True)
    mentions = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="mentioned_in_comments",
        blank=True,
        verbose_name=_("mentioned members"),
    )
    created_at = models.DateTimeField(_("posted"), auto_now_add=True)
    edited_at = models.DateTimeField(_("edited"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["post", "status", "created_at"])]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")

    def __str__(self) -> str:
        text = " ".join(self.body.split())
        return f"{self.author}: {text[:60]}"

    def get_absolute_url(self) -> str:
        return f"{self.post.get_absolute_url()}#commentaire-{self.pk}"

    @property
    def community_id(self) -> int:
        return self.post.community_id

    @property
    def is_published(self) -> bool:
        return self.status == ContentStatus.PUBLISHED


class Reaction(models.Model):
    """One member's reaction to a post: at most one row per (post, member, kind)."""

    class Kind(models.TextChoices):
        LIKE = "like", _("I like it")
        INTERESTED = "interested", _("I’m interested")

    post = models.ForeignKey(
        Post, on_delete=models.CASCADE, related_name="reactions", verbose_name=_("post")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="post_reactions",
        verbose_name=_("member"),
    )
    kind = models.CharField(_("reaction"), max_length=20, choices=Kind)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("when"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "user", "kind"], name="reaction_unique")
        ]
        indexes = [models.Index(fields=["post", "kind"])]
        verbose_name = _("reaction")
        verbose_name_plural = _("reactions")

    def __str__(self) -> str:
        return f"{self.user} {self.kind} {self.post_id}"
