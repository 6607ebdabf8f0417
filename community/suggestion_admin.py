"""Purchase suggestions in the Wagtail admin: librarians see the suggestions of the
médiathèques they work for (network admins all), with supporters, interests and médiathèques;
they change the state (refusing needs a reason), merge a duplicate, and export for the library
system's acquisitions module (CSV or Excel from the listing, UNIMARC from the export button).

Every change goes through ``community.actions.suggestions`` (who may decide, which state may
follow which, supporters told on commit): the edit form only collects the decision.
"""

from __future__ import annotations

import unicodedata

from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pymarc import Field, Record, Subfield
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import HeaderButton
from wagtail.permissions import ModelPermissionPolicy, register_permission_policy

from community import roles
from community.actions import suggestions as actions
from community.actions.errors import Refused
from community.models import PurchaseSuggestion
from community.spreadsheets import spreadsheet_safe

Status = PurchaseSuggestion.Status


class SuggestionPolicy(ModelPermissionPolicy):
    """Suggestions are made by members: staff view and change them, never add or delete."""

    def user_has_permission(self, user, action):
        if action in ("add", "delete"):
            return False
        return super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions_):
        return any(self.user_has_permission(user, action) for action in actions_)


register_permission_policy(PurchaseSuggestion, SuggestionPolicy(PurchaseSuggestion))


class DecisionForm(forms.ModelForm):
    merge_into = forms.ModelChoiceField(
        label=gettext_lazy("Merge into"),
        queryset=PurchaseSuggestion.objects.none(),
        required=False,
        help_text=gettext_lazy(
            "A duplicate: its supporters join the chosen suggestion, and it is closed."
        ),
    )

    class Meta:
        model = PurchaseSuggestion
        fields = ["status", "refusal_reason"]

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = for_user
        allowed = {self.instance.status} | actions.TRANSITIONS.get(self.instance.status, set())
        self.fields["status"].choices = [
            (value, label) for value, label in Status.choices if value in allowed
        ]
        if self.instance.is_open:
            self.fields["merge_into"].queryset = (
                actions.decidable_by(for_user)
                .filter(status__in=PurchaseSuggestion.OPEN)
                .exclude(pk=self.instance.pk)
                .order_by("title")
            )
        else:
            del self.fields["merge_into"]

    def clean(self):
        data = super().clean()
        if data.get("merge_into"):
            return data
        status = data.get("status")
        if status == Status.REFUSED and not (data.get("refusal_reason") or "").strip():
            self.add_error(
                "refusal_reason", _("Say why it is refused: its supporters will read it.")
            )
        return data


class DecisionView(generic.EditView):
    def get_queryset(self):
        return actions.decidable_by(self.request.user)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["for_user"] = self.request.user
        return kwargs

    def save_instance(self):
        data = self.form.cleaned_data
        original = PurchaseSuggestion.objects.get(pk=self.object.pk)
        if data.get("merge_into"):
            actions.merge(self.request.user, original, data["merge_into"])
        else:
            actions.set_status(
                self.request.user, original, data["status"], reason=data["refusal_reason"]
            )
        return PurchaseSuggestion.objects.get(pk=original.pk)

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except Refused as error:
            form.add_error(None, error.message)
            return self.form_invalid(form)

    @property
    def header_buttons(self):
        return []


class SuggestionIndexView(generic.IndexView):
    def preprocess_field_value(self, field, value, export_format):
        """Members typed the titles, authors and reasons: never a formula in the CSV."""
        value = super().preprocess_field_value(field, value, export_format)
        return spreadsheet_safe(value) if export_format == self.FORMAT_CSV else value

    def get_base_queryset(self):
        return (
            actions.decidable_by(self.request.user)
            .exclude(status=Status.MERGED)
            .annotate(supporter_count=Count("supports", distinct=True))
            .prefetch_related("interests", "branches")
        )

    @property
    def header_buttons(self):
        return [
            HeaderButton(
                _("Export UNIMARC"),
                url=reverse("suggestion_unimarc_export"),
                icon_name="download",
            )
        ]


class SuggestionFilterSet(WagtailFilterSet):
    class Meta:
        model = PurchaseSuggestion
        fields = ["status", "branches", "interests"]


def _names(queryset) -> str:
    return ", ".join(sorted(str(one) for one in queryset.all()))


class SuggestionViewSet(ModelViewSet):
    model = PurchaseSuggestion
    icon = "doc-full-inverse"
    menu_label = gettext_lazy("Purchase suggestions")
    menu_name = "suggestions-achat"
    menu_order = 310
    add_to_admin_menu = True
    index_view_class = SuggestionIndexView
    edit_view_class = DecisionView
    filterset_class = SuggestionFilterSet
    inspect_view_enabled = True
    form_fields = ["status", "refusal_reason"]
    search_fields = ["title", "author", "isbn"]
    list_display = [
        "title",
        Column("author", label=gettext_lazy("Author")),
        Column("status", label=gettext_lazy("State"), accessor="get_status_display"),
        Column("supporter_count", label=gettext_lazy("Supporters"), sort_key="supporter_count"),
        Column(
            "interest_names",
            label=gettext_lazy("Interests"),
            accessor=lambda s: _names(s.interests),
        ),
        Column(
            "branch_names",
            label=gettext_lazy("Médiathèques"),
            accessor=lambda s: _names(s.branches),
        ),
        DateColumn("created_at", label=gettext_lazy("Suggested")),
    ]
    list_export = [
        "title",
        "author",
        "isbn",
        "get_status_display",  # « reçue », not the stored "received"
        "supporter_count",
        "reason",
        "created_at",
    ]
    export_headings = {
        "title": gettext_lazy("Title"),
        "author": gettext_lazy("Author"),
        "isbn": "ISBN",
        "get_status_display": gettext_lazy("State"),
        "supporter_count": gettext_lazy("Supporters"),
        "reason": gettext_lazy("Why this title"),
        "created_at": gettext_lazy("Suggested"),
    }
    export_filename = "suggestions-achat"
    inspect_view_fields = [
        "title",
        "author",
        "isbn",
        "reason",
        "status",
        "refusal_reason",
        "item",
        "created_at",
        "status_changed_at",
    ]

    def get_form_class(self, for_update=False):
        return DecisionForm


def marc_text(text: str) -> str:
    """Members' text fit for a MARC subfield: control characters (among them MARC's own
    subfield, field and record separators, 0x1F, 0x1E, 0x1D, and a reason's line breaks)
    become spaces, so a title cannot split or end the record that carries it."""
    return " ".join("".join(" " if unicodedata.category(c) == "Cc" else c for c in text).split())


def unimarc_record(suggestion: PurchaseSuggestion, supporters: int) -> Record:
    """A minimal UNIMARC record for an acquisitions module: ISBN (010), title and
    responsibility (200), a note with the demand (300)."""
    record = Record(force_utf8=True)
    record.leader = record.leader[:5] + "nam0" + record.leader[9:]
    record.leader = record.leader[:9] + "a" + record.leader[10:]
    record.add_field(Field(tag="001", data=f"SUGG{suggestion.pk}"))
    if suggestion.isbn:
        record.add_field(
            Field(tag="010", indicators=[" ", " "], subfields=[Subfield("a", suggestion.isbn)])
        )
    title = [Subfield("a", marc_text(suggestion.title))]
    author = marc_text(suggestion.author)
    if author:
        title.append(Subfield("f", author))
    record.add_field(Field(tag="200", indicators=["1", " "], subfields=title))
    note = _("Purchase suggestion from %(count)s reader(s), %(date)s.") % {
        "count": supporters,
        "date": timezone.localtime(suggestion.created_at).strftime("%d/%m/%Y"),
    }
    reason = marc_text(suggestion.reason)
    if reason:
        note += " " + reason[:500]
    record.add_field(Field(tag="300", indicators=[" ", " "], subfields=[Subfield("a", note)]))
    return record


def unimarc_export(request):
    """The open suggestions the user may decide on, most wanted first, as one UNIMARC file."""
    if not roles.is_library_staff(request.user):
        raise PermissionDenied
    queryset = (
        actions.decidable_by(request.user)
        .filter(status__in=PurchaseSuggestion.OPEN)
        .annotate(supporter_count=Count("supports", distinct=True))
        .order_by("-supporter_count", "created_at")
    )
    body = b"".join(unimarc_record(s, s.supporter_count).as_marc() for s in queryset)
    response = HttpResponse(body, content_type="application/marc")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="suggestions-achat-{stamp}.mrc"'
    return response


def admin_urls():
    return [
        path("suggestions-achat/export.mrc", unimarc_export, name="suggestion_unimarc_export"),
    ]
