"""A member's interactions with catalogue items: what the collection recommender learns from.

One row per thing a member did with an item (liked or said "ça m'intéresse" on a post that
shows it or on the item's page — then without a post —, clicked "Réserver"). Written by ``community.interactions`` after the commit of the
action, only for logged-in members; read in bulk by ``feeds.recommendations``.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Interaction(models.Model):
    """One member's interaction with one catalogue item, at a time."""

    class Kind(models.TextChoices):
        LIKE = "like", _("liked a post about it")
        INTERESTED = "interested", _("interested (on a post about it or on its page)")
        RESERVATION_CLICK = "reservation_click", _("clicked “Reserve”")

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="interactions",
        verbose_name=_("member"),
    )
    item = models.ForeignKey(
        "cms.CatalogueItem",
        on_delete=models.CASCADE,
        related_name="interactions",
        verbose_name=_("catalogue item"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    post = models.ForeignKey(
        "community.Post",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The post reacted to, for reactions."),
        verbose_name=_("post"),
    )
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["member", "-created_at"]),
            models.Index(fields=["item", "member"]),
            models.Index(fields=["created_at"]),
        ]
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")

    def __str__(self) -> str:
        return f"{self.member_id} {self.kind} {self.item_id}"
