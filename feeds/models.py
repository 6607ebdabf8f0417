from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cms.kinds import FeedKind


class FeedEntry(models.Model):
    """One item placed in one member's feed (database feed store), with its score and reason.

    Written in bulk by the fan-out (``feeds.fanout``) and by rebuilds (``feeds.feed.build``); read
    by keyset on (score, id). ``interest_id`` / ``community_id`` say what made it relevant, so
    that "not interested" can sink similar entries.
    """

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="feed_entries",
        verbose_name=_("member"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=FeedKind)
    object_id = models.PositiveBigIntegerField(_("object id"))
    score = models.FloatField(_("score"))
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    interest_id = models.PositiveBigIntegerField(null=True, blank=True, verbose_name=_("interest"))
    community_id = models.PositiveBigIntegerField(
        null=True, blank=True, verbose_name=_("community")
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("added"))

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["member", "kind", "object_id"], name="feed_entry_unique"
            )
        ]
        indexes = [
            models.Index(fields=["member", "-score", "-id"], name="feed_entry_rank"),
            models.Index(fields=["kind", "object_id"], name="feed_entry_content"),
        ]
        verbose_name = _("feed entry")
        verbose_name_plural = _("feed entries")

    def __str__(self) -> str:
        return f"{self.member_id} ← {self.kind}:{self.object_id} ({self.score:.2f})"


class FeedFeedback(models.Model):
    """A member said "not interested": this entry (and, for an event, every session of its
    series) leaves their feed for good; similar ones (same kind and interest, same
    community) sink, now and in later fan-outs and rebuilds. Deleting the row undoes it."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="feed_feedback",
        verbose_name=_("member"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=FeedKind)
    object_id = models.PositiveBigIntegerField(_("object id"))
    interest_id = models.PositiveBigIntegerField(null=True, blank=True, verbose_name=_("interest"))
    community_id = models.PositiveBigIntegerField(
        null=True, blank=True, verbose_name=_("community")
    )
    series_key = models.CharField(_("event series"), max_length=40, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("when"))

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["member", "kind", "object_id"], name="feed_feedback_unique"
            )
        ]
        verbose_name = _("“not interested” mark")
        verbose_name_plural = _("“not interested” marks")

    def __str__(self) -> str:
        return f"{self.member_id} ✕ {self.kind}:{self.object_id}"


class FeedState(models.Model):
    """When a member last opened their feed and what it was built for.

    Fan-out skips members not seen for ``FEED_INACTIVE_DAYS``; their feed is rebuilt on
    their next visit, as it is when their interests or home branch changed (``signature``).
    """

    member = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="feed_state",
        verbose_name=_("member"),
    )
    last_seen = models.DateTimeField(
        null=True, blank=True, db_index=True, verbose_name=_("last visit")
    )
    built_at = models.DateTimeField(null=True, blank=True, verbose_name=_("built"))
    signature = models.CharField(max_length=64, blank=True, verbose_name=_("signature"))

    class Meta:
        verbose_name = _("feed state")
        verbose_name_plural = _("feed states")

    def __str__(self) -> str:
        return f"{self.member_id}: {self.built_at}"


class FeedCount(models.Model):
    """An upper bound of the entries in a member's feed (database feed store), so that the
    cap is enforced without counting rows on every fan-out.

    Each write adds the rows it wrote (a re-score counts as one more, a removal is not
    subtracted); a trim or a rebuild sets it to the exact count. The store trims a member
    only when this passes ``FEED_MAX_ENTRIES`` plus a slack of 10 %, so trims are rare and
    batched (``feeds.store.database``).
    """

    member = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="feed_count",
        verbose_name=_("member"),
    )
    entries = models.PositiveIntegerField(default=0, verbose_name=_("number of entries"))

    class Meta:
        verbose_name = _("feed size")
        verbose_name_plural = _("feed sizes")

    def __str__(self) -> str:
        return f"{self.member_id}: ≤ {self.entries}"


class PushOutbox(models.Model):
    """A websocket push waiting to cross processes (``feeds.relay``).

    Only used with the in-memory channel layer, which cannot reach another process: the
    task worker writes here and the ASGI server's relay sends the message to its own
    layer. Rows are deleted by the relay after a couple of minutes.
    """

    origin = models.CharField(max_length=32, verbose_name=_("origin process"))
    groups = models.JSONField(verbose_name=_("groups"))
    message = models.JSONField(verbose_name=_("message"))
    created_at = models.DateTimeField(
        default=timezone.now, db_index=True, verbose_name=_("created")
    )

    class Meta:
        verbose_name = _("pending push")
        verbose_name_plural = _("pending pushes")

    def __str__(self) -> str:
        return f"{self.origin} → {len(self.groups)} groups"


class ItemNeighbour(models.Model):
    """One learned item-item similarity (feeds.recommendations.similarity): members who
    showed an interest in `item` also did in `neighbour`. The whole table is replaced by
    the daily training task; serving reads the rows of a member's recent items."""

    item = models.ForeignKey(
        "cms.CatalogueItem",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("catalogue item"),
    )
    neighbour = models.ForeignKey(
        "cms.CatalogueItem",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("similar item"),
    )
    score = models.FloatField(_("similarity"))
    members = models.PositiveIntegerField(_("members who share both"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["item", "neighbour"], name="item_neighbour_unique")
        ]
        verbose_name = _("similar item")
        verbose_name_plural = _("similar items")

    def __str__(self) -> str:
        return f"{self.item_id} ~ {self.neighbour_id} ({self.score:.3f})"


from feeds.fediverse.models import *  # noqa: E402, F403  (ActivityPub actors and followers)
from feeds.syndication.models import *  # noqa: E402, F403  (Facebook syndication)
