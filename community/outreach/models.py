"""Partners embedding the questionnaire, prospects, consent records and anonymous counts."""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel

HEX_COLOUR = RegexValidator(
    r"^#[0-9a-fA-F]{6}$",
    _("Enter a colour as # followed by six hexadecimal digits, e.g. #1d4ed8."),
    code="invalid_colour",
)


def parse_origin(line: str) -> str | None:
    """``scheme://host[:port]`` normalised (lower case, default port dropped), or None."""
    line = line.strip()
    try:
        parts = urlsplit(line)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        return None
    if "*" in line:
        return None
    host = parts.hostname.lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    default = {"http": 80, "https": 443}[parts.scheme]
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")


def validate_origins(value: str) -> None:
    bad = [line.strip() for line in value.splitlines() if line.strip()]
    bad = [line for line in bad if parse_origin(line) is None]
    if bad:
        raise ValidationError(
            _(
                "One origin per line, as scheme://host[:port] without a path or wildcard "
                "(e.g. https://www.ville.fr). Not valid: %(lines)s"
            ),
            params={"lines": ", ".join(bad)},
            code="invalid_origin",
        )


class Partner(models.Model):
    """A partner site (a city's online services portal…) that embeds the questionnaire."""

    slug = models.SlugField(
        _("slug"),
        max_length=60,
        unique=True,
        help_text=_("Used in the script tag, as its data-partner attribute."),
    )
    name = models.CharField(_("name"), max_length=150)
    allowed_origins = models.TextField(
        _("allowed origins"),
        validators=[validate_origins],
        help_text=_(
            "The web addresses allowed to show the questionnaire, one per line, e.g. "
            "https://www.ville.fr (scheme, host and port only). Requests from any other "
            "site are refused."
        ),
    )
    primary_colour = models.CharField(
        _("primary colour"), max_length=7, default="#1d4ed8", validators=[HEX_COLOUR]
    )
    secondary_colour = models.CharField(
        _("secondary colour"), max_length=7, default="#f1f5f9", validators=[HEX_COLOUR]
    )
    delay_seconds = models.PositiveIntegerField(
        _("delay before opening (seconds)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(3600)],
        help_text=_(
            "Leave empty to only show a button; otherwise the questionnaire opens by "
            "itself after this many seconds (once per page)."
        ),
    )
    branches = models.ManyToManyField(
        "cms.Branch",
        verbose_name=_("branches"),
        related_name="partners",
        blank=True,
        help_text=_("Médiathèques proposed to this partner's visitors (empty: all)."),
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))

    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldPanel("allowed_origins"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("primary_colour"), FieldPanel("secondary_colour")]),
                FieldPanel("delay_seconds"),
            ],
            heading=_("Appearance"),
        ),
        FieldPanel("branches"),
        FieldPanel("active"),
    ]

    class Meta:
        ordering = ["name"]
        verbose_name = _("partner site")
        verbose_name_plural = _("partner sites")

    def __str__(self) -> str:
        return self.name

    @property
    def origins(self) -> list[str]:
        found = (parse_origin(line) for line in self.allowed_origins.splitlines())
        return [o for o in found if o]

    def allows(self, origin: str | None) -> bool:
        return bool(origin) and parse_origin(origin) in self.origins


class Purpose(models.TextChoices):
    """What a person may consent to; each is a separate, unticked box."""

    SUGGESTIONS_EMAIL = "suggestions_email", _("Suggestions by email")
    RECONTACT = "recontact", _("Being contacted again by the library")
    DIGEST = "digest", _("Weekly selection by email")


class Prospect(models.Model):
    """Someone who answered the questionnaire and consented to be contacted; not a member."""

    email = models.EmailField(_("email address"))
    interests = models.ManyToManyField(
        "cms.Interest", verbose_name=_("interests"), related_name="+", blank=True
    )
    commune_insee = models.CharField(_("commune INSEE code"), max_length=5, blank=True)
    commune_name = models.CharField(_("commune"), max_length=120, blank=True)
    nearest_branch = models.ForeignKey(
        "cms.Branch",
        verbose_name=_("nearest branch"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    partner = models.ForeignKey(
        Partner,
        verbose_name=_("partner site"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="prospects",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_contact_at = models.DateTimeField(_("last contact"))
    # Deleting the account deletes the prospect it absorbed (and its consents): no row keeps
    # the address of a deleted member.
    merged_into = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("merged into account"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    merged_at = models.DateTimeField(_("merged"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("prospect")
        verbose_name_plural = _("prospects")
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                condition=models.Q(merged_into__isnull=True, merged_at__isnull=True),
                name="prospect_unique_open_email",
            )
        ]

    def __str__(self) -> str:
        return self.email


def text_version(text: str) -> str:
    """The version of a consent text: the SHA-256 of its exact wording."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class ConsentRecord(models.Model):
    """Proof of one consent: who agreed to what, the exact text shown, when, from where."""

    purpose = models.CharField(_("purpose"), max_length=30, choices=Purpose)
    text = models.TextField(_("text shown"))
    version = models.CharField(_("text version (SHA-256)"), max_length=64, editable=False)
    given_at = models.DateTimeField(_("given"))
    # Double opt-in: a consent given for an email address (the partner questionnaire) is
    # pending until the address's owner follows the link sent there; it is in force only
    # once confirmed. A member's own consent, given while logged in, is confirmed at once.
    confirmed_at = models.DateTimeField(
        _("confirmed"),
        null=True,
        blank=True,
        help_text=_("When the owner of the address confirmed it (empty: awaiting confirmation)."),
    )
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    source = models.CharField(
        _("source"), max_length=200, help_text=_("Partner slug, or the page where it was given.")
    )
    ip_prefix = models.GenericIPAddressField(
        _("truncated IP address"),
        null=True,
        blank=True,
        help_text=_("IPv4 truncated to /24, IPv6 to /48."),
    )
    prospect = models.ForeignKey(
        Prospect,
        verbose_name=_("prospect"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="consents",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="consents",
    )
    parental = models.BooleanField(
        _("given with a parent"),
        default=False,
        help_text=_("The person is under 15 and a parent consented with them."),
    )

    class Meta:
        ordering = ["-given_at", "-pk"]
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        indexes = [models.Index(fields=["purpose", "withdrawn_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(prospect__isnull=False) | models.Q(user__isnull=False),
                name="consent_has_a_person",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} ({self.given_at:%Y-%m-%d})"

    def save(self, *args, **kwargs) -> None:
        self.version = text_version(self.text)
        super().save(*args, **kwargs)

    @property
    def is_active(self) -> bool:
        """In force: confirmed by the address's owner and not withdrawn."""
        return self.confirmed_at is not None and self.withdrawn_at is None

    @property
    def is_pending(self) -> bool:
        return self.confirmed_at is None and self.withdrawn_at is None

    @property
    def email(self) -> str:
        if self.user_id:
            return self.user.email
        return self.prospect.email if self.prospect_id else ""


class AnswerCount(models.Model):
    """Anonymous aggregate: how many questionnaires chose an interest, per day/partner/branch.

    Nothing here identifies a person; it is all that is kept of an answer without consent.
    """

    day = models.DateField(_("day"))
    partner = models.ForeignKey(
        Partner, verbose_name=_("partner site"), on_delete=models.CASCADE, related_name="+"
    )
    interest = models.ForeignKey(
        "cms.Interest", verbose_name=_("interest"), on_delete=models.CASCADE, related_name="+"
    )
    branch = models.ForeignKey(
        "cms.Branch", verbose_name=_("nearest branch"), on_delete=models.CASCADE, related_name="+"
    )
    answers = models.PositiveIntegerField(_("answers"), default=0)

    class Meta:
        ordering = ["-day"]
        verbose_name = _("questionnaire count")
        verbose_name_plural = _("questionnaire counts")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "partner", "interest", "branch"], name="answer_count_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.partner_id}/{self.interest_id}/{self.branch_id}: {self.answers}"


class SpentFormToken(models.Model):
    """A token already used: a questionnaire form token submits one answer, a confirmation
    link confirms once.

    Kept in the database (not the cache) so that every server process refuses a replay;
    rows older than the token's own lifetime are purged by the retention sweep.
    """

    digest = models.CharField(_("token digest (SHA-256)"), max_length=64, unique=True)
    spent_at = models.DateTimeField(_("used"), db_index=True)

    class Meta:
        verbose_name = _("spent questionnaire token")
        verbose_name_plural = _("spent questionnaire tokens")

    def __str__(self) -> str:
        return self.digest[:12]
