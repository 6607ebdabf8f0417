import re

from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from cms.models import Branch, Interest
from community.names import neutral_name

HANDLE_RE = r"^[A-Za-z0-9_-]{3,30}$"
handle_validator = RegexValidator(
    HANDLE_RE,
    _("3 to 30 characters: letters without accents, digits, “_” and “-” only."),
    code="invalid_handle",
)


def _handle_base(user: "User") -> str:
    """The handle a public name gives ("Cigale rêveuse 27" → ``cigale_reveuse_27``); never
    anything taken from the email address or the username."""
    base = re.sub(r"[^A-Za-z0-9_-]", "", slugify(user.display_name).replace("-", "_"))[:24]
    return base if len(base) >= 3 else (base + "_membre")[:24]


def unique_handle(user: "User") -> str:
    """A free handle derived from the public name (``lea_martin``, ``lea_martin2``…)."""
    base = _handle_base(user)
    others = User.objects.exclude(pk=user.pk) if user.pk else User.objects.all()
    taken = {
        h.lower()
        for h in others.filter(handle__istartswith=base).values_list("handle", flat=True)
        if h
    }
    candidate, n = base, 1
    while candidate.lower() in taken:
        n += 1
        candidate = f"{base}{n}"
    return candidate


class User(AbstractUser):
    """A person with an account: member, librarian or network admin (by group).

    Where they live is kept at commune level only (INSEE code, name and the commune's
    coordinates), never a street address.
    """

    email = models.EmailField(_("email address"), unique=True)
    display_name = models.CharField(
        _("public name"),
        max_length=80,
        blank=True,
        help_text=_(
            "Shown to everyone on posts, comments and the profile. A pseudonym is fine; "
            "never taken from the email address."
        ),
    )
    interests = models.ManyToManyField(
        Interest,
        through="FollowedInterest",
        related_name="followers",
        blank=True,
        verbose_name=_("interests"),
    )
    commune_insee = models.CharField(_("commune INSEE code"), max_length=5, blank=True)
    commune_name = models.CharField(_("commune"), max_length=120, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    home_branch = models.ForeignKey(
        Branch,
        verbose_name=_("home branch"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    onboarded_at = models.DateTimeField(_("onboarding completed"), null=True, blank=True)
    notify_by_email = models.BooleanField(
        _("also send my notifications by email"),
        default=False,
        help_text=_("Waitlist places, event reminders… are always shown on the site."),
    )

    # --- Public profile (community life)
    handle = models.CharField(
        _("handle"),
        max_length=30,
        null=True,
        blank=True,
        validators=[handle_validator],
        help_text=_("Your @handle: your profile address and how others mention you."),
    )
    bio = models.TextField(_("short bio"), max_length=500, blank=True)
    avatar = models.FileField(_("avatar"), upload_to="avatars/", max_length=200, blank=True)
    avatar_small = models.FileField(
        _("small avatar"), upload_to="avatars/", max_length=200, blank=True, editable=False
    )

    class ProfileVisibility(models.TextChoices):
        PUBLIC = "public", _("everyone")
        MEMBERS = "members", _("members of Affinités only")
        COMMUNITIES = "communities", _("members of my communities only")

    profile_visibility = models.CharField(
        _("who can see my profile"),
        max_length=20,
        choices=ProfileVisibility,
        default=ProfileVisibility.MEMBERS,
    )

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("handle"), name="user_handle_unique_ci"),
        ]

    def save(self, *args, **kwargs):
        # Every account has a public name from the start, never taken from its email; the
        # member keeps it or chooses their own during onboarding.
        added = []
        if not self.display_name.strip():
            self.display_name = neutral_name()
            added.append("display_name")
        if not self.handle:
            self.handle = unique_handle(self)
            added.append("handle")
        if added and kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], *added}
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return self.public_name

    @property
    def public_name(self) -> str:
        """What other people see: the name the member chose (see `community.names`)."""
        return self.display_name or str(_("Member"))

    @property
    def is_onboarded(self) -> bool:
        return self.onboarded_at is not None

    @property
    def has_location(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    @property
    def profile_url(self) -> str:
        from django.urls import reverse

        return reverse("community:member_profile", args=[self.handle]) if self.handle else ""


class FollowedInterest(models.Model):
    """A member follows an interest; `is_public` decides whether others see it on the profile."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="followed_interests", verbose_name=_("member")
    )
    interest = models.ForeignKey(
        Interest, on_delete=models.CASCADE, related_name="+", verbose_name=_("interest")
    )
    is_public = models.BooleanField(_("shown on profile"), default=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("followed since"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "interest"], name="followed_interest_unique")
        ]
        verbose_name = _("followed interest")
        verbose_name_plural = _("followed interests")

    def __str__(self) -> str:
        return f"{self.user} → {self.interest}"
