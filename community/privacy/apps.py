from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    """Members' rights (export, deletion, consents), retention and the processing register."""

    name = "community.privacy"
    label = "privacy"
    verbose_name = _("Personal data")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from community.privacy import receivers  # noqa: F401  (connects the receivers)
