"""Admin widgets of the network: interests chosen in a grouped, filterable checkbox list.

Wagtail 8 has no chooser for a many-to-many field (its choosers pick one object, or build
an inline list through an intermediate model), and its default is a ``<select multiple>``
driven with Ctrl-click. `InterestChooser` is a plain ``CheckboxSelectMultiple`` laid out
as one fieldset per theme (legend "Imaginaire", then "Imaginaire (tout le thème)",
"Science-fiction", "Fantasy"…), with a labelled filter box above it and a live count of
what is ticked (``static/js/interest-chooser.js``); without JavaScript every checkbox is
there. `GroupedInterestSelect` does the same grouping for a single interest (optgroups).
"""

from __future__ import annotations

from django import forms
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _


def _grouped(choices) -> list[tuple[object, str, list]]:
    """[(theme, theme label, [(value, label, interest), …]), …] from a model field's choices:
    each theme first with itself, then its children, in the taxonomy's order."""
    themes: dict[int, list] = {}
    order: list = []
    loose = []
    for value, label in choices:
        interest = getattr(value, "instance", None)
        if interest is None:  # the empty choice of a single select
            loose.append((value, label, None))
            continue
        if interest.parent_id is None:
            themes.setdefault(interest.pk, [])
            order.append(interest)
            themes[interest.pk].insert(0, (value, label, interest))
        else:
            themes.setdefault(interest.parent_id, []).append((value, label, interest))
    groups = [(theme, theme.name, themes[theme.pk]) for theme in order]
    known = {theme.pk for theme in order}
    orphans = [opt for pk, opts in themes.items() if pk not in known for opt in opts]
    if orphans:
        groups.append((None, str(_("Other interests")), orphans))
    return ([(None, "", loose)] if loose else []) + groups


class InterestChooser(forms.CheckboxSelectMultiple):
    """Interests as checkboxes grouped by theme (parent › child), with a filter."""

    template_name = "cms/widgets/interest_chooser.html"

    class Media:
        js = ["js/interest-chooser.js"]
        css = {"all": ["css/interest-chooser.css"]}

    def render(self, name, value, attrs=None, renderer=None):
        # The template lives with the project's templates (templates/cms/widgets/), which
        # the default form renderer does not read: render it with the project's engine.
        context = self.get_context(name, value, attrs)
        return mark_safe(render_to_string(self.template_name, context))  # noqa: S308

    def optgroups(self, name, value, attrs=None):
        selected = {str(v) for v in value}
        groups = []
        index = 0
        for theme, theme_label, options in _grouped(self.choices):
            subgroup = []
            for option_value, label, interest in options:
                if interest is not None and theme is not None and interest.pk == theme.pk:
                    label = _("%(theme)s (the whole theme)") % {"theme": theme.name}
                elif interest is not None:
                    label = interest.name
                subgroup.append(
                    self.create_option(
                        name,
                        option_value,
                        label,
                        str(option_value) in selected,
                        index,
                        subindex=None,
                        attrs=attrs,
                    )
                )
                index += 1
            groups.append((theme_label, subgroup, index))
        return groups


class GroupedInterestSelect(forms.Select):
    """One interest, in a select whose options are grouped by theme (optgroups)."""

    def optgroups(self, name, value, attrs=None):
        selected = {str(v) for v in value}
        groups = []
        index = 0
        for theme, theme_label, options in _grouped(self.choices):
            subgroup = []
            for option_value, label, interest in options:
                if interest is not None and theme is not None and interest.pk == theme.pk:
                    label = _("%(theme)s (the whole theme)") % {"theme": theme.name}
                elif interest is not None:
                    label = f"{theme_label} › {interest.name}" if theme else interest.name
                subgroup.append(
                    self.create_option(
                        name, option_value, label, str(option_value) in selected, index
                    )
                )
                index += 1
            groups.append((theme_label or None, subgroup, index))
        return groups
