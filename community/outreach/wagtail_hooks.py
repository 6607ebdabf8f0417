"""Wagtail admin: partner sites (network admins) and the proof of consent of a person.

- *Partner sites*: a snippet listing (slug, origins, colours, delay, branches, active).
- *Proof of consent*: type an email address, see every consent record given with it (by a
  prospect or a member, withdrawn ones included) and download them as CSV or JSON.
"""

from __future__ import annotations

import csv
import io
import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db.models import Q
from django.http import HttpResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from community.outreach.models import ConsentRecord, Partner, Prospect
from community.roles import is_network_admin
from community.spreadsheets import spreadsheet_safe


class PartnerViewSet(SnippetViewSet):
    model = Partner
    icon = "link-external"
    menu_label = gettext_lazy("Partner sites")
    menu_order = 310
    add_to_admin_menu = True
    list_display = ["name", "slug", "active", "delay_seconds"]
    list_filter = ["active"]
    search_fields = ["name", "slug", "allowed_origins"]


register_snippet(PartnerViewSet)


# --- Proof of consent ----------------------------------------------------------------------


def _iso(value) -> str:
    return timezone.localtime(value).isoformat() if value else ""


def consent_proof(email: str) -> dict:
    """Every consent record given with ``email`` and the prospect records that use it."""
    email = email.strip()
    records = (
        ConsentRecord.objects.filter(
            Q(prospect__email__iexact=email) | Q(user__email__iexact=email)
        )
        .select_related("prospect", "user")
        .order_by("given_at", "pk")
    )
    prospects = Prospect.objects.filter(email__iexact=email).prefetch_related("interests")
    return {
        "email": email,
        "exported_at": _iso(timezone.now()),
        "consents": [
            {
                "id": r.pk,
                "purpose": r.purpose,
                "purpose_label": str(r.get_purpose_display()),
                "text": r.text,
                "version_sha256": r.version,
                "given_at": _iso(r.given_at),
                "confirmed_at": _iso(r.confirmed_at),
                "withdrawn_at": _iso(r.withdrawn_at),
                "source": r.source,
                "ip_prefix": r.ip_prefix or "",
                "parental_consent": r.parental,
                "prospect_id": r.prospect_id,
                "user_id": r.user_id,
                "email": r.email,
            }
            for r in records
        ],
        "prospects": [
            {
                "id": p.pk,
                "email": p.email,
                "interests": [i.name for i in p.interests.all()],
                "commune_insee": p.commune_insee,
                "commune_name": p.commune_name,
                "nearest_branch": str(p.nearest_branch or ""),
                "partner": str(p.partner or ""),
                "created_at": _iso(p.created_at),
                "last_contact_at": _iso(p.last_contact_at),
                "merged_into_user_id": p.merged_into_id,
                "merged_at": _iso(p.merged_at),
            }
            for p in prospects
        ],
    }


CSV_COLUMNS = [
    "id",
    "email",
    "purpose",
    "purpose_label",
    "text",
    "version_sha256",
    "given_at",
    "confirmed_at",
    "withdrawn_at",
    "source",
    "ip_prefix",
    "parental_consent",
    "prospect_id",
    "user_id",
]


def _require_network_admin(request) -> None:
    if not is_network_admin(request.user):
        raise PermissionDenied


class ConsentProofView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "outreach/admin/consent_proof.html"
    header_icon = "doc-full"

    def dispatch(self, request, *args, **kwargs):
        _require_network_admin(request)
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("Proof of consent")

    def get(self, request, *args, **kwargs):
        email = request.GET.get("email", "").strip()
        error = ""
        if email:
            try:
                validate_email(email)
            except ValidationError:
                error = _("Enter a valid email address.")
        fmt = request.GET.get("format")
        if email and not error and fmt in ("csv", "json"):
            return export_response(consent_proof(email), fmt)
        context = self.get_context_data(email=email, error=error)
        if email and not error:
            context["proof"] = consent_proof(email)
            context["csv_url"] = reverse("outreach_consent_proof") + "?" + _query(email, "csv")
            context["json_url"] = reverse("outreach_consent_proof") + "?" + _query(email, "json")
        return self.render_to_response(context)


def _query(email: str, fmt: str) -> str:
    from urllib.parse import urlencode

    return urlencode({"email": email, "format": fmt})


def export_response(proof: dict, fmt: str) -> HttpResponse:
    name = f"preuve-consentement-{slugify(proof['email'].replace('@', '-at-'))}"
    if fmt == "json":
        response = HttpResponse(
            json.dumps(proof, ensure_ascii=False, indent=2),
            content_type="application/json; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.json"'
        return response
    buffer = io.StringIO()
    buffer.write("\ufeff")  # BOM: Excel then reads the file as UTF-8
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in proof["consents"]:
        writer.writerow(
            [spreadsheet_safe("" if row[c] is None else str(row[c])) for c in CSV_COLUMNS]
        )
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


@hooks.register("register_admin_urls")
def register_consent_proof_url():
    return [
        path("consentements/preuve/", ConsentProofView.as_view(), name="outreach_consent_proof"),
    ]


class NetworkAdminMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return is_network_admin(request.user)


@hooks.register("register_admin_menu_item")
def register_consent_proof_menu_item():
    return NetworkAdminMenuItem(
        gettext_lazy("Proof of consent"),
        reverse("outreach_consent_proof"),
        icon_name="doc-full",
        order=320,
    )
