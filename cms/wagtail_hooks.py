"""Wagtail admin: branches and interests as snippets, grouped under one menu."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from cms.models import Branch, Interest


class InterestFilterSet(WagtailFilterSet):
    class Meta:
        model = Interest
        fields = ["parent"]


class InterestViewSet(SnippetViewSet):
    model = Interest
    icon = "tag"
    menu_label = _("Interests")
    list_display = ["name", "parent", "position"]
    list_filter = InterestFilterSet
    search_fields = ["name"]
    ordering = ["parent__position", "position", "name"]


class BranchViewSet(SnippetViewSet):
    model = Branch
    icon = "site"
    menu_label = _("Branches")
    list_display = ["name", "commune", "postcode", "code"]
    list_filter = ["commune"]
    search_fields = ["name", "commune"]


class NetworkViewSetGroup(SnippetViewSetGroup):
    items = (BranchViewSet, InterestViewSet)
    menu_icon = "site"
    menu_label = _("Network")
    menu_name = "network"


register_snippet(NetworkViewSetGroup)
