"""MARC21 (as exported by Koha) → CatalogueRecord.

=============  ==============================================================================
record id      001 (else 999$c, where Koha keeps the biblionumber)
title          245$a, " : " $b, ". " $n / $p; ISBD/AACR2 punctuation removed
authors        100$a, 110$a, 700$a, 710$a (already "Nom, Prénom"); when there is no 1XX/7XX
               at all, 245$c as written
ISBN           first valid 020$a, else 024$a (EAN/UPC of DVDs and CDs), else 022$a ISSN as its
               EAN-13; an invalid one is a warning and the record imports without ISBN
publisher      264 (second indicator 1, publication) $b, else 260$b
year           264$c, else 260$c (first plausible year of the text), else 008/07-10
language       041$a (first three letters), else 008/35-37
summary        520$a
subjects       650, 651, 655, 600, 610 $a (the first of each field)
Dewey          082$a ("843/.914" → "843.914")
holdings       952 (Koha): branch $a (home), else $b (holding); call number $o; status:
               $1 lost or $4 damaged (non-zero) → en_reparation; $7 not-for-loan -1 or
               "en commande" → en_commande; a date due in $q → emprunte (kept as the due
               date); else disponible.
               A copy with $0 (withdrawn) set is left out.
=============  ==============================================================================

Document type: Koha item type 942$c, else the most frequent 952$y (vocab.ITEM_TYPES); else
245$h (general material designation); else leader/6: a, t, c, d, e, f, k, o, p → livre;
g → dvd; i, j → cd; m → numérique (008/26 "g", a computer game → jeu_video). A livre whose
leader/7 is "s" is a revue; a livre found from the leader whose subjects say "Comic books"
/ "Bandes dessinées" / "Mangas" (or Dewey 741.5) is a bd / manga.

Audience: 521$a words ("jeunesse", "juvenile", "ado", "young adult", "adult"…), else
008/22: a, b, c, j → jeunesse; d → ado; e, f, g → adulte; else adulte.
"""

from django.utils.translation import gettext
from pymarc import Record

from cms.models import Audience, DocumentType, HoldingStatus

from .marc import (
    Fields,
    most_common,
    pick_cover_url,
    pick_isbn,
    strip_brackets,
    strip_isbd,
    subfield,
)
from .records import CatalogueRecord, HoldingRecord, parse_due_date, parse_year_loose
from .vocab import (
    audience_from_word,
    doc_type_from_code,
    doc_type_from_gmd,
    refine_book_type,
    status_from_word,
)

SUBJECT_TAGS = ("650", "651", "655", "600", "610")
LEADER_TYPES = {
    **dict.fromkeys("atcdefkop", DocumentType.BOOK),
    "g": DocumentType.DVD,
    "i": DocumentType.CD,
    "j": DocumentType.CD,
    "m": DocumentType.DIGITAL,
}
AUDIENCE_CODES = {
    **dict.fromkeys("abcj", Audience.CHILDREN),
    "d": Audience.TEENS,
    **dict.fromkeys("efg", Audience.ADULTS),
}


def _title(fields: Fields) -> str:
    field = fields.first("245")
    if field is None:
        return ""
    title = strip_isbd(subfield(field, "a"))
    remainder = strip_isbd(subfield(field, "b"))
    if remainder and title:
        title += " : " + remainder
    for part in field.get_subfields("n", "p"):
        part = strip_isbd(part)
        if part and title:
            title += ". " + part
    return title


def _authors(fields: Fields) -> list[str]:
    names = [strip_isbd(subfield(f, "a")) for f in fields.all("100", "110", "700", "710")]
    names = [n for n in names if n]
    if not names and not fields.all("100", "110", "700", "710"):
        names = [strip_isbd(v) for v in fields.subs("245", "c")]
    return names


def _holding(field) -> HoldingRecord | None:
    if subfield(field, "0") not in ("", "0"):
        return None
    branch = subfield(field, "a") or subfield(field, "b")
    if subfield(field, "1") not in ("", "0") or subfield(field, "4") not in ("", "0"):
        status = HoldingStatus.IN_REPAIR
    else:
        status = status_from_word(subfield(field, "7"))
        if status not in (HoldingStatus.ON_ORDER, HoldingStatus.IN_REPAIR):
            status = HoldingStatus.ON_LOAN if subfield(field, "q") else HoldingStatus.AVAILABLE
    due = parse_due_date(subfield(field, "q")) if status == HoldingStatus.ON_LOAN else None
    return HoldingRecord(branch, subfield(field, "o"), status, due)


def _doc_type(fields: Fields, leader: str, fixed: str, item: CatalogueRecord) -> str:
    item_type = doc_type_from_code(fields.sub("942", "c")) or doc_type_from_code(
        most_common(fields.subs("952", "y"))
    )
    if item_type:
        return item_type
    doc_type = doc_type_from_gmd(fields.sub("245", "h")) or LEADER_TYPES.get(
        leader[6:7], DocumentType.BOOK
    )
    if doc_type == DocumentType.BOOK:
        if leader[7:8] == "s":
            return DocumentType.MAGAZINE
        return refine_book_type(item.subjects, item.dewey)
    if doc_type == DocumentType.DIGITAL and fixed[26:27] == "g":
        return DocumentType.VIDEO_GAME
    return doc_type


def map_marc21(marc: Record) -> CatalogueRecord:
    fields = Fields(marc)
    fixed = fields.by_tag.get("008")
    fixed = fixed[0].data if fixed and fixed[0].data else ""
    item = CatalogueRecord(
        record_id=fields.control("001") or fields.sub("999", "c"),
        title=_title(fields),
    )
    item.authors = _authors(fields)
    pick_isbn(item, fields.subs("020", "a") + fields.subs("024", "a"), fields.subs("022", "a"))

    publication = next(
        (f for f in fields.all("264") if f.indicator2 in ("1", " ")), None
    ) or fields.first("260")
    date_text = ""
    if publication is not None:
        item.publisher = strip_brackets(subfield(publication, "b"))
        date_text = subfield(publication, "c")
    item.year = parse_year_loose(date_text) or parse_year_loose(fixed[7:11])
    if item.year is None and date_text:
        item.warnings.append(gettext("unreadable year ignored: “%(year)s”") % {"year": date_text})

    item.language = (fields.sub("041", "a") or fixed[35:38])[:3]
    item.summary = "\n\n".join(fields.subs("520", "a"))
    item.subjects = [strip_isbd(subfield(f, "a")) for f in fields.all(*SUBJECT_TAGS)]
    item.dewey = fields.sub("082", "a").replace("/", "").replace("'", "")
    item.cover_url = pick_cover_url(fields)
    item.holdings = [h for h in (_holding(f) for f in fields.all("952")) if h is not None]
    item.doc_type = _doc_type(fields, str(marc.leader), fixed, item)
    item.audience = (
        audience_from_word(fields.sub("521", "a"))
        or AUDIENCE_CODES.get(fixed[22:23])
        or Audience.ADULTS
    )
    return item
