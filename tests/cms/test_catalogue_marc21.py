"""MARC21 (Koha) ISO 2709 → normalised records, MARC-8 and ISO-8859-1 included."""

import io
from datetime import date

import pytest

from cms.catalogue.marc import read_marc21
from cms.models import Audience, DocumentType, HoldingStatus
from tests.cms.catalogue_fixtures import MARC21_LEADER, control, field, iso2709, marc21_book, record


def fixed008(**positions: str) -> str:
    """A 40-character 008, blank but for the given positions (p26="g" → position 26)."""
    chars = list("240101s2017    xx " + " " * 22)
    for key, value in positions.items():
        chars[int(key[1:])] = value
    return "".join(chars)


def read_one(marc):
    (entry,) = read_marc21(io.BytesIO(iso2709(marc)))
    assert entry.error == ""
    return entry.record


def full_record():
    return record(
        MARC21_LEADER,
        control("001", "ocm123"),
        control("008", "240101s1965    xxu    j      000 1 eng d"),
        field("020", ("a", "0-441-01359-7 (pbk.)")),
        field("041", ("a", "eng"), ("h", "fre"), ind="1 "),
        field("082", ("a", "813/.54"), ("2", "23"), ind="04"),
        field("100", ("a", "Herbert, Frank,"), ("d", "1920-1986."), ind="1 "),
        field("245", ("a", "Dune :"), ("b", "a novel /"), ("c", "Frank Herbert."), ind="10"),
        field("264", ("a", "New York :"), ("b", "Ace Books,"), ("c", "[2005]"), ind=" 1"),
        field("264", ("c", "©1965"), ind=" 4"),
        field("520", ("a", "Paul Atreides on Arrakis.")),
        field("650", ("a", "Science fiction."), ind=" 0"),
        field("651", ("a", "Arrakis (Imaginary place)"), ind=" 0"),
        field("655", ("a", "Space opera."), ind=" 7"),
        field("700", ("a", "Schoenherr, John,"), ("e", "illustrator."), ind="1 "),
        field("942", ("c", "BK")),
        field("952", ("a", "AUB"), ("b", "AUB"), ("o", "SF HER"), ("7", "0")),
        field("952", ("a", "ALC"), ("b", "ARL"), ("o", "SF HER 2"), ("q", "2026-12-01")),
        field("952", ("b", "ARL"), ("o", "SF HER 3"), ("7", "-1")),
        field("952", ("a", "ALC"), ("o", "SF HER 4"), ("1", "1")),
        field("952", ("a", "ALC"), ("o", "SF HER 5"), ("4", "1")),
        field("952", ("a", "ALC"), ("o", "SF HER 6"), ("0", "1")),  # withdrawn copy
    )


def test_every_field_of_a_koha_marc21_record():
    item = read_one(full_record())
    assert item.record_id == "ocm123"
    assert item.title == "Dune : a novel"
    assert item.authors == ["Herbert, Frank", "Schoenherr, John"]
    assert item.isbn == "9780441013593"
    assert item.publisher == "Ace Books"
    assert item.year == 2005
    assert item.language == "eng"
    assert item.summary == "Paul Atreides on Arrakis."
    assert item.subjects == ["Science fiction", "Arrakis (Imaginary place)", "Space opera"]
    assert item.dewey == "813.54"
    assert item.doc_type == DocumentType.BOOK
    assert item.audience == Audience.CHILDREN  # 008/22 "j"
    assert item.holdings == [
        ("AUB", "SF HER", HoldingStatus.AVAILABLE, None),
        ("ALC", "SF HER 2", HoldingStatus.ON_LOAN, date(2026, 12, 1)),  # $q due; $a home wins
        ("ARL", "SF HER 3", HoldingStatus.ON_ORDER, None),  # $7 -1; $b when no $a
        ("ALC", "SF HER 4", HoldingStatus.IN_REPAIR, None),  # $1 lost
        ("ALC", "SF HER 5", HoldingStatus.IN_REPAIR, None),  # $4 damaged
    ]


def test_260_language_from_008_and_245c_without_1xx():
    marc = record(
        MARC21_LEADER,
        control("001", "9"),
        control("008", "240101s1987    fr            000 1 fre d"),
        field("245", ("a", "La horde du contrevent /"), ("c", "Alain Damasio."), ind="00"),
        field("260", ("a", "Paris :"), ("b", "La Volte,"), ("c", "c2004.")),
    )
    item = read_one(marc)
    assert item.title == "La horde du contrevent"
    assert item.authors == ["Alain Damasio"]
    assert item.publisher == "La Volte"
    assert item.year == 2004
    assert item.language == "fre"


def test_year_falls_back_to_008():
    marc = marc21_book(fixed="240101s1965    xxu           000 1 eng d")
    assert read_one(marc).year == 1965


@pytest.mark.parametrize(
    ("leader", "fixed", "extra", "expected"),
    [
        ("00000ngm a2200000 a 4500", "", (), DocumentType.DVD),
        ("00000njm a2200000 a 4500", "", (), DocumentType.CD),
        ("00000nim a2200000 a 4500", "", (), DocumentType.CD),
        ("00000nmm a2200000 a 4500", fixed008(p26="g"), (), DocumentType.VIDEO_GAME),
        ("00000nmm a2200000 a 4500", fixed008(p26="d"), (), DocumentType.DIGITAL),
        ("00000nas a2200000 a 4500", "", (), DocumentType.MAGAZINE),
        (
            "00000nam a2200000 a 4500",
            "",
            (field("650", ("a", "Comic books, strips, etc.")),),
            DocumentType.COMIC,
        ),
        ("00000nam a2200000 a 4500", "", (field("942", ("c", "DVD")),), DocumentType.DVD),
        (
            "00000nam a2200000 a 4500",
            "",
            (field("952", ("a", "ALC"), ("y", "MANGA")),),
            DocumentType.MANGA,
        ),
    ],
)
def test_document_type(leader, fixed, extra, expected):
    fields = [control("001", "1"), field("245", ("a", "T"), ind="00"), *extra]
    if fixed:
        fields.append(control("008", fixed))
    assert read_one(record(leader, *fields)).doc_type == expected


def test_audience_from_521():
    marc = marc21_book()
    marc.add_field(field("521", ("a", "Young adult.")))
    assert read_one(marc).audience == Audience.TEENS


def test_marc8_record_with_combining_diacritic_is_decoded():
    # MARC-8 puts the combining acute (0xE2) *before* its base letter: "Pe\u0301rec".
    marc = record(
        "00000nam  2200000 a 4500",  # leader/9 blank: MARC-8
        control("001", "m8"),
        field("100", ("a", "P\xe2erec, Georges"), ind="1 "),
        field("245", ("a", "La disparition /"), ind="13"),
        field("650", ("a", "Lipogrammes")),
        field("650", ("a", "Litt\xe2erature exp\xe2erimentale")),
        to_unicode=False,
    )
    data = marc.as_marc()
    assert data[9:10] == b" " and b"P\xe2erec" in data
    (entry,) = read_marc21(io.BytesIO(data))
    assert entry.record.authors == ["Pérec, Georges"]
    assert entry.record.authors[0] == "P\u00e9rec, Georges"  # composed (NFC)
    assert entry.record.subjects == ["Lipogrammes", "Littérature expérimentale"]
    assert entry.record.warnings == []


def test_declared_utf8_that_is_latin1_is_read_as_iso_8859_1():
    marc = record(
        "00000nam  2200000 a 4500",
        control("001", "l1"),
        field("245", ("a", "Les Misérables"), ind="10"),
        to_unicode=False,
    )
    data = bytearray(marc.as_marc())
    data[9:10] = b"a"  # claims UTF-8
    (entry,) = read_marc21(io.BytesIO(bytes(data)))
    assert entry.record.title == "Les Misérables"
    assert entry.record.warnings == ["encodage non UTF-8 : notice lue en ISO-8859-1"]


def test_invalid_isbn_is_a_warning():
    marc = marc21_book()
    marc.remove_fields("020")
    marc.add_field(field("020", ("a", "0441013598")))
    item = read_one(marc)
    assert item.isbn == ""
    assert item.warnings == ["ISBN-10 invalide (clé de contrôle fausse) : « 0441013598 » (ignoré)"]


def test_ean_of_a_dvd_from_024():
    marc = record(
        "00000ngm a2200000 a 4500",
        control("001", "d1"),
        field("024", ("a", "3259190371927"), ind="3 "),
        field("245", ("a", "Le voyage de Chihiro"), ind="13"),
    )
    assert read_one(marc).isbn == "3259190371927"
