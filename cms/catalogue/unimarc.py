"""UNIMARC (as exported by Koha) → CatalogueRecord.

=============  ==============================================================================
record id      001 (else 090$a, where Koha keeps the biblionumber)
title          200$a (several $a joined by " ; "), then each $e as " : …"; ISBD punctuation
               and Koha's non-sorting markers removed
authors        700/701/702 "$a, $b" (persons, "Nom, Prénom"), then 710/711/712 $a
               (corporate bodies); when there is no 7XX at all, 200$f as written
ISBN           first valid 010$a; else 011$a ISSN as its EAN-13 (977…); an invalid one is a
               warning and the record imports without ISBN
publisher      214$c, else 210$c ("[s.n.]" means none)
year           214$d, else 210$d (first plausible year of the text: "DL 2019", "cop. 2003"),
               else 100$a/9-12; a date text without any year is a warning
language       101$a
summary        330$a (several: paragraphs)
subjects       606, 600, 601, 602, 604, 605, 607, 608, 610 $a (600 as "$a, $b")
Dewey          676$a
cover          the first 856$u that is a picture of the cover (marc.pick_cover_url: $q image/…,
               a label saying couverture/vignette, an image file, Koha's opac-image.pl)
holdings       995: branch $b (owner), else $c; call number $k; status:
               $o "en commande"/"commande"/-1 → en_commande, "réparation"/"reparation" →
               en_reparation, "emprunté"/"en prêt" → emprunte; otherwise a date due in $n →
               emprunte (kept as the due date when it reads as one); otherwise (empty, 0,
               "disponible", other codes) → disponible
=============  ==============================================================================

Document type, first match wins:

1. the Koha item type: 099$t, else the most frequent 995$r — "BD", "MANGA", "DVD", "CD",
   "JEU", "REVUE", "LIVRE"… (see vocab.ITEM_TYPES; "BDJ", "DVDA"… by prefix);
2. the general material designation 200$b: "Texte imprimé" → livre, "Enregistrement
   sonore (musical)" → cd, "Vidéo"/"Images animées" → dvd, "Multimédia"/"Ressource
   électronique" → numérique;
3. leader/6: a, b, c, d, e, f, k → livre; g → dvd; i, j → cd; l, m → numérique.

Then: a serial (leader/7 "s", or an ISSN without ISBN) that came out as livre is a revue; a
livre found by 2. or 3. whose subjects say "Bandes dessinées"/"Mangas" (or Dewey 741.5) is a
bd/manga; a numérique whose 200$b or subjects say "jeu(x) vidéo" is a jeu_video. Realia
(leader/6 "r", board games) has no catalogue type and falls back to livre.

Audience, first match wins:

1. the most frequent 995$q (Koha "public"): "j"/"jeunesse"/"enfant(s)" → jeunesse,
   "ado"/"adolescent"/"jeune adulte"/"t"/"y" → ado, "a"/"adulte"/"tout public" → adulte;
2. 100$a/17 (target audience code): a, b, c, d (juvenile, pre-school, primary, children)
   → jeunesse; e (young adult) → ado; k, m (adult) → adulte; u or blank → next rule;
3. adulte.
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
    looks_like_game,
    refine_book_type,
    status_from_word,
)

SUBJECT_TAGS = ("606", "600", "601", "602", "604", "605", "607", "608", "610")
LEADER_TYPES = {
    **dict.fromkeys("abcdefk", DocumentType.BOOK),
    "g": DocumentType.DVD,
    "i": DocumentType.CD,
    "j": DocumentType.CD,
    "l": DocumentType.DIGITAL,
    "m": DocumentType.DIGITAL,
}
AUDIENCE_CODES = {
    **dict.fromkeys("abcd", Audience.CHILDREN),
    "e": Audience.TEENS,
    "k": Audience.ADULTS,
    "m": Audience.ADULTS,
}


def _title(fields: Fields) -> str:
    field = fields.first("200")
    if field is None:
        return ""
    titles = [strip_isbd(v) for v in field.get_subfields("a")]
    title = " ; ".join(t for t in titles if t)
    for other in field.get_subfields("e"):
        other = strip_isbd(other)
        if other and title:
            title += " : " + other
    return title


def _authors(fields: Fields) -> list[str]:
    authors = []
    for field in fields.all("700", "701", "702"):
        surname, forename = strip_isbd(subfield(field, "a")), strip_isbd(subfield(field, "b"))
        if surname:
            authors.append(f"{surname}, {forename}" if forename else surname)
    for field in fields.all("710", "711", "712"):
        name = strip_isbd(subfield(field, "a"))
        if name:
            authors.append(name)
    if not authors and not fields.all("700", "701", "702", "710", "711", "712"):
        authors = [strip_isbd(v) for v in fields.subs("200", "f")]
    return authors


def _subjects(fields: Fields) -> list[str]:
    subjects = []
    for field in fields.all(*SUBJECT_TAGS):
        main = strip_isbd(subfield(field, "a"))
        if not main:
            continue
        if field.tag == "600" and subfield(field, "b"):
            main = f"{main}, {strip_isbd(subfield(field, 'b'))}"
        subjects.append(main)
    return subjects


def _holding(field) -> HoldingRecord:
    branch = subfield(field, "b") or subfield(field, "c")
    status = status_from_word(subfield(field, "o"))
    if status not in (HoldingStatus.ON_ORDER, HoldingStatus.IN_REPAIR, HoldingStatus.ON_LOAN):
        status = HoldingStatus.ON_LOAN if subfield(field, "n") else HoldingStatus.AVAILABLE
    due = parse_due_date(subfield(field, "n")) if status == HoldingStatus.ON_LOAN else None
    return HoldingRecord(branch, subfield(field, "k"), status, due)


def _doc_type(fields: Fields, leader: str, item: CatalogueRecord) -> str:
    item_type = doc_type_from_code(fields.sub("099", "t")) or doc_type_from_code(
        most_common(fields.subs("995", "r"))
    )
    if item_type:
        return item_type
    gmd = fields.sub("200", "b")
    doc_type = doc_type_from_gmd(gmd) or LEADER_TYPES.get(leader[6:7], DocumentType.BOOK)
    if doc_type == DocumentType.BOOK:
        if leader[7:8] == "s" or item.isbn.startswith("977"):
            return DocumentType.MAGAZINE
        return refine_book_type(item.subjects, item.dewey)
    if doc_type == DocumentType.DIGITAL and looks_like_game(gmd, *item.subjects):
        return DocumentType.VIDEO_GAME
    return doc_type


def _audience(fields: Fields) -> str:
    from_items = audience_from_word(most_common(fields.subs("995", "q")))
    if from_items:
        return from_items
    coded = fields.coded("100")
    return AUDIENCE_CODES.get(coded[17:18].lower(), Audience.ADULTS)


def map_unimarc(marc: Record) -> CatalogueRecord:
    fields = Fields(marc)
    item = CatalogueRecord(
        record_id=fields.control("001") or fields.sub("090", "a"),
        title=_title(fields),
    )
    item.authors = _authors(fields)
    pick_isbn(item, fields.subs("010", "a"), fields.subs("011", "a"))

    publication = next(
        (f for f in fields.all("214") if subfield(f, "c") or subfield(f, "d")),
        fields.first("210"),
    )
    date_text = ""
    if publication is not None:
        item.publisher = strip_brackets(subfield(publication, "c"))
        date_text = subfield(publication, "d")
    item.year = parse_year_loose(date_text)
    coded = fields.coded("100")
    if item.year is None and len(coded) >= 13:
        item.year = parse_year_loose(coded[9:13])
    if item.year is None and date_text:
        item.warnings.append(gettext("unreadable year ignored: “%(year)s”") % {"year": date_text})

    item.language = fields.sub("101", "a")[:3]
    item.summary = "\n\n".join(fields.subs("330", "a"))
    item.subjects = _subjects(fields)
    item.dewey = fields.sub("676", "a")
    item.cover_url = pick_cover_url(fields)
    item.holdings = [_holding(f) for f in fields.all("995")]
    item.doc_type = _doc_type(fields, str(marc.leader), item)
    item.audience = _audience(fields)
    return item
