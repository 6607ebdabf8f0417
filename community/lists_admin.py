"""The Wagtail admin screen « Listes publiques des membres »: the members' public lists, each
with « Créer une sélection depuis cette liste », which makes a draft curated list
(RecommendationPage) of its items and opens it in the page editor. Shown to the staff who
may add curated lists; private lists never appear here."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from cms.models import RecommendationIndexPage
from community.actions import lists as actions
from community.actions.errors import Refused
from community.lists import public_lists_with_counts

PAGE_SIZE = 50


def can_build_selections(user) -> bool:
    parent = RecommendationIndexPage.objects.first()
    return parent is not None and parent.permissions_for_user(user).can_add_subpage()


class PublicListsView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "community/admin/public_lists.html"
    header_icon = "list-ul"
    page_title = gettext_lazy("Members' public lists")

    def dispatch(self, request, *args, **kwargs):
        if not can_build_selections(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [{"url": "", "label": _("Members' public lists")}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = Paginator(public_lists_with_counts(), PAGE_SIZE).get_page(self.request.GET.get("p"))
        context.update(page_obj=page, lists=list(page.object_list))
        return context


@require_POST
def create_selection(request, list_id: int):
    try:
        page = actions.selection_from_list(request.user, list_id)
    except Refused as error:
        if error.status == 403:
            raise PermissionDenied from error
        if error.status == 404:
            raise Http404(error.message) from error
        messages.error(request, error.message)
        return redirect("members_public_lists")
    messages.success(
        request,
        _("Draft curated list “%(title)s” created: edit it, then publish.") % {"title": page.title},
    )
    return redirect("wagtailadmin_pages:edit", page.pk)


@hooks.register("register_admin_urls")
def register_public_lists_urls():
    return [
        path("listes-publiques/", PublicListsView.as_view(), name="members_public_lists"),
        path(
            "listes-publiques/<id:list_id>/selection/",
            create_selection,
            name="members_public_list_selection",
        ),
    ]


class SelectionsMenuItem(MenuItem):
    def is_shown(self, request):
        return can_build_selections(request.user)


@hooks.register("register_admin_menu_item")
def register_public_lists_menu_item():
    return SelectionsMenuItem(
        gettext_lazy("Members' lists"),
        reverse("members_public_lists"),
        name="members-public-lists",
        icon_name="list-ul",
        order=318,
    )
