"""Wagtail admin: the "Impact" dashboard — the funnel per source, branch, interest and month.

Network admins see it (the README's table of roles); anyone else, librarians included,
gets a 403. Charts are
inline SVG drawn on the server, each followed by its data table; the filtered data can be
downloaded as CSV (UTF-8 with a BOM, ";" separated, as the registrations export).
"""

import csv
import io

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.urls import path, reverse
from django.utils.dateformat import format as date_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.widgets.button import HeaderButton

from cms.models import Branch, Interest
from community import roles
from community.reach import charts, demand_admin, report, use

GROUP_CHOICES = [
    ("source", gettext_lazy("Source")),
    ("branch", gettext_lazy("Branch")),
    ("interest", gettext_lazy("Interest")),
    ("month", gettext_lazy("Month")),
]


USE_METRICS = [
    gettext_lazy("Members reached"),
    gettext_lazy("Active members"),
    gettext_lazy("Event registrations"),
    gettext_lazy("“Reserve” clicks"),
    gettext_lazy("Loans"),
    gettext_lazy("New cards"),
]


def _check(request) -> None:
    if not roles.is_network_admin(request.user):
        raise PermissionDenied


class FunnelDashboardView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "reach/admin/dashboard.html"
    header_icon = "table"
    page_title = gettext_lazy("Impact: did they come to the library?")

    def dispatch(self, request, *args, **kwargs):
        _check(request)
        self.filters = report.Filters.from_query(request.GET)
        return super().dispatch(request, *args, **kwargs)

    def get_header_buttons(self):
        return [
            HeaderButton(
                _("Download (CSV)"),
                url=reverse("reach_funnel_csv") + "?" + urlencode(self.filters.as_query()),
                icon_name="download",
            ),
            HeaderButton(
                _("Import loans and new cards"),
                url=reverse("reach_library_use"),
                icon_name="upload",
            ),
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        filters = self.filters
        funnel = report.funnel(filters)
        months, series = report.monthly(filters)
        month_labels = [report.month_label(m) for m in months]
        steps = report.STEPS
        total = sum(row["count"] for row in funnel)
        period = {
            "start": date_format(filters.start, "j F Y"),
            "end": date_format(filters.end, "j F Y"),
        }
        context.update(
            filters=filters,
            errors=filters.errors,
            funnel=funnel,
            total=total,
            funnel_svg=charts.funnel_chart(
                funnel,
                title=_("Funnel from %(start)s to %(end)s") % period,
                desc=_(
                    "One bar per step of the journey, in order; its length is the number of "
                    "times the step happened, followed by its rate and what the rate is taken "
                    "from. The table below gives the same figures."
                ),
            ),
            monthly_svg=charts.monthly_chart(
                months,
                [(str(step.label), series[step.value]) for step in steps],
                month_labels=month_labels,
                title=_("Steps per month from %(start)s to %(end)s") % period,
                desc=_(
                    "One line per step of the journey, one point per month. "
                    "The table below gives the same figures."
                ),
            ),
            months=[
                {"label": label, "counts": [series[step.value][i] for step in steps]}
                for i, label in enumerate(month_labels)
            ],
            steps=steps,
            breakdown=report.breakdown(filters),
            group_choices=GROUP_CHOICES,
            group_label=dict(GROUP_CHOICES)[filters.group],
            source_choices=report.sources_in_use(),
            branch_choices=Branch.objects.only("pk", "name"),
            interest_choices=Interest.objects.select_related("parent"),
            csv_url=reverse("reach_funnel_csv") + "?" + urlencode(filters.as_query()),
            use=use.reach_to_use(filters),
            use_metrics=USE_METRICS,
            import_url=reverse("reach_library_use"),
        )
        context["use_previous"] = {
            "start": date_format(context["use"]["previous"][0], "j F Y"),
            "end": date_format(context["use"]["previous"][1], "j F Y"),
        }
        return context


def funnel_csv(request) -> HttpResponse:
    _check(request)
    filters = report.Filters.from_query(request.GET)
    buffer = io.StringIO()
    buffer.write("\ufeff")  # BOM: Excel then reads the file as UTF-8
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([_("Month"), _("Step"), _("Source"), _("Branch"), _("Interest"), _("Count")])
    labels = {step.value: str(step.label) for step in report.STEPS}
    for month, step, source, branch, interest, count in report.csv_rows(filters):
        writer.writerow(
            [
                month.strftime("%Y-%m"),
                labels.get(step, step),
                report.source_label(source),
                branch or _("(no branch)"),
                interest or _("(all interests)"),
                count,
            ]
        )
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    name = f"parcours-{filters.start:%Y%m%d}-{filters.end:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@hooks.register("register_admin_urls")
def register_reach_urls():
    return [
        path("impact/", FunnelDashboardView.as_view(), name="reach_funnel"),
        path("impact/parcours.csv", funnel_csv, name="reach_funnel_csv"),
        path(
            "impact/prets-et-cartes/",
            demand_admin.LibraryUseImportView.as_view(),
            name="reach_library_use",
        ),
        path("demande/", demand_admin.DemandDashboardView.as_view(), name="reach_demand"),
        path("demande/demande.csv", demand_admin.demand_csv, name="reach_demand_csv"),
        path(
            "demande/<slug:name>/",
            demand_admin.DemandListView.as_view(),
            name="reach_demand_list",
        ),
        path("demande/<slug:name>.csv", demand_admin.demand_list_csv, name="reach_demand_list_csv"),
    ]


class NetworkAdminMenuItem(MenuItem):
    def is_shown(self, request):
        return roles.is_network_admin(request.user)


@hooks.register("register_admin_menu_item")
def register_reach_menu_item():
    return NetworkAdminMenuItem(
        gettext_lazy("Impact"),
        reverse("reach_funnel"),
        name="reach-funnel",
        icon_name="table",
        order=320,
    )


@hooks.register("register_admin_menu_item")
def register_demand_menu_item():
    return demand_admin.LibraryStaffMenuItem(
        gettext_lazy("Demand"),
        reverse("reach_demand"),
        name="demande",
        icon_name="search",
        order=315,
    )
