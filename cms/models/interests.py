from django.core.exceptions import ValidationError
from django.db import models
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.search import index


class InterestQuerySet(models.QuerySet):
    def top_level(self) -> "InterestQuerySet":
        return self.filter(parent__isnull=True)

    def with_family(self, interests) -> "InterestQuerySet":
        """The given interests plus their parents and children (taxonomy-aware matching)."""
        ids = {i.pk if isinstance(i, Interest) else int(i) for i in interests}
        return self.filter(
            models.Q(pk__in=ids) | models.Q(parent_id__in=ids) | models.Q(children__in=ids)
        ).distinct()


class Interest(index.Indexed, models.Model):
    """A node of the two-level interest taxonomy (Imaginaire › Science-fiction).

    The pivot of everything: members follow interests, content and communities are tagged
    with them, catalogue subjects map onto them.
    """

    name = models.CharField(_("name"), max_length=80)
    slug = models.SlugField(_("slug"), max_length=80, unique=True, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent interest"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        help_text=_("Leave empty for a top-level interest. The taxonomy has two levels."),
    )
    description = models.CharField(_("description"), max_length=255, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    objects = InterestQuerySet.as_manager()

    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldPanel("parent"),
        FieldPanel("description"),
        FieldPanel("position"),
    ]
    search_fields = [
        index.SearchField("name"),
        index.AutocompleteField("name"),
        index.FilterField("parent_id"),
    ]

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("interest")
        verbose_name_plural = _("interests")
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "name"], name="interest_unique_name_per_parent"
            )
        ]

    def __str__(self) -> str:
        return self.label

    def save(self, *args, **kwargs) -> None:
        if not self.slug:
            self.slug = slugify(self.name)[:80]
        super().save(*args, **kwargs)

    @property
    def label(self) -> str:
        """ "Imaginaire › Science-fiction" for a child, the name alone for a top-level one."""
        if self.parent_id:
            return f"{self.parent.name} › {self.name}"
        return self.name

    def clean(self) -> None:
        if self.parent_id:
            if self.parent_id == self.pk:
                raise ValidationError({"parent": _("An interest cannot be its own parent.")})
            if self.parent.parent_id:
                raise ValidationError(
                    {"parent": _("The taxonomy has two levels: choose a top-level parent.")}
                )
            if self.pk and self.children.exists():
                raise ValidationError(
                    {"parent": _("This interest has sub-interests, so it must stay top-level.")}
                )
