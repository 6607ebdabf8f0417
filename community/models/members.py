from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from cms.models import Branch, Interest


class User(AbstractUser):
    """A person with an account: member, librarian or network admin (by group).

    Where they live is kept at commune level only (INSEE code, name and the commune's
    coordinates), never a street address.
    """

    email = models.EmailField(_("email address"), unique=True)
    display_name = models.CharField(_("display name"), max_length=80, blank=True)
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

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.public_name

    @property
    def public_name(self) -> str:
        return self.display_name or self.get_full_name() or self.email.split("@")[0]

    @property
    def is_onboarded(self) -> bool:
        return self.onboarded_at is not None

    @property
    def has_location(self) -> bool:
        return self.latitude is not None and self.longitude is not None


class FollowedInterest(models.Model):
    """A member follows an interest; `is_public` decides whether others see it on the profile."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="followed_interests")
    interest = models.ForeignKey(Interest, on_delete=models.CASCADE, related_name="+")
    is_public = models.BooleanField(_("shown on profile"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "interest"], name="followed_interest_unique")
        ]
        verbose_name = _("followed interest")
        verbose_name_plural = _("followed interests")

    def __str__(self) -> str:
        return f"{self.user} → {self.interest}"
