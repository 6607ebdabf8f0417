from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AccessToken(models.Model):
    """A member's personal access token for the API (``Authorization: Bearer …``).

    Only a SHA-256 digest of the token is stored: the token itself is shown once, when it is
    created (``community.actions.tokens``). ``prefix`` (its first characters) lets the member
    recognise it in the list. A token reads its owner's data only; ``write`` also lets it
    change them (register for an event, follow an interest, mark notifications read).
    """

    class Scope(models.TextChoices):
        READ = "read", _("read only")
        WRITE = "write", _("read and write")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="access_tokens",
        verbose_name=_("member"),
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("start of the token"), max_length=16)
    digest = models.CharField(_("digest"), max_length=64, unique=True, editable=False)
    scope = models.CharField(_("scope"), max_length=5, choices=Scope, default=Scope.READ)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("personal access token")
        verbose_name_plural = _("personal access tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def can_write(self) -> bool:
        return self.scope == self.Scope.WRITE

    @property
    def api_rate_key(self) -> int:
        """The API's quotas count every request of one token together (cms/api/throttling)."""
        return self.pk
