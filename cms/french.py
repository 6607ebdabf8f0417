"""French typography for sentences built around a name: elision and contracted articles.

A translated sentence such as "Médiathèques près de %(name)s" is right for Marseille and
wrong for Aix ("près d’Aix"), Le Rove ("près du Rove") or the Médiathèque Marcel-Pagnol
("l’agenda de la Médiathèque Marcel-Pagnol"). Translators keep writing "de %(name)s";
:func:`elide` fixes the preposition once the name is in, so each sentence needs no variants.
It only acts on French text, and only on a preposition followed by a capitalised word.
"""

from __future__ import annotations

import re

from django.utils.translation import get_language

# Institutions named without their article ("Médiathèque Marcel-Pagnol").
_FEMININE = "Médiathèque|Bibliothèque|Ludothèque|Maison|Cité|Villa"
_MASCULINE = "Centre|Pôle|Relais|Bibliobus|Réseau"
_PLURAL = "Archives"
_VOWEL = "AÂÀEÉÈÊËIÎÏOÔUÛÙ"

_RULES: list[tuple[re.Pattern, str]] = [
    # de / à + a name that carries its article: Le Rove, Les Pennes-Mirabeau
    (re.compile(r"\b([Dd])e Le (?=\w)"), r"\1u "),
    (re.compile(r"\b([Dd])e Les (?=\w)"), r"\1es "),
    (re.compile(r"\b([Àà]) Le (?=\w)"), lambda m: "Au " if m.group(1) == "À" else "au "),
    (re.compile(r"\b([Àà]) Les (?=\w)"), lambda m: "Aux " if m.group(1) == "À" else "aux "),
    # de / à + an institution named without its article
    (re.compile(rf"\b([Dd]e|[Àà]) (?=(?:{_FEMININE})\b)"), r"\1 la "),
    (re.compile(rf"\b([Dd])e (?=(?:{_MASCULINE})\b)"), r"\1u "),
    (
        re.compile(rf"(?<!\w)([Àà]) (?=(?:{_MASCULINE})\b)"),
        lambda m: "Au " if m.group(1) == "À" else "au ",
    ),
    (re.compile(rf"\b([Dd])e (?=(?:{_PLURAL})\b)"), r"\1es "),
    (
        re.compile(rf"(?<!\w)([Àà]) (?=(?:{_PLURAL})\b)"),
        lambda m: "Aux " if m.group(1) == "À" else "aux ",
    ),
    # de + a name starting with a vowel: d’Aix, d’Istres, d’Arles (not before h: de Hambourg)
    (re.compile(rf"\b([Dd])e (?=[{_VOWEL}])"), r"\1’"),
]


def elide(text: str, language: str | None = None) -> str:
    """``text`` with French elisions and contractions applied around capitalised names."""
    language = (language or get_language() or "fr").split("-")[0]
    if language != "fr" or not text:
        return text
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    return text
