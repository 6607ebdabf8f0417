from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.search import index

# The staff groups (community.roles uses these names too).
LIBRARIANS_GROUP = "Bibliothécaires"
NETWORK_ADMINS_GROUP = "Administrateurs réseau"


class Branch(index.Indexed, models.Model):
    """A médiathèque of the network: where it is, how to reach it, how to sign up."""

    name = models.CharField(_("name"), max_length=150)
    slug = models.SlugField(_("slug"), max_length=150, unique=True, blank=True)
    code = models.CharField(
        _("library system code"),
        max_length=20,
        blank=True,
        help_text=_("Branch code used by the library system (holdings), e.g. ALC."),
    )
    address = models.CharField(_("street address"), max_length=255)
    postcode = models.CharField(
        _("postcode"), max_length=5, validators=[RegexValidator(r"^\d{5}$")]
    )
    commune = models.CharField(_("commune"), max_length=120)
    insee = models.CharField(_("INSEE code"), max_length=5, blank=True)
    latitude = models.FloatField(
        _("latitude"), validators=[MinValueValidator(-90), MaxValueValidator(90)]
    )
    longitude = models.FloatField(
        _("longitude"), validators=[MinValueValidator(-180), MaxValueValidator(180)]
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("email"), blank=True)
    website = models.URLField(_("website"), blank=True)
    card_signup_url = models.URLField(
        _("card sign-up link"),
        blank=True,
        help_text=_("Where people sign up for a library card online."),
    )
    # The staff of the branch: they see the attendee lists of its events (names, emails).
    # A librarian may work for several branches; network admins see every branch's.
    librarians = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("librarians"),
        related_name="staffed_branches",
        blank=True,
        limit_choices_to={"groups__name": LIBRARIANS_GROUP},
        help_text=_(
            "Members of the group Bibliothécaires who work for this médiathèque: they see "
            "the registrations of its events."
        ),
    )

    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldPanel("code"),
        MultiFieldPanel(
            [
                FieldPanel("address"),
                FieldPanel("postcode"),
                FieldPanel("commune"),
                FieldPanel("insee"),
                FieldPanel("latitude"),
                FieldPanel("longitude"),
            ],
            heading=_("Location"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("phone"),
                FieldPanel("email"),
                FieldPanel("website"),
                FieldPanel("card_signup_url"),
            ],
            heading=_("Contact"),
        ),
        FieldPanel("librarians", widget=forms.CheckboxSelectMultiple),
    ]
    search_fields = [
        index.SearchField("name"),
        index.SearchField("commune"),
        index.AutocompleteField("name"),
        index.FilterField("postcode"),
    ]

    class Meta:
        ordering = ["name"]
        verbose_name = _("branch")
        verbose_name_plural = _("branches")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if not self.slug:
            self.slug = slugify(self.name)[:150]
        super().save(*args, **kwargs)

    @property
    def osm_url(self) -> str:
        lat, lon = f"{self.latitude:.5f}", f"{self.longitude:.5f}"
        return f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=17/{lat}/{lon}"
