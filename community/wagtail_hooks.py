"""Wagtail admin: who belongs to which community (librarians see it, admins manage it)."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSet

from community.models import Membership


class MembershipViewSet(ModelViewSet):
    model = Membership
    icon = "group"
    menu_label = _("Memberships")
    menu_order = 300
    add_to_admin_menu = True
    list_display = ["user", "community", "role", "joined_at"]
    list_filter = ["community", "role"]
    search_fields = ["user__email", "user__display_name", "community__title"]
    form_fields = ["user", "community", "role"]
    inspect_view_enabled = True


@hooks.register("register_admin_viewset")
def register_membership_viewset():
    return MembershipViewSet("memberships")
