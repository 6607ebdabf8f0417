from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    name = "community"
    verbose_name = _("Community")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from community import (
            context_processors,  # noqa: F401  (forgets the cached navigation on publish)
            interactions,  # noqa: F401  (records members' interactions)
            receivers,  # noqa: F401  (connects the receivers)
        )
