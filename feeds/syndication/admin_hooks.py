"""Wagtail admin for Facebook syndication. Imported by ``feeds/wagtail_hooks.py``.

- Reports › Facebook et Fédivers: every outbox row of both destinations, filterable by
  destination, status, action and date (librarians and admins: ``feeds.view_syndication``;
  nobody edits rows by hand; retry and cancel are actions of the row);
- Settings › Facebook interests: the interest → Facebook interest id mapping (admins);
- Settings › Facebook Page connection: the site setting (registered by the model);
- a banner on every admin page while the connection is broken;
- URLs: retry, Page picker (Facebook login), targeting and campaigns.
"""

from __future__ import annotations

import django_filters
from django.db.models import Count
from django.templatetags.static import static
from django.urls import include, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.ui.tables import Column, DateColumn, TitleColumn
from wagtail.admin.views.generic import IndexView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from cms.panels import PUBLICATION_DESTINATIONS_HOOK, PublicationDestination

from . import views
from .models import FacebookConnection, FacebookInterest, Syndication
from .panels import SyndicationStatusPanel


class ReadOnlyPolicy(ModelPermissionPolicy):
    """Rows are written by the outbox only: view (with the permission), never edit."""

    def user_has_permission(self, user, action):
        if action in ("add", "change", "delete"):
            return False
        return super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)


register_permission_policy(Syndication, ReadOnlyPolicy(Syndication))


class SyndicationFilterSet(WagtailFilterSet):
    created_at = django_filters.DateFromToRangeFilter(label=_("Date"), widget=DateRangePickerWidget)

    class Meta:
        model = Syndication
        fields = ["destination", "status", "action", "created_at"]


class PostLinkColumn(Column):
    """The Facebook post, or the deliveries of a Fediverse publication (one per server)."""

    cell_template_name = "feeds/syndication/post_link_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        if instance.destination == Syndication.Destination.FEDIVERSE and instance.delivery_count:
            index = reverse("feeds_fediverse_report:index")
            context["deliveries_url"] = f"{index}?publication={instance.pk}"
        return context


class RowActionsColumn(Column):
    """Retry (failed, or partly delivered) and cancel (not gone out yet) as small forms."""

    cell_template_name = "feeds/syndication/row_actions_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        from .destinations import can_cancel, can_retry

        context = super().get_cell_context_data(instance, parent_context)
        request = parent_context.get("request")
        allowed = request is not None and views.can_retry(request.user, instance)
        context.update(
            can_retry=allowed and can_retry(instance),
            can_cancel=allowed and can_cancel(instance),
            next_url=request.get_full_path() if request is not None else "",
        )
        return context


def _page_edit_url(row: Syndication) -> str | None:
    if row.page_id:
        return reverse("wagtailadmin_pages:edit", args=[row.page_id])
    return None


class SyndicationIndexView(IndexView):
    """Fediverse rows show how many servers their deliveries went to (one query)."""

    def get_base_queryset(self):
        return super().get_base_queryset().annotate(delivery_count=Count("deliveries"))


class SyndicationViewSet(ModelViewSet):
    model = Syndication
    icon = "globe"
    menu_label = _("Facebook and Fediverse")
    menu_name = "publications"
    menu_hook = "register_reports_menu_item"
    menu_order = 900
    inspect_view_enabled = True
    form_fields: list[str] = []  # never used: the policy allows no add/change/delete
    filterset_class = SyndicationFilterSet
    list_display = [
        TitleColumn("page_title", label=_("Page"), get_url=_page_edit_url),
        Column("destination", label=_("Destination"), accessor="get_destination_display"),
        Column("action", label=_("Action"), accessor="get_action_display"),
        Column("status", label=_("Status"), accessor="get_status_display"),
        Column("reason", label=_("Reason")),
        DateColumn("created_at", label=_("Created")),
        DateColumn("sent_at", label=_("Sent")),
        PostLinkColumn("post_id", label=_("Post or deliveries")),
        RowActionsColumn("actions", label=_("Actions")),
    ]
    list_export = [
        "id",
        "page_title",
        "page_pk",
        "destination",
        "action",
        "status",
        "post_id",
        "attempts",
        "problem",
        "error_code",
        "error_subcode",
        "fbtrace_id",
        "created_at",
        "sent_at",
    ]
    export_filename = "publications-facebook-fedivers"
    search_fields = ["page_title", "post_id"]
    index_view_class = SyndicationIndexView
    inspect_view_fields = [
        "page_title",
        "destination",
        "action",
        "status",
        "post_id",
        "message",
        "link",
        "image_url",
        "attempts",
        "next_attempt_at",
        "problem",
        "error_code",
        "error_subcode",
        "error_message",
        "fbtrace_id",
        "created_at",
        "sent_at",
    ]


class FacebookInterestViewSet(SnippetViewSet):
    model = FacebookInterest
    icon = "tag"
    menu_label = _("Facebook interests")
    add_to_settings_menu = True
    list_display = ["interest", "name", "facebook_id"]
    list_filter = ["interest"]
    search_fields = ["name", "facebook_id"]


register_snippet(FacebookInterestViewSet)


@hooks.register("register_admin_viewset")
def register_syndication_report():
    return SyndicationViewSet("feeds_syndication_report", url_prefix="reports/publications")


@hooks.register(PUBLICATION_DESTINATIONS_HOOK, order=0)
def facebook_destination() -> PublicationDestination:
    """ "Publier aussi sur : Facebook", offered once the network's Page is connected."""
    return PublicationDestination(
        "publish_on_facebook",
        is_available=lambda: FacebookConnection.load().is_configured,
        status_panel=SyndicationStatusPanel(heading=_("Facebook")),
    )


@hooks.register("register_admin_urls")
def register_syndication_urls():
    urls = [
        path("retry/<id:pk>/", views.retry_view, name="retry"),
        path("cancel/<id:pk>/", views.cancel_view, name="cancel"),
        path("pages/", views.connect_pages, name="connect_pages"),
        path("targeting/<id:page_id>/", views.targeting_view, name="targeting"),
        path("banner/", views.banner_view, name="banner"),
    ]
    return [path("facebook/", include((urls, "feeds_syndication"), namespace="feeds_syndication"))]


@hooks.register("insert_global_admin_js")
def broken_connection_banner():
    """While the connection is broken, every admin page loads the banner from an admin URL
    (so that nothing shows on the login page), and shows it at the top of the page."""
    if not FacebookConnection.load().broken:
        return ""
    return format_html(
        '<script src="{}" data-banner-url="{}" defer></script>',
        static("js/facebook-banner.js"),
        reverse("feeds_syndication:banner"),
    )
