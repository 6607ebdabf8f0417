"""The Fediverse in the Wagtail admin.

- Reports › Remises Fédivers: every delivery (activity → server), its state, attempts and
  last error, filterable by state and by publication (the outbox row it belongs to, listed
  with the Facebook rows in Reports › Facebook et Fédivers); librarians and network admins
  see it, nobody edits it (the outbox writes it).
- Settings › Serveurs bloqués (Fédivers): network admins block a server; its accounts can no
  longer follow our actors, and its current followers are removed.
"""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views.generic import IndexView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permissions import register_permission_policy

from cms.panels import PUBLICATION_DESTINATIONS_HOOK, PublicationDestination
from feeds.fediverse.models import BlockedDomain, FediverseDelivery
from feeds.fediverse.outbox import enabled
from feeds.fediverse.panels import FediverseStatusPanel
from feeds.syndication.admin_hooks import ReadOnlyPolicy

register_permission_policy(FediverseDelivery, ReadOnlyPolicy(FediverseDelivery))


class DeliveryFilterSet(WagtailFilterSet):
    publication = django_filters.NumberFilter(
        label=_("Publication"), widget=forms.NumberInput(attrs={"min": 1})
    )

    class Meta:
        model = FediverseDelivery
        fields = ["state", "publication"]


class DeliveryIndexView(IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("actor", "publication")


class DeliveryViewSet(ModelViewSet):
    model = FediverseDelivery
    icon = "globe"
    menu_label = _("Fediverse deliveries")
    menu_name = "fedivers"
    menu_hook = "register_reports_menu_item"
    menu_order = 910
    inspect_view_enabled = True
    form_fields: list[str] = []
    filterset_class = DeliveryFilterSet
    index_view_class = DeliveryIndexView
    list_display = [
        Column("publication", label=_("Publication")),
        Column("actor", label=_("Actor")),
        Column("activity_id", label=_("Activity")),
        Column("inbox", label=_("Inbox")),
        Column("state", label=_("State"), accessor="get_state_display"),
        Column("attempts", label=_("Attempts")),
        Column("last_error", label=_("Last error")),
        DateColumn("created_at", label=_("Created")),
        DateColumn("sent_at", label=_("Sent")),
    ]
    search_fields = ["activity_id", "inbox"]
    ordering = ["-created_at"]


class BlockedDomainViewSet(ModelViewSet):
    model = BlockedDomain
    icon = "cross"
    menu_label = _("Blocked Fediverse servers")
    menu_name = "serveurs-bloques-fedivers"
    add_to_settings_menu = True
    form_fields = ["domain", "reason"]
    list_display = ["domain", "reason", DateColumn("created_at", label=_("Blocked"))]
    search_fields = ["domain"]


@hooks.register(PUBLICATION_DESTINATIONS_HOOK, order=10)
def fediverse_destination() -> PublicationDestination:
    """ "Publier aussi sur : Fédivers", offered while the Fediverse is on (FEDIVERSE_ENABLED)."""
    return PublicationDestination(
        "publish_on_fediverse",
        is_available=enabled,
        status_panel=FediverseStatusPanel(heading=_("Fediverse")),
    )


@hooks.register("register_admin_viewset")
def register_fediverse_report():
    return DeliveryViewSet("feeds_fediverse_report", url_prefix="reports/fedivers")


@hooks.register("register_admin_viewset")
def register_blocked_domains():
    return BlockedDomainViewSet("feeds_fediverse_blocked", url_prefix="serveurs-bloques")
