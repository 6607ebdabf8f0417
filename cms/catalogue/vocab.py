"""Text folding and the vocabularies of library systems, mapped onto the catalogue's choices.

Everything is compared *folded*: accents removed, case folded, every run of punctuation or
spaces collapsed to one space ("Science-fiction" == "science fiction" == "SCIENCE FICTION").

Item types (Koha's UNIMARC 099$t / 995$r, MARC21 942$c / 952$y, the CSV "type" column) are
free codes chosen by each network; the table below knows the usual French ones and Koha's
defaults. A code is looked up whole, then by its longest known prefix, so that the common
"audience suffix" codes work too: "BDJ" (BD jeunesse) → bd, "DVDA" → dvd, "LIVJ" → livre.
"""

import re
import unicodedata
from functools import lru_cache

from cms.models import Audience, DocumentType, HoldingStatus

DOC_TYPES = frozenset(DocumentType.values)
AUDIENCES = frozenset(Audience.values)
HOLDING_STATUSES = frozenset(HoldingStatus.values)

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # C0/C1 controls (incl. NSB/NSE markers)
_SPACES = re.compile(r"\s+")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def clean_text(value: str | None) -> str:
    """NFC, no control characters (Koha's non-sorting markers, NUL…), single spaces."""
    if not value:
        return ""
    if value.isascii() and value.isprintable() and "  " not in value:
        return value.strip()  # the common case, ten times faster
    value = _CONTROL.sub("", unicodedata.normalize("NFC", value))
    return _SPACES.sub(" ", value).strip()


def clean_paragraphs(value: str | None) -> str:
    """Like clean_text, but paragraphs (blank-line separated) are kept."""
    if not value:
        return ""
    value = _CONTROL.sub("", unicodedata.normalize("NFC", value.replace("\r\n", "\n")))
    paragraphs = re.split(r"\n\s*\n", value)
    return "\n\n".join(p for p in (_SPACES.sub(" ", p).strip() for p in paragraphs) if p)


@lru_cache(maxsize=65536)  # bounded: subjects and codes repeat a lot
def fold(value: str | None) -> str:
    """Accent-, case- and punctuation-insensitive form used for every comparison."""
    if not value:
        return ""
    decomposed = unicodedata.normalize("NFKD", value)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    stripped = stripped.replace("œ", "oe").replace("æ", "ae").replace("ß", "ss")
    return _NON_ALNUM.sub(" ", stripped).strip()


# --- Document types ------------------------------------------------------------------------

ITEM_TYPES: dict[str, str] = {
    # books
    "livre": DocumentType.BOOK,
    "livres": DocumentType.BOOK,
    "liv": DocumentType.BOOK,
    "lv": DocumentType.BOOK,
    "roman": DocumentType.BOOK,
    "romans": DocumentType.BOOK,
    "album": DocumentType.BOOK,
    "albums": DocumentType.BOOK,
    "documentaire": DocumentType.BOOK,
    "doc": DocumentType.BOOK,
    "texte imprime": DocumentType.BOOK,
    "book": DocumentType.BOOK,
    "bk": DocumentType.BOOK,
    # comics
    "bd": DocumentType.COMIC,
    "bande dessinee": DocumentType.COMIC,
    "bandes dessinees": DocumentType.COMIC,
    "comics": DocumentType.COMIC,
    "comic": DocumentType.COMIC,
    "manga": DocumentType.MANGA,
    "mangas": DocumentType.MANGA,
    # video
    "dvd": DocumentType.DVD,
    "bluray": DocumentType.DVD,
    "blu ray": DocumentType.DVD,
    "video": DocumentType.DVD,
    "videos": DocumentType.DVD,
    "film": DocumentType.DVD,
    "films": DocumentType.DVD,
    "vid": DocumentType.DVD,
    "vm": DocumentType.DVD,
    # sound
    "cd": DocumentType.CD,
    "cda": DocumentType.CD,
    "disque": DocumentType.CD,
    "musique": DocumentType.CD,
    "livre audio": DocumentType.CD,
    "livre lu": DocumentType.CD,
    "enregistrement sonore": DocumentType.CD,
    "mu": DocumentType.CD,
    # games
    "jeu": DocumentType.VIDEO_GAME,
    "jeux": DocumentType.VIDEO_GAME,
    "jeu video": DocumentType.VIDEO_GAME,
    "jeux video": DocumentType.VIDEO_GAME,
    "jv": DocumentType.VIDEO_GAME,
    "game": DocumentType.VIDEO_GAME,
    # digital
    "numerique": DocumentType.DIGITAL,
    "ressource numerique": DocumentType.DIGITAL,
    "ressource electronique": DocumentType.DIGITAL,
    "livre numerique": DocumentType.DIGITAL,
    "ebook": DocumentType.DIGITAL,
    "cdrom": DocumentType.DIGITAL,
    "cd rom": DocumentType.DIGITAL,
    "en ligne": DocumentType.DIGITAL,
    "er": DocumentType.DIGITAL,
    # magazines
    "revue": DocumentType.MAGAZINE,
    "revues": DocumentType.MAGAZINE,
    "periodique": DocumentType.MAGAZINE,
    "periodiques": DocumentType.MAGAZINE,
    "magazine": DocumentType.MAGAZINE,
    "mag": DocumentType.MAGAZINE,
    "per": DocumentType.MAGAZINE,
    "cr": DocumentType.MAGAZINE,  # Koha MARC21 "continuing resource"
}
_ITEM_PREFIXES = sorted((k for k in ITEM_TYPES if " " not in k), key=len, reverse=True)


@lru_cache(maxsize=4096)
def doc_type_from_code(code: str | None) -> str:
    """The document type of an item-type code or label ("" when unknown)."""
    folded = fold(code)
    if not folded:
        return ""
    if folded in ITEM_TYPES:
        return ITEM_TYPES[folded]
    compact = folded.replace(" ", "")
    if compact in ITEM_TYPES:
        return ITEM_TYPES[compact]
    if folded in DOC_TYPES:
        return folded
    for prefix in _ITEM_PREFIXES:
        if len(prefix) >= 2 and compact.startswith(prefix):
            return ITEM_TYPES[prefix]
    return ""


# General material designation (UNIMARC 200$b, MARC21 245$h), matched as folded substrings.
GMD_TYPES: list[tuple[str, str]] = [
    ("enregistrement sonore", DocumentType.CD),
    ("sound recording", DocumentType.CD),
    ("images animees", DocumentType.DVD),
    ("videogramme", DocumentType.DVD),
    ("videorecording", DocumentType.DVD),
    ("video", DocumentType.DVD),
    ("ressource electronique", DocumentType.DIGITAL),
    ("document electronique", DocumentType.DIGITAL),
    ("electronic resource", DocumentType.DIGITAL),
    ("multimedia", DocumentType.DIGITAL),
    ("texte imprime", DocumentType.BOOK),
    ("texte", DocumentType.BOOK),
    ("text", DocumentType.BOOK),
]


@lru_cache(maxsize=4096)
def doc_type_from_gmd(gmd: str | None) -> str:
    folded = fold(gmd)
    if not folded:
        return ""
    for needle, doc_type in GMD_TYPES:
        if needle in folded:
            return doc_type
    return ""


COMIC_WORDS = (
    "bandes dessinees",
    "bande dessinee",
    "comics",
    "comic book",
    "comic strip",
    "graphic novel",
)


def refine_book_type(subjects: list[str], dewey: str) -> str:
    """A printed text that is really a comic or a manga, judging by its subjects or Dewey class."""
    folded = " | ".join(fold(s) for s in subjects)
    if "manga" in folded:
        return DocumentType.MANGA
    if any(word in folded for word in COMIC_WORDS):
        return DocumentType.COMIC
    if dewey.startswith("741.5"):
        return DocumentType.COMIC
    return DocumentType.BOOK


def looks_like_game(*texts: str) -> bool:
    folded = " ".join(fold(t) for t in texts if t)
    return "jeu video" in folded or "jeux video" in folded or "video game" in folded


# --- Audience ------------------------------------------------------------------------------

AUDIENCE_WORDS: dict[str, str] = {
    "jeunesse": Audience.CHILDREN,
    "j": Audience.CHILDREN,
    "enfant": Audience.CHILDREN,
    "enfants": Audience.CHILDREN,
    "juvenile": Audience.CHILDREN,
    "children": Audience.CHILDREN,
    "ado": Audience.TEENS,
    "ados": Audience.TEENS,
    "adolescent": Audience.TEENS,
    "adolescents": Audience.TEENS,
    "jeune adulte": Audience.TEENS,
    "jeunes adultes": Audience.TEENS,
    "young adult": Audience.TEENS,
    "teen": Audience.TEENS,
    "teens": Audience.TEENS,
    "teenagers": Audience.TEENS,
    "t": Audience.TEENS,
    "y": Audience.TEENS,
    "a": Audience.ADULTS,
    "adulte": Audience.ADULTS,
    "adultes": Audience.ADULTS,
    "adult": Audience.ADULTS,
    "adults": Audience.ADULTS,
    "tout public": Audience.ADULTS,
}


@lru_cache(maxsize=4096)
def audience_from_word(value: str | None) -> str:
    """An audience from a label or item-level code ("" when unknown)."""
    folded = fold(value)
    if not folded:
        return ""
    if folded in AUDIENCE_WORDS:
        return AUDIENCE_WORDS[folded]
    for word, audience in AUDIENCE_WORDS.items():
        if len(word) > 2 and word in folded:
            return audience
    return ""


# --- Holding status ------------------------------------------------------------------------

STATUS_WORDS: dict[str, str] = {
    "": HoldingStatus.AVAILABLE,
    "0": HoldingStatus.AVAILABLE,
    "disponible": HoldingStatus.AVAILABLE,
    "available": HoldingStatus.AVAILABLE,
    "en rayon": HoldingStatus.AVAILABLE,
    "emprunte": HoldingStatus.ON_LOAN,
    "en pret": HoldingStatus.ON_LOAN,
    "prete": HoldingStatus.ON_LOAN,
    "on loan": HoldingStatus.ON_LOAN,
    "checked out": HoldingStatus.ON_LOAN,
    "en commande": HoldingStatus.ON_ORDER,
    "commande": HoldingStatus.ON_ORDER,
    "commandee": HoldingStatus.ON_ORDER,
    "on order": HoldingStatus.ON_ORDER,
    "ordered": HoldingStatus.ON_ORDER,
    "en reparation": HoldingStatus.IN_REPAIR,
    "reparation": HoldingStatus.IN_REPAIR,
    "en reliure": HoldingStatus.IN_REPAIR,
    "reliure": HoldingStatus.IN_REPAIR,
    "abime": HoldingStatus.IN_REPAIR,
    "damaged": HoldingStatus.IN_REPAIR,
    "in repair": HoldingStatus.IN_REPAIR,
}


@lru_cache(maxsize=4096)
def status_from_word(value: str | None) -> str:
    """A holding status from a library-system value ("" when unknown).

    Koha's not-for-loan codes are small integers: 0 = loanable, -1 = ordered; other
    positive codes (reference copy, staff collection…) are unknown here.
    """
    raw = (value or "").strip()
    if raw == "-1":
        return HoldingStatus.ON_ORDER
    folded = fold(raw)
    if raw and not folded:
        return ""
    if folded in HOLDING_STATUSES or folded.replace(" ", "_") in HOLDING_STATUSES:
        return folded.replace(" ", "_")
    return STATUS_WORDS.get(folded, "")
