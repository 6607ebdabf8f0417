"""Wagtail admin: *Demande* — the demand signals of each médiathèque (``community.reach.demand``).

Librarians see the médiathèques they work for, network admins every one; anyone else gets
a 403, and a librarian asking for another médiathèque too. Every figure of the summary links
to the list behind it; the summary and each list download as CSV (UTF-8 with a BOM, ";"
separated, as the other exports).

The dashboard lives in community (not search) because search only writes an aggregate,
``UnmetSearch``, that community owns: search may import community, never the reverse.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.formats import number_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.generic import FormView, TemplateView
from wagtail.admin import messages
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.widgets.button import HeaderButton

from cms.models import Interest
from community import roles
from community.reach import demand, library_use
from community.spreadsheets import spreadsheet_safe

# The summary's columns: (key, heading, list behind it).
COLUMNS = [
    ("followers", gettext_lazy("Followers near the branch"), "followers"),
    ("held", gettext_lazy("Items held"), "held"),
    ("per_follower", gettext_lazy("Items per follower"), "held"),
    ("acquisitions", gettext_lazy("Acquisitions in the period"), "acquisitions"),
    ("searches", gettext_lazy("Searches with no or few results"), "searches"),
    ("waitlisted", gettext_lazy("Waitlist places"), "waitlists"),
    ("full_events", gettext_lazy("Full events"), "waitlists"),
    ("supports", gettext_lazy("Purchase suggestion supports"), "suggestions"),
    ("elsewhere", gettext_lazy("Members wanting items not held here"), "elsewhere"),
    ("trending", gettext_lazy("Community posts about items"), "trending"),
]


def _item_url(row) -> str:
    return reverse("wagtailsnippets_cms_catalogueitem:edit", args=[row["item_id"]])


def _event_url(row) -> str:
    return reverse("event_registrations", args=[row["event_id"]])


def _suggestion_url(row) -> str:
    return reverse("purchase_suggestions:edit", args=[row["suggestion_id"]])


def _date(value) -> str:
    if isinstance(value, datetime):
        value = timezone.localtime(value)
    return date_format(value, "j F Y") if value else ""


# name → title, columns (key, heading), how to read the rows, link of each row (or None)
LISTS = {
    "followers": (
        gettext_lazy("Followers near the branch, by commune"),
        [
            ("commune", gettext_lazy("Commune")),
            ("branch", gettext_lazy("Home branch")),
            ("count", gettext_lazy("Followers")),
        ],
        demand.followers_list,
        None,
    ),
    "held": (
        gettext_lazy("Items held"),
        [
            ("title", gettext_lazy("Title")),
            ("authors", gettext_lazy("Authors")),
            ("copies", gettext_lazy("Copies")),
            ("created", gettext_lazy("In the catalogue since")),
        ],
        demand.items_list,
        _item_url,
    ),
    "acquisitions": (
        gettext_lazy("Acquisitions in the period"),
        [
            ("title", gettext_lazy("Title")),
            ("authors", gettext_lazy("Authors")),
            ("copies", gettext_lazy("Copies")),
            ("created", gettext_lazy("In the catalogue since")),
        ],
        lambda f, limit: demand.items_list(f, limit, recent=True),
        _item_url,
    ),
    "searches": (
        gettext_lazy("Searches with no or few results"),
        [
            ("query", gettext_lazy("Search (accents and capitals removed)")),
            ("outcome", gettext_lazy("Outcome")),
            ("count", gettext_lazy("Searches")),
        ],
        demand.searches_list,
        None,
    ),
    "waitlists": (
        gettext_lazy("Waitlists and full events"),
        [
            ("title", gettext_lazy("Event")),
            ("start", gettext_lazy("Date")),
            ("branch", gettext_lazy("Branch")),
            ("capacity", gettext_lazy("Capacity")),
            ("confirmed", gettext_lazy("Confirmed")),
            ("waitlisted", gettext_lazy("On the waitlist")),
        ],
        demand.waitlists_list,
        _event_url,
    ),
    "suggestions": (
        gettext_lazy("Most wanted purchase suggestions"),
        [
            ("title", gettext_lazy("Title")),
            ("author", gettext_lazy("Author")),
            ("status", gettext_lazy("State")),
            ("count", gettext_lazy("Supports in the period")),
        ],
        demand.suggestions_list,
        _suggestion_url,
    ),
    "elsewhere": (
        gettext_lazy("Items wanted by members with no copy at their médiathèque"),
        [
            ("title", gettext_lazy("Title")),
            ("authors", gettext_lazy("Authors")),
            ("count", gettext_lazy("Members")),
            ("copies", gettext_lazy("Copies in the network")),
        ],
        demand.elsewhere_list,
        _item_url,
    ),
    "trending": (
        gettext_lazy("Trending in communities"),
        [
            ("title", gettext_lazy("Title")),
            ("authors", gettext_lazy("Authors")),
            ("posts", gettext_lazy("Posts")),
            ("reactions", gettext_lazy("Reactions")),
            ("copies", gettext_lazy("Copies here")),
        ],
        demand.trending_list,
        _item_url,
    ),
}


def _query(filters: demand.Filters, **overrides) -> str:
    params = filters.as_query()
    params.update({k: str(v) for k, v in overrides.items()})
    return urlencode({k: v for k, v in params.items() if v})


def _cell(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return number_format(value, 1)
    if isinstance(value, date):
        return _date(value)
    return str(value)


def not_your_branch(request, error: demand.NotYourBranch) -> HttpResponse:
    """403 that says why, with the way back (Wagtail would turn a bare PermissionDenied
    into a redirect to the admin's home page)."""
    return render(
        request,
        "reach/admin/demand_forbidden.html",
        {"message": error.args[0] if error.args else "", "back_url": reverse("reach_demand")},
        status=403,
    )


class _DemandMixin(WagtailAdminTemplateMixin):
    header_icon = "search"

    def dispatch(self, request, *args, **kwargs):
        try:
            self.filters = demand.Filters.from_query(request.GET, request.user)
        except demand.NotYourBranch as error:
            return not_your_branch(request, error)
        return super().dispatch(request, *args, **kwargs)

    def base_context(self) -> dict:
        filters = self.filters
        return {
            "filters": filters,
            "errors": filters.errors,
            "branch_choices": demand.branch_choices(self.request.user),
            "interest_choices": Interest.objects.select_related("parent"),
            "period": {"start": _date(filters.start), "end": _date(filters.end)},
            "scope_empty": filters.scope is not None and not filters.scope,
        }


class DemandDashboardView(_DemandMixin, TemplateView):
    template_name = "reach/admin/demand.html"
    page_title = gettext_lazy("Demand: what members want")

    def get_header_buttons(self):
        return [
            HeaderButton(
                _("Download (CSV)"),
                url=reverse("reach_demand_csv") + "?" + _query(self.filters),
                icon_name="download",
            )
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        filters = self.filters
        summary = demand.summary(filters)
        list_url = {name: reverse("reach_demand_list", args=[name]) for name in LISTS}
        rows = []
        for row in summary["rows"]:
            cells = []
            for key, heading, target in COLUMNS:
                value = row[key]
                cells.append(
                    {
                        "value": _cell(value),
                        "heading": heading,
                        "url": list_url[target] + "?" + _query(filters, interest=row["interest_id"])
                        if value
                        else "",
                    }
                )
            rows.append({"label": row["label"], "cells": cells})
        context.update(
            self.base_context(),
            columns=[heading for _key, heading, _target in COLUMNS],
            rows=rows,
            totals=summary["totals"],
            totals_urls={
                name: list_url[name] + "?" + _query(filters)
                for name in ("held", "acquisitions", "searches", "waitlists")
            },
            top_wanted=demand.suggestions_list(filters, limit=demand.TOP),
            top_elsewhere=demand.elsewhere_list(filters, limit=demand.TOP),
            top_trending=demand.trending_list(filters, limit=demand.TOP),
            list_urls={name: url + "?" + _query(filters) for name, url in list_url.items()},
            csv_url=reverse("reach_demand_csv") + "?" + _query(filters),
        )
        return context


class DemandListView(_DemandMixin, TemplateView):
    template_name = "reach/admin/demand_list.html"

    def dispatch(self, request, *args, **kwargs):
        if kwargs["name"] not in LISTS:
            raise Http404(_("No such list."))
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return str(LISTS[self.kwargs["name"]][0])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        name = self.kwargs["name"]
        title, columns, read, link = LISTS[name]
        data = read(self.filters, demand.LIST_LIMIT)
        hidden = 0
        if isinstance(data, dict):  # the searches: the queries typed too rarely are hidden
            data, hidden = data["rows"], data["hidden"]
        context.update(
            self.base_context(),
            name=name,
            headings=[heading for _key, heading in columns],
            rows=[
                {
                    "cells": [_cell(row[key]) for key, _heading in columns],
                    "url": link(row) if link else "",
                }
                for row in data
            ],
            hidden=hidden,
            min_shown=demand.MIN_QUERY_SHOWN,
            limit=demand.LIST_LIMIT,
            back_url=reverse("reach_demand") + "?" + _query(self.filters),
            csv_url=reverse("reach_demand_list_csv", args=[name]) + "?" + _query(self.filters),
        )
        return context


def _csv_response(header: list, rows: list, name: str) -> HttpResponse:
    buffer = io.StringIO()
    buffer.write("\ufeff")  # BOM: Excel then reads the file as UTF-8
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([str(h) for h in header])
    writer.writerows(rows)
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _csv_value(value):
    if value is None:
        return ""
    if isinstance(value, float):
        return number_format(value, 1)
    if isinstance(value, datetime):
        return timezone.localtime(value).date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return spreadsheet_safe(value)


def demand_csv(request) -> HttpResponse:
    try:
        filters = demand.Filters.from_query(request.GET, request.user)
    except demand.NotYourBranch as error:
        return not_your_branch(request, error)
    summary = demand.summary(filters)
    header = [_("Interest"), *[heading for _key, heading, _target in COLUMNS]]
    rows = [
        [row["label"], *[_csv_value(row[key]) for key, _h, _t in COLUMNS]]
        for row in summary["rows"]
    ]
    return _csv_response(header, rows, f"demande-{filters.start:%Y%m%d}-{filters.end:%Y%m%d}.csv")


def demand_list_csv(request, name: str) -> HttpResponse:
    if name not in LISTS:
        raise Http404(_("No such list."))
    try:
        filters = demand.Filters.from_query(request.GET, request.user)
    except demand.NotYourBranch as error:
        return not_your_branch(request, error)
    _title, columns, read, _link = LISTS[name]
    data = read(filters, None)
    if isinstance(data, dict):
        data = data["rows"]
    rows = [[_csv_value(row[key]) for key, _heading in columns] for row in data]
    return _csv_response(
        [heading for _key, heading in columns],
        rows,
        f"demande-{name}-{filters.start:%Y%m%d}-{filters.end:%Y%m%d}.csv",
    )


class LibraryStaffMenuItem(MenuItem):
    def is_shown(self, request):
        return roles.is_library_staff(request.user)


# --- Importing loans and new cards (community.reach.library_use) ---------------------------


class LibraryUseForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        help_text=gettext_lazy(
            "Columns: mediatheque (the library system code), periode (2026-11), interet or "
            "code (optional), prets, nouvelles_cartes. Figures only, no reader."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size == 0:
            raise forms.ValidationError(_("This file is empty."), code="empty")
        if upload.size > MAX_USE_BYTES:
            raise forms.ValidationError(
                _("This file is too large (%(size)s); the limit is %(limit)s."),
                code="too_large",
                params={
                    "size": filesizeformat(upload.size),
                    "limit": filesizeformat(MAX_USE_BYTES),
                },
            )
        return upload


MAX_USE_BYTES = 5 * 1024 * 1024


class LibraryUseImportView(WagtailAdminTemplateMixin, FormView):
    """Librarians import the figures of their médiathèques, network admins of any."""

    template_name = "reach/admin/library_use_import.html"
    form_class = LibraryUseForm
    page_title = gettext_lazy("Import loans and new cards")
    header_icon = "upload"

    def dispatch(self, request, *args, **kwargs):
        if not roles.is_library_staff(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("import_errors", [])
        context["stored"] = library_use.stored_periods(self.request.user)
        context["impact_url"] = (
            reverse("reach_funnel") if roles.is_network_admin(self.request.user) else ""
        )
        return context

    def form_valid(self, form):
        result = library_use.import_library_use(form.cleaned_data["file"].read(), self.request.user)
        if result.errors:
            messages.error(self.request, _("Nothing was imported: correct the lines below."))
            return self.render_to_response(
                self.get_context_data(form=form, import_errors=result.errors)
            )
        messages.success(
            self.request,
            ngettext(
                "%(lines)s line imported for %(periods)s month of a médiathèque.",
                "%(lines)s lines imported for %(periods)s months of médiathèques.",
                len(result.periods),
            )
            % {"lines": result.lines, "periods": len(result.periods)},
        )
        return redirect("reach_library_use")
