"""Searching catalogue items in the Wagtail admin, in the database.

The site search (search/) keeps its own index of the catalogue, fed in bulk by the importer.
Wagtail's database backend would keep a second one (one `wagtailsearch_indexentry` row and
one search expression per item): on PostgreSQL that cost three quarters of an import's
time. So `CatalogueItem` declares no `search_fields`, which is how Wagtail leaves a model out
of its index (no signal handler, nothing for `update_index`), and the admin views that
search it use :func:`search_catalogue_items` through their public extension points:

* the snippet listing: `CatalogueItemIndexView.search_queryset`;
* the chooser of catalogue item cards and curated lists: `CatalogueSearchForm`, the filter
  form of its views.

Every word of the query must appear in the title, the authors, the ISBN or the record id
(case-insensitive); a query that is an ISBN with or without hyphens also finds its 13-digit
form. The result is a QuerySet, which the views paginate and order as usual.
"""

from __future__ import annotations

import re

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.choosers import BaseFilterForm
from wagtail.snippets.views.chooser import (
    ChooseResultsView,
    ChooseView,
    SnippetChooserViewSet,
)
from wagtail.snippets.views.snippets import IndexView

from .isbn import normalise_isbn

__all__ = [
    "CatalogueChooserViewSet",
    "CatalogueItemIndexView",
    "CatalogueSearchForm",
    "search_catalogue_items",
]

SEARCHED_FIELDS = ("title", "authors", "isbn", "record_id")
MAX_WORDS = 10


def search_catalogue_items(queryset: QuerySet, query: str) -> QuerySet:
    """Catalogue items whose title, authors, ISBN or record id contain every word of query."""
    text = str(query or "").strip()
    words = [w for w in re.split(r"[\s,;]+", text) if w][:MAX_WORDS]
    if not words:
        return queryset.none()
    condition = Q()
    for word in words:
        condition &= _any_field(word)
    try:
        isbn = normalise_isbn(text) if re.fullmatch(r"[\d\s\-Xx]{10,20}", text) else ""
    except ValueError:
        isbn = ""
    if isbn:
        condition |= Q(isbn=isbn)
    return queryset.filter(condition)


def _any_field(word: str) -> Q:
    condition = Q()
    for name in SEARCHED_FIELDS:
        condition |= Q(**{f"{name}__icontains": word})
    return condition


class CatalogueItemIndexView(IndexView):
    """The snippet listing, searching in the database instead of Wagtail's index."""

    def search_queryset(self, queryset):
        if not self.is_searching:
            return queryset
        return search_catalogue_items(queryset, self.search_query)


class CatalogueSearchForm(BaseFilterForm):
    """The chooser's search box (Wagtail adds one only for models in its index)."""

    q = forms.CharField(
        label=_("Search term"),
        widget=forms.TextInput(attrs={"placeholder": _("Search")}),
        required=False,
    )

    def filter(self, objects):
        objects = super().filter(objects)
        query = self.cleaned_data.get("q")
        if query:
            objects = search_catalogue_items(objects, query)
            self.is_searching = True
            self.search_query = query
        return objects


class CatalogueChooseView(ChooseView):
    filter_form_class = CatalogueSearchForm


class CatalogueChooseResultsView(ChooseResultsView):
    filter_form_class = CatalogueSearchForm


class CatalogueChooserViewSet(SnippetChooserViewSet):
    choose_view_class = CatalogueChooseView
    choose_results_view_class = CatalogueChooseResultsView
