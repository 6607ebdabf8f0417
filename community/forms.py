"""Forms of the member side: onboarding and profile."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from cms import geo
from cms.branches import nearest_branches
from cms.models import Branch, Interest


class InterestsField(forms.ModelMultipleChoiceField):
    """Interests as checkboxes, grouped by top-level interest in the template."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Interest.objects.select_related("parent"))
        kwargs.setdefault("label", _("Your interests"))
        kwargs.setdefault(
            "error_messages",
            {"required": _("Choose at least one interest so we can show you what matters to you.")},
        )
        super().__init__(**kwargs)

    def taxonomy(self) -> list[tuple[Interest, list[Interest]]]:
        """[(top-level interest, [its children]), …] in display order."""
        interests = list(self.queryset)
        children: dict[int, list[Interest]] = {}
        for interest in interests:
            if interest.parent_id:
                children.setdefault(interest.parent_id, []).append(interest)
        return [(i, children.get(i.pk, [])) for i in interests if i.parent_id is None]


class PlaceField(forms.CharField):
    """A commune name or postcode, resolved offline to a commune."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Your commune or postcode"))
        kwargs.setdefault("max_length", 120)
        kwargs.setdefault(
            "help_text", _("For example: Aubagne, 13400, Saint-Rémy-de-Provence, Marseille 5e.")
        )
        kwargs.setdefault(
            "error_messages", {"required": _("Tell us your commune or your postcode.")}
        )
        super().__init__(**kwargs)

    def clean(self, value):
        text = super().clean(value)
        commune = geo.resolve(text)
        if commune is None:
            raise ValidationError(
                _(
                    "We could not find “%(place)s”. Check the spelling or type a five-digit "
                    "postcode (for example 13400)."
                ),
                params={"place": text},
                code="unknown_place",
            )
        return commune


class InterestsAndPlaceForm(forms.Form):
    interests = InterestsField()
    place = PlaceField()
    insee = forms.CharField(required=False, widget=forms.HiddenInput, max_length=5)

    def clean(self):
        cleaned = super().clean()
        # The autocomplete sends the exact commune chosen (e.g. one of several sharing a
        # postcode); honour it when it is consistent with what was typed.
        chosen = geo.by_insee(cleaned.get("insee") or "")
        typed = cleaned.get("place")
        if (
            chosen
            and typed
            and (
                chosen.insee == typed.insee
                or set(chosen.postcodes) & set(typed.postcodes)
                or geo.normalize(chosen.name) == geo.normalize(self.data.get("place", ""))
            )
        ):
            cleaned["place"] = chosen
        return cleaned


class BranchChoiceField(forms.ModelChoiceField):
    widget = forms.RadioSelect

    def __init__(self, *, origin: geo.Commune | None = None, **kwargs):
        kwargs.setdefault("queryset", Branch.objects.all())
        kwargs.setdefault("label", _("Your médiathèque"))
        kwargs.setdefault("empty_label", None)
        kwargs.setdefault("error_messages", {"required": _("Choose a médiathèque.")})
        super().__init__(**kwargs)
        self.ranked = []
        if origin is not None:
            self.ranked = nearest_branches(origin.lat, origin.lon, self.queryset)
            self.choices = [
                (bd.branch.pk, self.distance_label(bd.branch, bd.distance_km)) for bd in self.ranked
            ]

    @staticmethod
    def distance_label(branch: Branch, km: float) -> str:
        from django.utils.formats import number_format

        return f"{branch.name} ({branch.commune}) — {number_format(round(km, 1), 1)} km"


class HomeBranchForm(forms.Form):
    def __init__(self, *args, origin: geo.Commune | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"] = BranchChoiceField(origin=origin)


class ProfileForm(InterestsAndPlaceForm):
    display_name = forms.CharField(
        label=_("Display name"),
        max_length=80,
        required=False,
        help_text=_("Shown to other members. Leave empty to use the start of your email."),
    )
    branch = forms.ModelChoiceField(
        queryset=Branch.objects.all(),
        label=_("Your médiathèque"),
        error_messages={"required": _("Choose a médiathèque.")},
    )

    notify_by_email = forms.BooleanField(
        label=capfirst(_("also send my notifications by email")),
        required=False,
        help_text=_("Waitlist places, event reminders… are always shown on the site."),
    )

    field_order = ["display_name", "interests", "place", "insee", "branch", "notify_by_email"]

    def __init__(self, *args, origin: geo.Commune | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if origin is not None:
            self.fields["branch"].choices = [
                (bd.branch.pk, BranchChoiceField.distance_label(bd.branch, bd.distance_km))
                for bd in nearest_branches(origin.lat, origin.lon)
            ]
