"""Language names for the codes catalogue records carry (ISO 639-2, bibliographic or
terminology, as UNIMARC 101 and MARC 008/041 give them): "fre" is shown as "français".

Names and their translations come from pycountry's copy of the ISO 639-3 tables and of
Debian's iso-codes translations, so no list is kept here.
"""

from __future__ import annotations

import gettext
from functools import lru_cache

import pycountry
from django.utils.translation import get_language


@lru_cache(maxsize=8)
def _catalogue(language: str) -> gettext.NullTranslations:
    return gettext.translation(
        "iso639-3", pycountry.LOCALES_DIR, languages=[language], fallback=True
    )


@lru_cache(maxsize=2048)
def _name(code: str, language: str) -> str:
    code = code.strip().lower()
    entry = None
    if len(code) == 3:
        entry = pycountry.languages.get(bibliographic=code) or pycountry.languages.get(alpha_3=code)
    elif len(code) == 2:
        entry = pycountry.languages.get(alpha_2=code)
    if entry is None:
        return code
    name = _catalogue(language).gettext(entry.name)
    # French writes language names in lower case ("livre en anglais", "Langue : français").
    return name[:1].lower() + name[1:] if language == "fr" else name


def language_name(code: str | None, language: str | None = None) -> str:
    """The name of the language ``code`` in ``language`` (the active one by default); the code
    itself when it is not a known ISO 639 code."""
    if not code:
        return ""
    language = (language or get_language() or "fr").split("-")[0]
    return _name(code, language)
