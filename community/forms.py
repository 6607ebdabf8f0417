"""Forms of the member side: onboarding and profile."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from cms import geo
from cms.branches import nearest_branches
from cms.models import Branch, Interest
from cms.params import IdModelChoiceField, IdModelMultipleChoiceField
from cms.places import find_place


class InterestsField(IdModelMultipleChoiceField):
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
    """A commune name or postcode, read the way people type it (:mod:`cms.places`).

    `chosen_insee` is the commune the person picked from a list (the autocomplete, or a
    "Vouliez-vous dire … ?" button); it wins when it fits the text. When the text names
    nothing clearly, the error offers `suggestions`.
    """

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
        self.chosen_insee = ""
        self.suggestions: tuple[geo.Commune, ...] = ()

    def clean(self, value):
        text = super().clean(value)
        found = find_place(text, self.chosen_insee)
        if found.commune is not None:
            return found.commune
        self.suggestions = found.suggestions[:4]
        if self.suggestions:
            names = [f"{c.name} ({c.department})" for c in self.suggestions]
            raise ValidationError(
                _("We could not find “%(place)s”. Did you mean %(names)s?"),
                params={"place": text, "names": or_list(names)},
                code="unknown_place",
            )
        raise ValidationError(
            _(
                "We could not find “%(place)s”. Check the spelling or type a five-digit "
                "postcode (for example 13400)."
            ),
            params={"place": text},
            code="unknown_place",
        )


def or_list(items: list[str]) -> str:
    """ "A", "A or B", "A, B or C" in the active language."""
    if len(items) < 2:
        return "".join(items)
    return _("%(first)s or %(last)s") % {"first": ", ".join(items[:-1]), "last": items[-1]}


class PublicNameField(forms.CharField):
    """The name everyone sees: required, a pseudonym is fine, never an email address."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Your public name"))
        kwargs.setdefault("max_length", 80)
        kwargs.setdefault(
            "help_text",
            _(
                "Shown to everyone on your posts, comments and profile. A pseudonym is fine: "
                "we suggest one, change it as you like."
            ),
        )
        kwargs.setdefault(
            "error_messages",
            {"required": _("Choose the name others will see (a pseudonym is fine).")},
        )
        super().__init__(**kwargs)

    def clean(self, value):
        name = " ".join(super().clean(value).split())
        if "@" in name:
            raise ValidationError(
                _("Your public name cannot contain “@”: do not use your email address."),
                code="email_like",
            )
        return name


class InterestsAndPlaceForm(forms.Form):
    display_name = PublicNameField()
    interests = InterestsField()
    place = PlaceField()
    insee = forms.CharField(required=False, widget=forms.HiddenInput, max_length=5)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.is_bound:
            # A "Vouliez-vous dire … ?" choice counts for the text it was offered for (the
            # person may have typed something else instead).
            choice = str(self.data.get("place_choice") or "")[:5]
            picked = geo.by_insee(choice) if choice else None
            offered_for = str(self.data.get("place_choice_for") or "")
            if (
                picked is not None
                and offered_for.strip() == str(self.data.get("place") or "").strip()
            ):
                self.data = self.data.copy()
                self.data["place"] = picked.name
                self.data["insee"] = picked.insee
            self.fields["place"].chosen_insee = str(self.data.get("insee") or "")[:5]


class BranchChoiceField(IdModelChoiceField):
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
    branch = IdModelChoiceField(
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
