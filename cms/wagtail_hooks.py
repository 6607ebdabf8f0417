"""Wagtail admin: the network (branches, interests, services, subject rules) and the catalogue.

* "Network" group: branches, interests, services, subject → interest rules (snippets);
* "Catalogue" group: catalogue items (snippets, with filters) and "Import the catalogue"
  (an upload view, shown to users with the cms.add_catalogueitem permission).
"""

import django_filters
from django.templatetags.static import static
from django.urls import path
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.base import ViewSet
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from cms.catalogue.admin_search import CatalogueChooserViewSet, CatalogueItemIndexView
from cms.catalogue.views import IMPORT_PERMISSION, CatalogueImportView
from cms.models import (
    Audience,
    Branch,
    CatalogueItem,
    DocumentType,
    Interest,
    Service,
    SubjectRule,
)


class InterestFilterSet(WagtailFilterSet):
    class Meta:
        model = Interest
        fields = ["parent"]


class InterestViewSet(SnippetViewSet):
    model = Interest
    icon = "tag"
    menu_label = _("Interests")
    list_display = ["name", "parent", "position"]
    filterset_class = InterestFilterSet  # (list_filter takes field names, not a FilterSet)
    search_fields = ["name"]
    # Searched with the ORM: a search backend cannot sort by the parent's position (a 500
    # on any search of this listing).
    search_backend_name = None
    ordering = ["parent__position", "position", "name"]


class BranchViewSet(SnippetViewSet):
    model = Branch
    icon = "site"
    menu_label = _("Branches")
    list_display = ["name", "commune", "postcode", "code"]
    list_filter = ["commune"]
    search_fields = ["name", "commune"]
    # Searched with the ORM: a search backend cannot combine a search with the commune
    # filter (a 500 when both are used).
    search_backend_name = None


class ServiceViewSet(SnippetViewSet):
    model = Service
    icon = "cogs"
    menu_label = _("Services")
    list_display = ["name", "description"]
    search_fields = ["name"]


class SubjectRuleViewSet(SnippetViewSet):
    model = SubjectRule
    icon = "list-ul"
    menu_label = _("Subject rules")
    list_display = ["interest", "match", "pattern", "genre"]
    list_filter = ["match", "interest"]
    search_fields = ["pattern", "genre"]


class NetworkViewSetGroup(SnippetViewSetGroup):
    items = (BranchViewSet, InterestViewSet, ServiceViewSet, SubjectRuleViewSet)
    menu_icon = "site"
    menu_label = _("Network")
    menu_name = "network"


def _languages():
    codes = (
        CatalogueItem.objects.exclude(language="")
        .order_by("language")
        .values_list("language", flat=True)
        .distinct()
    )
    return [(code, code) for code in codes]


class CatalogueItemFilterSet(WagtailFilterSet):
    doc_type = django_filters.ChoiceFilter(label=_("Type"), choices=DocumentType.choices)
    audience = django_filters.ChoiceFilter(label=_("Audience"), choices=Audience.choices)
    language = django_filters.ChoiceFilter(label=_("Language"), choices=_languages)
    withdrawn = django_filters.BooleanFilter(label=_("Withdrawn"))
    interests = django_filters.ModelChoiceFilter(
        label=_("Interest"), queryset=Interest.objects.all(), distinct=True
    )
    branch = django_filters.ModelChoiceFilter(
        label=_("Held at"),
        field_name="holdings__branch",
        queryset=Branch.objects.all(),
        distinct=True,
    )

    class Meta:
        model = CatalogueItem
        fields = ["doc_type", "audience", "language", "withdrawn", "interests", "branch"]


class CatalogueItemViewSet(SnippetViewSet):
    model = CatalogueItem
    icon = "doc-full"
    menu_label = _("Catalogue items")
    list_display = ["title", "authors", "doc_type", "year", "record_id"]
    filterset_class = CatalogueItemFilterSet
    list_per_page = 50
    # searched in the database (not in Wagtail's index): cms/catalogue/admin_search.py
    search_fields = ["title", "authors", "isbn", "record_id"]
    index_view_class = CatalogueItemIndexView
    chooser_viewset_class = CatalogueChooserViewSet
    inspect_view_enabled = True


class ImportMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return request.user.has_perm(IMPORT_PERMISSION)


class CatalogueImportViewSet(ViewSet):
    """The upload view of the catalogue import, as a menu entry of the Catalogue group."""

    name = "catalogue-import"
    icon = "upload"
    menu_label = _("Import the catalogue")
    menu_name = "catalogue-import"

    @cached_property
    def menu_item_class(self):
        return ImportMenuItem

    def get_urlpatterns(self):
        return [path("", CatalogueImportView.as_view(), name="index")]


class CatalogueViewSetGroup(SnippetViewSetGroup):
    items = (CatalogueItemViewSet, CatalogueImportViewSet)
    menu_icon = "doc-full"
    menu_label = _("Catalogue")
    menu_name = "catalogue"


register_snippet(NetworkViewSetGroup)
register_snippet(CatalogueViewSetGroup)


@hooks.register("insert_editor_js")
def editor_field_names():
    """Names the rich-text editors after their labels (static/js/admin-editor-names.js)."""
    return format_html('<script src="{}" defer></script>', static("js/admin-editor-names.js"))
