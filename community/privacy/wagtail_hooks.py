"""Wagtail admin, for network admins (Settings menu, beside the network settings):

- Settings › Register of processing (``/admin/donnees-personnelles/registre/``): every
  processing of personal data, from ``community/privacy/register.py``;
- Settings › Purge log (``/admin/donnees-personnelles/purges/``): each run of the daily
  retention sweep, with its counts (never people).
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from community import roles
from community.privacy import register
from community.privacy.models import PurgeLog
from community.privacy.retention import last_run


class NetworkAdminOnlyMixin:
    def dispatch(self, request, *args, **kwargs):
        if not roles.is_network_admin(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class ProcessingRegisterView(NetworkAdminOnlyMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "privacy/admin/register.html"
    header_icon = "doc-full"
    page_title = gettext_lazy("Register of processing")

    def get_breadcrumbs_items(self):
        return [{"url": "", "label": _("Register of processing")}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            processings=register.processings(),
            network_name=settings.AFFINITES_NETWORK_NAME,
            purge_log_url=reverse("privacy_purge_log"),
        )
        return context


class PurgeLogView(NetworkAdminOnlyMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "privacy/admin/purge_log.html"
    header_icon = "history"
    page_title = gettext_lazy("Purge log")

    def get_breadcrumbs_items(self):
        return [
            {"url": reverse("privacy_register"), "label": _("Register of processing")},
            {"url": "", "label": _("Purge log")},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page_obj = Paginator(PurgeLog.objects.all(), 50).get_page(self.request.GET.get("p"))
        context.update(
            page_obj=page_obj,
            entries=page_obj.object_list,
            last_run=last_run(),
            prospect_days=settings.PROSPECT_RETENTION_DAYS,
            inactivity_days=settings.ACCOUNT_INACTIVITY_DAYS,
            grace_days=settings.ACCOUNT_INACTIVITY_GRACE_DAYS,
        )
        return context


@hooks.register("register_admin_urls")
def register_privacy_admin_urls():
    return [
        path(
            "donnees-personnelles/registre/",
            ProcessingRegisterView.as_view(),
            name="privacy_register",
        ),
        path("donnees-personnelles/purges/", PurgeLogView.as_view(), name="privacy_purge_log"),
    ]


class NetworkAdminMenuItem(MenuItem):
    def is_shown(self, request):
        return roles.is_network_admin(request.user)


@hooks.register("register_settings_menu_item")
def register_processing_register_menu_item():
    return NetworkAdminMenuItem(
        gettext_lazy("Register of processing"),
        reverse("privacy_register"),
        name="privacy-register",
        icon_name="doc-full",
        order=900,
    )


@hooks.register("register_settings_menu_item")
def register_purge_log_menu_item():
    return NetworkAdminMenuItem(
        gettext_lazy("Purge log"),
        reverse("privacy_purge_log"),
        name="privacy-purge-log",
        icon_name="history",
        order=901,
    )
