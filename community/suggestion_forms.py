"""The purchase suggestion form."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cms.models import Interest
from cms.params import IdModelMultipleChoiceField


class InterestChoices(IdModelMultipleChoiceField):
    def label_from_instance(self, interest: Interest) -> str:
        return f"{interest.parent.name} › {interest.name}" if interest.parent_id else interest.name


class SuggestionForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    author = forms.CharField(label=_("Author"), max_length=200, required=False)
    isbn = forms.CharField(
        label=_("ISBN (if you know it)"),
        max_length=20,
        required=False,
        help_text=_("On the back cover or the publisher’s site: 10 or 13 digits."),
    )
    reason = forms.CharField(
        label=_("Why this title?"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Optional: what it would bring to the collections (1,000 characters)."),
    )
    interests = InterestChoices(
        label=_("It is about"),
        queryset=Interest.objects.select_related("parent").order_by(
            "parent__position", "parent__name", "position", "name"
        ),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Members with the same interests can support it."),
    )
