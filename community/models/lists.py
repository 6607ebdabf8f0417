"""Members' reading lists: « À lire » (every member's default list) and their own named lists,
private or public. A public list has an address anyone can open; librarians can build a curated
list (a RecommendationPage) from one. The rows are the member's personal data: exported and
erased with the account (community.privacy.personal_data.OWNED_CONTAINERS).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReadingListQuerySet(models.QuerySet):
    def public(self) -> ReadingListQuerySet:
        return self.filter(public=True)

    def visible_to(self, user) -> ReadingListQuerySet:
        """Public lists, and the user's own."""
        if user is not None and user.is_authenticated:
            return self.filter(models.Q(public=True) | models.Q(owner=user))
        return self.public()


class ReadingList(models.Model):
    """A member's list of catalogue items."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="reading_lists",
        verbose_name=_("owner"),
    )
    name = models.CharField(_("name"), max_length=80)
    public = models.BooleanField(
        _("public"), default=False, help_text=_("Anyone with the address can see a public list.")
    )
    is_default = models.BooleanField(_("default list (“To read”)"), default=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    objects = ReadingListQuerySet.as_manager()

    class Meta:
        ordering = ["-is_default", "name", "pk"]
        verbose_name = _("member's list")
        verbose_name_plural = _("members' lists")
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="reading_list_unique_name"),
            models.UniqueConstraint(
                fields=["owner"],
                condition=models.Q(is_default=True),
                name="reading_list_one_default",
            ),
        ]
        indexes = [models.Index(fields=["public", "-updated_at"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("community:reading_list", args=[self.pk])


class ReadingListEntry(models.Model):
    """One catalogue item in one list, with the member's note."""

    reading_list = models.ForeignKey(
        ReadingList, on_delete=models.CASCADE, related_name="entries", verbose_name=_("list")
    )
    item = models.ForeignKey(
        "cms.CatalogueItem",
        on_delete=models.CASCADE,
        related_name="reading_list_entries",
        verbose_name=_("catalogue item"),
    )
    note = models.CharField(_("note"), max_length=280, blank=True)
    added_at = models.DateTimeField(_("added"), default=timezone.now)

    class Meta:
        ordering = ["-added_at", "-pk"]
        verbose_name = _("list entry")
        verbose_name_plural = _("list entries")
        constraints = [
            models.UniqueConstraint(
                fields=["reading_list", "item"], name="reading_list_entry_unique_item"
            )
        ]

    def __str__(self) -> str:
        return f"{self.reading_list_id}: {self.item_id}"
