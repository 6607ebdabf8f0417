from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.models import Orderable
from wagtail.search import index

from cms.admin_forms import InterestModelForm
from cms.widgets import GroupedInterestSelect, InterestChooser


class DocumentType(models.TextChoices):
    BOOK = "livre", _("book")
    COMIC = "bd", _("comic (BD)")
    MANGA = "manga", _("manga")
    DVD = "dvd", _("DVD")
    CD = "cd", _("CD")
    VIDEO_GAME = "jeu_video", _("video game")
    DIGITAL = "numerique", _("digital resource")
    MAGAZINE = "revue", _("magazine")


class Audience(models.TextChoices):
    CHILDREN = "jeunesse", _("children")
    TEENS = "ado", _("teenagers")
    ADULTS = "adulte", _("adults")


class HoldingStatus(models.TextChoices):
    AVAILABLE = "disponible", _("available")
    ON_LOAN = "emprunte", _("on loan")
    ON_ORDER = "en_commande", _("on order")
    IN_REPAIR = "en_reparation", _("in repair")


class CatalogueItemQuerySet(models.QuerySet):
    def active(self) -> "CatalogueItemQuerySet":
        return self.filter(withdrawn=False)

    def available_at(self, branch) -> "CatalogueItemQuerySet":
        return self.filter(
            holdings__branch=branch, holdings__status=HoldingStatus.AVAILABLE
        ).distinct()


class CatalogueItem(index.Indexed, ClusterableModel):
    """A record of the collections, imported from the library system (upserted by record id)."""

    record_id = models.CharField(_("record id"), max_length=64, unique=True)
    title = models.CharField(_("title"), max_length=500)
    authors = models.CharField(
        _("authors"),
        max_length=500,
        blank=True,
        help_text=_("“Surname, First name”, several separated by “ ; ”."),
    )
    doc_type = models.CharField(
        _("type"), max_length=20, choices=DocumentType, default=DocumentType.BOOK
    )
    isbn = models.CharField(
        _("ISBN / EAN"),
        max_length=13,
        blank=True,
        db_index=True,
        help_text=_("Stored as 13 digits, without hyphens."),
    )
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    publisher = models.CharField(_("publisher"), max_length=255, blank=True)
    language = models.CharField(
        _("language"), max_length=3, blank=True, help_text=_("ISO 639-2 code, e.g. fre, eng.")
    )
    summary = models.TextField(_("summary"), blank=True)
    subjects = models.JSONField(_("subjects"), default=list, blank=True)
    audience = models.CharField(
        _("audience"), max_length=10, choices=Audience, default=Audience.ADULTS
    )
    interests = ParentalManyToManyField(
        "cms.Interest", verbose_name=_("interests"), related_name="catalogue_items", blank=True
    )
    cover = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("cover"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    cover_source_url = models.URLField(
        _("cover address in the library system"),
        max_length=500,
        blank=True,
        help_text=_(
            "Picture of the cover named by the record (MARC 856, Koha local cover), fetched "
            "and stored by the site."
        ),
    )
    cover_checked_at = models.DateTimeField(
        _("cover last looked for"), null=True, blank=True, editable=False
    )
    cover_outcome = models.CharField(
        _("outcome of the last cover search"), max_length=20, blank=True, editable=False
    )
    withdrawn = models.BooleanField(
        _("withdrawn"), default=False, help_text=_("No longer in the library system's export.")
    )
    source_hash = models.CharField(
        max_length=64, blank=True, editable=False, verbose_name=_("source record fingerprint")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated"))

    objects = CatalogueItemQuerySet.as_manager()

    base_form_class = InterestModelForm
    panels = [
        FieldPanel("title"),
        FieldPanel("authors"),
        MultiFieldPanel(
            [
                FieldPanel("record_id"),
                FieldPanel("doc_type"),
                FieldPanel("isbn"),
                FieldPanel("year"),
                FieldPanel("publisher"),
                FieldPanel("language"),
                FieldPanel("audience"),
            ],
            heading=_("Record"),
        ),
        FieldPanel("summary"),
        FieldPanel("subjects"),
        FieldPanel("interests", widget=InterestChooser),
        FieldPanel("cover"),
        FieldPanel("cover_source_url"),
        InlinePanel("holdings", label=_("Holdings")),
        FieldPanel("withdrawn"),
    ]
    # Not in Wagtail's index: the site search (search/) indexes the catalogue, and the admin
    # searches it in the database (cms/catalogue/admin_search.py).
    search_fields = []

    class Meta:
        ordering = ["title"]
        verbose_name = _("catalogue item")
        verbose_name_plural = _("catalogue items")
        indexes = [
            models.Index(fields=["doc_type", "year"]),
            models.Index(fields=["cover_checked_at"], name="cms_item_cover_checked"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def author_list(self) -> list[str]:
        return [a.strip() for a in self.authors.split(";") if a.strip()]

    @property
    def main_author(self) -> str:
        authors = self.author_list
        return authors[0] if authors else ""


class Holding(Orderable):
    """A copy of an item at a branch: its call number and whether it can be borrowed now."""

    item = ParentalKey(
        CatalogueItem, on_delete=models.CASCADE, related_name="holdings", verbose_name=_("item")
    )
    branch = models.ForeignKey(
        "cms.Branch", verbose_name=_("branch"), on_delete=models.CASCADE, related_name="holdings"
    )
    call_number = models.CharField(_("call number"), max_length=100, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=HoldingStatus, default=HoldingStatus.AVAILABLE
    )
    due_date = models.DateField(
        _("due back"),
        null=True,
        blank=True,
        help_text=_("When a copy on loan is due back, if the library system's export says."),
    )

    panels = [
        FieldPanel("branch"),
        FieldPanel("call_number"),
        FieldPanel("status"),
        FieldPanel("due_date"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("holding")
        verbose_name_plural = _("holdings")
        indexes = [models.Index(fields=["branch", "status"])]

    def __str__(self) -> str:
        return f"{self.item} @ {self.branch}"


class SubjectRule(models.Model):
    """Maps catalogue subjects (or a Dewey class) to an interest during imports."""

    class Match(models.TextChoices):
        SUBJECT_CONTAINS = "subject_contains", _("a subject contains")
        SUBJECT_EQUALS = "subject_equals", _("a subject is exactly")
        DEWEY_PREFIX = "dewey_prefix", _("the Dewey class starts with")

    match = models.CharField(_("when"), max_length=20, choices=Match)
    pattern = models.CharField(
        _("text or Dewey prefix"),
        max_length=120,
        help_text=_("Compared without accents or case, e.g. “science-fiction” or “84”."),
    )
    genre = models.CharField(
        _("and a subject contains"),
        max_length=120,
        blank=True,
        help_text=_("Optional second condition, e.g. Dewey 8 + “fantasy”."),
    )
    interest = models.ForeignKey(
        "cms.Interest", verbose_name=_("interest"), on_delete=models.CASCADE, related_name="+"
    )

    base_form_class = InterestModelForm
    panels = [
        FieldPanel("match"),
        FieldPanel("pattern"),
        FieldPanel("genre"),
        FieldPanel("interest", widget=GroupedInterestSelect),
    ]

    class Meta:
        ordering = ["interest__name", "pattern"]
        verbose_name = _("subject → interest rule")
        verbose_name_plural = _("subject → interest rules")

    def __str__(self) -> str:
        condition = f"{self.get_match_display()} « {self.pattern} »"
        if self.genre:
            condition += f" + « {self.genre} »"
        return f"{condition} → {self.interest}"
