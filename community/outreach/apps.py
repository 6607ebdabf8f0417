from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutreachConfig(AppConfig):
    name = "community.outreach"
    label = "outreach"
    verbose_name = _("Outreach and consent")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from community.outreach import receivers  # noqa: F401  (connects the receivers)
