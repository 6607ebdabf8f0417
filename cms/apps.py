from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _site_from_site_url(sender, using="default", **kwargs) -> None:
    """After every `migrate`: the default Wagtail site takes SITE_URL's host and port."""
    from cms.links import sync_default_site

    sync_default_site(using=using)


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = _("Library network")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from cms import (
            links,  # noqa: F401  (registers the SITE_URL check, cms.W010)
            params,  # noqa: F401  (registers the <id:...> and <text:...> converters)
        )
        from cms.observability import request_id  # noqa: F401  (carries request ids into tasks)
        from cms.serving import checks  # noqa: F401  (registers the connection budget check)

        post_migrate.connect(_site_from_site_url, sender=self, dispatch_uid="cms.site_url")

        from cms.catalogue.cover_tasks import covers_after_import
        from cms.catalogue.signals import catalogue_items_written

        catalogue_items_written.connect(covers_after_import, dispatch_uid="cms.covers_after_import")
