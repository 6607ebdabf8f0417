"""Validation of a questionnaire answer posted (as JSON) by the widget."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cms import geo
from cms.models import Interest
from cms.places import find_place
from community.forms import or_list
from community.outreach.actions import MAX_INTERESTS, WIDGET_PURPOSES, Answer
from community.outreach.consents import consent_text
from community.outreach.models import text_version


class AnswerForm(forms.Form):
    interests = forms.TypedMultipleChoiceField(coerce=int, choices=(), required=False)
    commune = forms.CharField(max_length=200, required=False)
    purposes = forms.MultipleChoiceField(
        choices=[(p.value, p.label) for p in WIDGET_PURPOSES], required=False
    )
    versions = forms.JSONField(required=False)
    email = forms.EmailField(max_length=254, required=False)
    under_15 = forms.BooleanField(required=False)
    parental = forms.BooleanField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["interests"].choices = [
            (i, i) for i in Interest.objects.values_list("pk", flat=True)
        ]
        self.fields["interests"].error_messages["invalid_choice"] = _(
            "One of the chosen interests does not exist any more."
        )

    def clean_interests(self) -> list[Interest]:
        ids = list(dict.fromkeys(self.cleaned_data["interests"]))
        if not ids:
            raise forms.ValidationError(_("Choose at least one interest."), code="required")
        if len(ids) > MAX_INTERESTS:
            raise forms.ValidationError(
                _("Choose at most %(max)s interests."), params={"max": MAX_INTERESTS}, code="max"
            )
        return list(Interest.objects.filter(pk__in=ids).select_related("parent"))

    def clean_commune(self) -> geo.Commune:
        text = self.cleaned_data["commune"].strip()
        commune = geo.by_insee(text) if text.isdigit() and len(text) == 5 else None
        if commune is not None:
            return commune
        found = find_place(text)
        if found.commune is not None:
            return found.commune
        if found.suggestions:
            names = [f"{c.name} ({c.department})" for c in found.suggestions[:3]]
            raise forms.ValidationError(
                _("We do not know this commune or postcode. Did you mean %(names)s?"),
                params={"names": or_list(names)},
                code="unknown",
            )
        raise forms.ValidationError(
            _("We do not know this commune or postcode. Check the spelling."), code="unknown"
        )

    def clean(self):
        data = super().clean()
        purposes = data.get("purposes") or []
        if not purposes:
            return data  # no consent: nothing personal is kept, so nothing else is required
        versions = data.get("versions") or {}
        if not isinstance(versions, dict) or any(
            versions.get(p) != text_version(consent_text(p)) for p in purposes
        ):
            self.add_error(
                None,
                forms.ValidationError(
                    _("The consent texts have changed meanwhile. Reload the page, please."),
                    code="stale_text",
                ),
            )
        if not data.get("email") and "email" not in self.errors:
            self.add_error(
                "email",
                forms.ValidationError(
                    _("Give your email address so that we can write to you, or untick the boxes."),
                    code="required",
                ),
            )
        if data.get("under_15") and not data.get("parental"):
            self.add_error(
                "parental",
                forms.ValidationError(
                    _(
                        "Under 15, a parent must agree too: tick the parent's box, or continue "
                        "without consenting."
                    ),
                    code="parent_required",
                ),
            )
        return data

    def answer(self) -> Answer:
        data = self.cleaned_data
        purposes = list(data.get("purposes") or [])
        return Answer(
            interests=data["interests"],
            commune=data["commune"],
            purposes=purposes,
            # Without consent, the address (if typed anyway) is dropped here, never stored.
            email=data.get("email", "").strip().lower() if purposes else "",
            under_15=bool(data.get("under_15")),
            parental=bool(data.get("parental")) if purposes else False,
        )
