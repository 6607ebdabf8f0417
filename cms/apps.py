from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = _("Library network")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from cms.serving import checks  # noqa: F401  (registers the connection budget check)
