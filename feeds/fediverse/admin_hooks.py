"""The Fediverse in the Wagtail admin.

- Reports › Fédivers: every delivery (activity → server), its state, attempts and last error;
  librarians and network admins see it, nobody edits it (the outbox writes it).
- Settings › Serveurs bloqués (Fédivers): network admins block a server; its accounts can no
  longer follow our actors, and its current followers are removed.
"""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permissions import register_permission_policy

from feeds.fediverse.models import BlockedDomain, FediverseDelivery
from feeds.syndication.admin_hooks import ReadOnlyPolicy

register_permission_policy(FediverseDelivery, ReadOnlyPolicy(FediverseDelivery))


class DeliveryViewSet(ModelViewSet):
    model = FediverseDelivery
    icon = "globe"
    menu_label = _("Fediverse")
    menu_name = "fedivers"
    menu_hook = "register_reports_menu_item"
    menu_order = 910
    inspect_view_enabled = True
    form_fields: list[str] = []
    list_filter = ["state"]
    list_display = [
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


@hooks.register("register_admin_viewset")
def register_fediverse_report():
    return DeliveryViewSet("feeds_fediverse_report", url_prefix="reports/fedivers")


@hooks.register("register_admin_viewset")
def register_blocked_domains():
    return BlockedDomainViewSet("feeds_fediverse_blocked", url_prefix="serveurs-bloques")
