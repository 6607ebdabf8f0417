"""Purchase suggestions: a member asks the médiathèques to acquire a title, others support it.

A suggestion moves through states set by librarians (received → accepted → ordered →
available, or refused with a reason); it becomes *available* by itself when an imported or
added catalogue record matches it (same ISBN, or same title and author once accents, case
and punctuation are set aside). A duplicate is merged into the suggestion it repeats: its
supporters move there.
"""

from __future__ import annotations

import re
import unicodedata

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def fold(text: str) -> str:
    """Lower case, no accents, no parenthesised notes, words separated by one space."""
    text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    text = re.sub(r"\([^)]*\)", " ", text.lower())
    return " ".join(re.findall(r"[a-z0-9]+", text))


def title_key(title: str) -> str:
    """« Le Petit Prince » and « petit prince » compare equal."""
    return re.sub(r"^(le|la|les|l|un|une|des|the|a|an) ", "", fold(title))[:300]


def same_author(suggested: str, catalogued: str) -> bool:
    """True when no author was given, or when the two share a name of 3 letters or more
    (« Saint-Exupéry » matches « Saint-Exupéry, Antoine de »)."""
    words = {w for w in fold(suggested).split() if len(w) >= 3}
    if not words:
        return True
    return bool(words & {w for w in fold(catalogued).split() if len(w) >= 3})


class PurchaseSuggestion(models.Model):
    class Status(models.TextChoices):
        RECEIVED = "received", _("received")
        ACCEPTED = "accepted", _("accepted")
        ORDERED = "ordered", _("ordered")
        AVAILABLE = "available", _("available")
        REFUSED = "refused", _("refused")
        MERGED = "merged", _("merged into another suggestion")

    OPEN = (Status.RECEIVED, Status.ACCEPTED, Status.ORDERED)

    title = models.CharField(_("title"), max_length=300)
    author = models.CharField(_("author"), max_length=200, blank=True)
    isbn = models.CharField(
        _("ISBN / EAN"), max_length=13, blank=True, db_index=True, help_text=_("13 digits.")
    )
    reason = models.TextField(_("why this title"), max_length=1000, blank=True)
    key = models.CharField(_("comparison key"), max_length=300, db_index=True, editable=False)
    suggested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("suggested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="purchase_suggestions",
    )
    interests = models.ManyToManyField(
        "cms.Interest", verbose_name=_("interests"), related_name="purchase_suggestions", blank=True
    )
    branches = models.ManyToManyField(
        "cms.Branch",
        verbose_name=_("branches"),
        related_name="purchase_suggestions",
        blank=True,
        help_text=_("The home médiathèques of those who suggested and supported it."),
    )
    status = models.CharField(
        _("state"), max_length=10, choices=Status, default=Status.RECEIVED, db_index=True
    )
    refusal_reason = models.CharField(_("reason for refusal"), max_length=300, blank=True)
    item = models.ForeignKey(
        "cms.CatalogueItem",
        verbose_name=_("catalogue item"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="purchase_suggestions",
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="duplicates",
    )
    created_at = models.DateTimeField(_("suggested"), auto_now_add=True)
    status_changed_at = models.DateTimeField(_("state changed"), null=True, blank=True)

    class Meta:
        verbose_name = _("purchase suggestion")
        verbose_name_plural = _("purchase suggestions")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.title} — {self.author}" if self.author else self.title

    def save(self, *args, **kwargs) -> None:
        self.key = title_key(self.title)
        super().save(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN


class SuggestionSupport(models.Model):
    """A member who wants the title too ("Moi aussi"); the one who suggested it included."""

    suggestion = models.ForeignKey(
        PurchaseSuggestion,
        verbose_name=_("purchase suggestion"),
        on_delete=models.CASCADE,
        related_name="supports",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="suggestion_supports",
    )
    created_at = models.DateTimeField(_("supported"), auto_now_add=True)

    class Meta:
        verbose_name = _("support of a suggestion")
        verbose_name_plural = _("supports of suggestions")
        constraints = [
            models.UniqueConstraint(fields=["suggestion", "user"], name="one_support_per_member")
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.suggestion}"
