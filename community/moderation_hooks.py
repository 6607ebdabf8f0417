"""Wagtail admin: the moderation queue of every community, for librarians and network admins.

Imported at the end of ``community/wagtail_hooks.py`` (``from community import
moderation_hooks  # noqa``). Community moderators who are not library staff never reach the
admin: they use the same queue on the site, ``/communautes/<id>/moderation/``.

- Moderation › Queue (``/admin/moderation/``): open reports across the network, posts and
  comments waiting for approval, sanctions in force, hidden posts; one form per item.
- Moderation › Log (``/admin/moderation/journal/``): every action, who, when, why.
- Settings › Moderation settings: the word list (``ModerationSettings``).
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from community import roles
from community.actions import moderation as actions
from community.actions.errors import Refused
from community.post_forms import ModerationForm
from community.views.moderation import perform, queue_context


class StaffOnlyMixin:
    def dispatch(self, request, *args, **kwargs):
        if not roles.is_library_staff(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class ModerationQueueView(StaffOnlyMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "community/moderation/admin_queue.html"
    header_icon = "warning"
    page_title = gettext_lazy("Moderation")

    def get_breadcrumbs_items(self):
        return [{"url": "", "label": _("Moderation")}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(queue_context(self.request.user, None))
        context.update(
            action_url=reverse("community_moderation_act"),
            log_url=reverse("community_moderation_log"),
            show_community=True,
            next=reverse("community_moderation_queue"),
        )
        return context


class ModerationLogView(StaffOnlyMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "community/moderation/admin_log.html"
    header_icon = "history"
    page_title = gettext_lazy("Moderation log")

    def get_breadcrumbs_items(self):
        return [
            {"url": reverse("community_moderation_queue"), "label": _("Moderation")},
            {"url": "", "label": _("Log")},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page_obj = Paginator(actions.log_for(self.request.user), 50).get_page(
            self.request.GET.get("p")
        )
        context.update(page_obj=page_obj, entries=page_obj.object_list)
        return context


class ModerationActView(StaffOnlyMixin, View):
    http_method_names = ["post"]

    def post(self, request):
        form = ModerationForm(request.POST)
        queue_url = reverse("community_moderation_queue")
        if not form.is_valid():
            messages.error(request, _("This decision could not be understood: please try again."))
            return redirect(queue_url)
        try:
            messages.success(request, perform(request.user, form.cleaned_data, None))
        except Refused as error:
            messages.error(request, error.message)
        return redirect(queue_url)


@hooks.register("register_admin_urls")
def register_moderation_urls():
    return [
        path("moderation/", ModerationQueueView.as_view(), name="community_moderation_queue"),
        path("moderation/agir/", ModerationActView.as_view(), name="community_moderation_act"),
        path("moderation/journal/", ModerationLogView.as_view(), name="community_moderation_log"),
    ]


class StaffMenuItem(MenuItem):
    def is_shown(self, request):
        return roles.is_library_staff(request.user)


@hooks.register("register_admin_menu_item")
def register_moderation_menu_item():
    return StaffMenuItem(
        gettext_lazy("Moderation"),
        reverse("community_moderation_queue"),
        name="community-moderation",
        icon_name="warning",
        order=310,
    )
