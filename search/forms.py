"""The search parameters (the same for the results page and the JSON API).

``q`` the query; facets ``type`` (kind), ``document``, ``interet`` (interest slug),
``mediatheque`` (branch slug), ``disponible`` (1), ``public``, ``langue`` (ISO 639-2 code),
``annee`` (range key, e.g. ``2010-2019``); ``tri`` (``pertinence`` or ``date``); ``page``.
Facet parameters may repeat (OR within a facet, AND across facets).
"""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cms.models import Audience, Branch, DocumentType, Interest

from .backends.base import MAX_PAGE, YEAR_RANGES, Filters
from .documents import KINDS

MAX_QUERY_LENGTH = 200
MAX_VALUES = 20
SORTS = {"pertinence": "relevance", "date": "date"}
_LANGUAGE = re.compile(r"^[a-z]{3}$")


class _Multiple(forms.MultipleChoiceField):
    def validate(self, value) -> None:
        super().validate(value)
        if len(value) > MAX_VALUES:
            raise ValidationError(_("Too many values (%(max)s at most).") % {"max": MAX_VALUES})


class _Languages(forms.Field):
    def to_python(self, value):
        if not value:
            return []
        values = [v.strip().lower() for v in value if v.strip()]
        for v in values:
            if not _LANGUAGE.match(v):
                raise ValidationError(
                    _("“%(value)s” is not a language code (three letters, e.g. fre).")
                    % {"value": v[:20]}
                )
        return values[:MAX_VALUES]


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=MAX_QUERY_LENGTH,
        strip=True,
        error_messages={
            "max_length": _("Your search is too long: %(limit_value)d characters at most.")
        },
    )
    type = _Multiple(required=False)
    document = _Multiple(required=False, choices=DocumentType.choices)
    interet = _Multiple(required=False)
    mediatheque = _Multiple(required=False)
    disponible = forms.ChoiceField(required=False, choices=[("", ""), ("1", _("yes"))])
    public = _Multiple(required=False, choices=Audience.choices)
    langue = _Languages(required=False, widget=forms.SelectMultiple)
    annee = _Multiple(required=False, choices=[(k, v[0]) for k, v in YEAR_RANGES.items()])
    tri = forms.ChoiceField(required=False, choices=[(k, k) for k in SORTS])
    page = forms.IntegerField(required=False, min_value=1, max_value=MAX_PAGE)

    FACET_FIELDS = (
        "type",
        "document",
        "interet",
        "mediatheque",
        "disponible",
        "public",
        "langue",
        "annee",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = [(name, kind.label_plural) for name, kind in KINDS.items()]
        self._interests = dict(Interest.objects.values_list("slug", "pk"))
        self._branches = dict(Branch.objects.values_list("slug", "pk"))
        self.fields["interet"].choices = [(slug, slug) for slug in self._interests]
        self.fields["mediatheque"].choices = [(slug, slug) for slug in self._branches]

    def filters(self) -> Filters:
        data = self.cleaned_data
        return Filters(
            kinds=tuple(data.get("type") or ()),
            doc_types=tuple(data.get("document") or ()),
            interests=tuple(self._interests[s] for s in data.get("interet") or ()),
            branches=tuple(self._branches[s] for s in data.get("mediatheque") or ()),
            available=data.get("disponible") == "1",
            audiences=tuple(data.get("public") or ()),
            languages=tuple(data.get("langue") or ()),
            years=tuple(data.get("annee") or ()),
        )

    @property
    def sort(self) -> str:
        return SORTS.get(self.cleaned_data.get("tri") or "pertinence", "relevance")

    @property
    def page_number(self) -> int:
        return self.cleaned_data.get("page") or 1

    @property
    def query(self) -> str:
        return self.cleaned_data.get("q") or ""

    def slugs(self) -> dict[str, dict[int, str]]:
        """Database id → slug, for facet links."""
        return {
            "interest": {pk: slug for slug, pk in self._interests.items()},
            "branch": {pk: slug for slug, pk in self._branches.items()},
        }


def bind(params) -> tuple[SearchForm, dict[str, list[str]]]:
    """A valid form for these GET parameters, and the errors of the values it left out.

    A query that is too long or a bad page number make the form invalid (an error for the
    user); unknown facet values are dropped, and reported, so the rest of the search runs.
    """
    form = SearchForm(params)
    if form.is_valid():
        return form, {}
    errors = {name: [str(m) for m in messages] for name, messages in form.errors.items()}
    if set(errors) <= set(SearchForm.FACET_FIELDS):
        data = params.copy()
        for name in errors:
            data.pop(name, None)
        retry = SearchForm(data)
        if retry.is_valid():
            return retry, errors
    return form, errors
