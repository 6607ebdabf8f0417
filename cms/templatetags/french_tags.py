"""Template filters for French text: ``elide`` (près d’Aix, de la Médiathèque …) and
``language_name`` (fre → français)."""

from django import template
from django.utils.safestring import SafeData, mark_safe

from cms.french import elide as _elide
from cms.languages import language_name as _language_name

register = template.Library()


@register.filter(is_safe=True)
def elide(value):
    """Apply French elisions to a rendered sentence; keeps it safe when it was (the rules
    only change letters and spaces, never markup)."""
    text = _elide(str(value))
    return mark_safe(text) if isinstance(value, SafeData) else text


@register.filter
def language_name(code):
    return _language_name(code)
