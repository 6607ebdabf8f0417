from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedsConfig(AppConfig):
    name = "feeds"
    verbose_name = _("Feeds")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from cms.observability.metrics import register_state_collector
        from feeds import ops_metrics, receivers  # noqa: F401  (connect them)
        from feeds.fediverse import receivers as fediverse_receivers  # noqa: F401
        from feeds.syndication import receivers as syndication_receivers  # noqa: F401

        register_state_collector(ops_metrics.fan_out_metrics)
        register_state_collector(ops_metrics.facebook_outbox_metrics)
