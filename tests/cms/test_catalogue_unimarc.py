"""UNIMARC (Koha) ISO 2709 → normalised records: every mapped field, types, audiences, statuses."""

import io
from datetime import date

import pytest

from cms.catalogue.marc import read_unimarc
from cms.models import Audience, DocumentType, HoldingStatus
from tests.cms.catalogue_fixtures import (
    UNIMARC_LEADER,
    control,
    field,
    iso2709,
    record,
    unimarc_book,
)


def read(*records):
    return list(read_unimarc(io.BytesIO(iso2709(*records))))


def read_one(marc):
    (entry,) = read(marc)
    assert entry.error == ""
    return entry.record


def full_record():
    return record(
        "00000cam0 22     i 450 ",
        control("001", "123456"),
        field("010", ("a", "2-07-036822-X"), ("b", "br."), ("d", "7,50 EUR")),
        field("100", ("a", "20240101d1965    m  y0frey5050    ba")),
        field("101", ("a", "fre"), ("c", "eng"), ind="1 "),
        field(
            "200",
            ("a", "\x88Les \x89choses"),
            ("b", "Texte imprimé"),
            ("e", "une histoire des années soixante"),
            ("f", "Georges Perec"),
            ind="1 ",
        ),
        field("210", ("a", "Paris"), ("c", "Julliard"), ("d", "1965")),
        field("214", ("a", "Paris"), ("c", "J'ai lu"), ("d", "DL 2019"), ind=" 1"),
        field("330", ("a", "Jérôme et Sylvie rêvent de bonheur.")),
        field("330", ("a", "Prix Renaudot 1965.")),
        field("600", ("a", "Perec"), ("b", "Georges"), ind=" 1"),
        field("606", ("a", "Société de consommation"), ("x", "Romans"), ("2", "rameau")),
        field("607", ("a", "Paris (France)")),
        field("608", ("a", "Romans")),
        field("676", ("a", "843.914"), ("v", "23")),
        field("700", ("a", "Perec"), ("b", "Georges"), ("f", "1936-1982"), ("4", "070"), ind=" 1"),
        field("702", ("a", "Bellos"), ("b", "David"), ("4", "730"), ind=" 1"),
        field("995", ("b", "ALC"), ("c", "ALC"), ("k", "R PER"), ("o", "0"), ("q", "a")),
        field("995", ("b", "AUB"), ("k", "R PER"), ("n", "2026-12-01")),
        field("995", ("c", "ARL"), ("k", "R PER"), ("o", "en commande")),
        field("995", ("b", "ALC"), ("k", "R PER 2"), ("o", "Réparation")),
    )


def test_every_field_of_a_koha_unimarc_record():
    item = read_one(full_record())
    assert item.record_id == "123456"
    assert item.title == "Les choses : une histoire des années soixante"  # markers dropped
    assert item.authors == ["Perec, Georges", "Bellos, David"]  # 7XX, not 200$f
    assert item.isbn == "9782070368228"
    assert item.publisher == "J'ai lu"  # 214 (newer) wins over 210
    assert item.year == 2019
    assert item.language == "fre"
    assert item.summary == "Jérôme et Sylvie rêvent de bonheur.\n\nPrix Renaudot 1965."
    assert item.subjects == [
        "Société de consommation",
        "Perec, Georges",
        "Paris (France)",
        "Romans",
    ]
    assert item.dewey == "843.914"
    assert item.doc_type == DocumentType.BOOK
    assert item.audience == Audience.ADULTS
    assert item.holdings == [
        ("ALC", "R PER", HoldingStatus.AVAILABLE, None),
        ("AUB", "R PER", HoldingStatus.ON_LOAN, date(2026, 12, 1)),  # a date due in $n
        ("ARL", "R PER", HoldingStatus.ON_ORDER, None),  # $c when there is no $b
        ("ALC", "R PER 2", HoldingStatus.IN_REPAIR, None),
    ]
    assert item.warnings == []


def test_210_when_there_is_no_214_and_200f_when_there_is_no_7xx():
    marc = record(
        UNIMARC_LEADER,
        control("001", "1"),
        field("200", ("a", "Le petit prince /"), ("f", "Antoine de Saint-Exupéry"), ind="1 "),
        field("210", ("a", "Paris"), ("c", "[s.n.]"), ("d", "cop. 1946")),
    )
    item = read_one(marc)
    assert item.title == "Le petit prince"
    assert item.authors == ["Antoine de Saint-Exupéry"]
    assert item.publisher == ""  # "sine nomine"
    assert item.year == 1946
    assert item.isbn == ""
    assert item.holdings == []


@pytest.mark.parametrize(
    ("leader", "extra", "expected"),
    [
        ("00000nam0 22     i 450 ", (field("099", ("t", "BD")),), DocumentType.COMIC),
        ("00000nam0 22     i 450 ", (field("099", ("t", "MANGA")),), DocumentType.MANGA),
        ("00000nam0 22     i 450 ", (field("099", ("t", "DVDJ")),), DocumentType.DVD),
        ("00000nam0 22     i 450 ", (field("099", ("t", "JEU")),), DocumentType.VIDEO_GAME),
        ("00000nam0 22     i 450 ", (field("995", ("b", "ALC"), ("r", "CD")),), DocumentType.CD),
        ("00000ngm0 22     i 450 ", (), DocumentType.DVD),
        ("00000njm0 22     i 450 ", (), DocumentType.CD),
        ("00000nlm0 22     i 450 ", (), DocumentType.DIGITAL),
        ("00000nas0 22     i 450 ", (), DocumentType.MAGAZINE),
        (
            "00000nam0 22     i 450 ",
            (field("200", ("a", "Y"), ("b", "Enregistrement sonore musical"), ind="1 "),),
            DocumentType.CD,
        ),
        (
            "00000nam0 22     i 450 ",
            (field("200", ("a", "Y"), ("b", "Vidéo"), ind="1 "),),
            DocumentType.DVD,
        ),
        (
            "00000nmm0 22     i 450 ",
            (
                field("200", ("a", "Y"), ("b", "Multimédia"), ind="1 "),
                field("606", ("a", "Jeux vidéo")),
            ),
            DocumentType.VIDEO_GAME,
        ),
        (
            "00000nam0 22     i 450 ",
            (field("200", ("a", "Y"), ("b", "Ressource électronique"), ind="1 "),),
            DocumentType.DIGITAL,
        ),
        ("00000nam0 22     i 450 ", (field("606", ("a", "Bandes dessinées")),), DocumentType.COMIC),
        ("00000nam0 22     i 450 ", (field("606", ("a", "Mangas")),), DocumentType.MANGA),
        ("00000nam0 22     i 450 ", (field("676", ("a", "741.5944")),), DocumentType.COMIC),
        ("00000nam0 22     i 450 ", (field("011", ("a", "0395-2037")),), DocumentType.MAGAZINE),
        ("00000nrm0 22     i 450 ", (), DocumentType.BOOK),  # realia: no catalogue type
    ],
)
def test_document_type(leader, extra, expected):
    fields = [control("001", "1"), *extra]
    if not any(f.tag == "200" for f in extra):
        fields.append(field("200", ("a", "Titre"), ind="1 "))
    assert read_one(record(leader, *fields)).doc_type == expected


def test_item_type_wins_over_the_leader_and_subjects():
    marc = record(
        "00000ngm0 22     i 450 ",
        control("001", "1"),
        field("099", ("t", "LIVRE")),
        field("200", ("a", "Titre"), ind="1 "),
        field("606", ("a", "Mangas")),
    )
    assert read_one(marc).doc_type == DocumentType.BOOK


def test_magazine_isbn_is_its_issn_as_ean13():
    marc = record(
        "00000nas0 22     i 450 ",
        control("001", "1"),
        field("011", ("a", "0395-2037")),
        field("200", ("a", "Science & vie junior"), ind="1 "),
    )
    assert read_one(marc).isbn == "9770395203003"


@pytest.mark.parametrize(
    ("coded", "items", "expected"),
    [
        ("20240101d2019    c  y0frey5050    ba", (), Audience.CHILDREN),
        ("20240101d2019    b  y0frey5050    ba", (), Audience.CHILDREN),
        ("20240101d2019    e  y0frey5050    ba", (), Audience.TEENS),
        ("20240101d2019    m  y0frey5050    ba", (), Audience.ADULTS),
        ("20240101d2019    u  y0frey5050    ba", (), Audience.ADULTS),
        ("20240101d2019    m  y0frey5050    ba", ("j", "j", "a"), Audience.CHILDREN),
        ("20240101d2019    u  y0frey5050    ba", ("ado",), Audience.TEENS),
        ("20240101d2019    c  y0frey5050    ba", ("Adultes",), Audience.ADULTS),
    ],
)
def test_audience_from_995q_then_100a(coded, items, expected):
    marc = record(
        UNIMARC_LEADER,
        control("001", "1"),
        field("100", ("a", coded)),
        field("200", ("a", "Titre"), ind="1 "),
        *[field("995", ("b", "ALC"), ("q", q)) for q in items],
    )
    assert read_one(marc).audience == expected


@pytest.mark.parametrize(
    ("subfields", "expected"),
    [
        ((), HoldingStatus.AVAILABLE),
        ((("o", "0"),), HoldingStatus.AVAILABLE),
        ((("o", "disponible"),), HoldingStatus.AVAILABLE),
        ((("o", "1"),), HoldingStatus.AVAILABLE),  # Koha "not for loan": on the shelf
        ((("n", "2026-11-30"),), HoldingStatus.ON_LOAN),
        ((("o", "0"), ("n", "2026-11-30")), HoldingStatus.ON_LOAN),
        ((("o", "En commande"),), HoldingStatus.ON_ORDER),
        ((("o", "commande"),), HoldingStatus.ON_ORDER),
        ((("o", "-1"),), HoldingStatus.ON_ORDER),
        ((("o", "réparation"),), HoldingStatus.IN_REPAIR),
        ((("o", "reparation"),), HoldingStatus.IN_REPAIR),
        ((("o", "en réparation"), ("n", "2026-11-30")), HoldingStatus.IN_REPAIR),
    ],
)
def test_holding_status(subfields, expected):
    marc = unimarc_book(holdings=())
    marc.add_field(field("995", ("b", "ALC"), ("k", "X"), *subfields))
    assert [h[:3] for h in read_one(marc).holdings] == [("ALC", "X", expected)]
    due = read_one(marc).holdings[0].due_date
    assert due == (date(2026, 11, 30) if expected == HoldingStatus.ON_LOAN else None)


def test_holding_without_branch_code_is_dropped_with_a_warning():
    marc = unimarc_book(holdings=())
    marc.add_field(field("995", ("k", "X")))
    item = read_one(marc)
    assert item.holdings == []
    assert item.warnings == ["exemplaire sans code de médiathèque ignoré"]


def test_record_id_falls_back_to_koha_090a():
    marc = unimarc_book(None)
    marc.add_field(field("090", ("a", "777")))
    assert read_one(marc).record_id == "777"


def test_rejections_keep_position_and_record_id():
    entries = read(unimarc_book("1"), unimarc_book(None), unimarc_book("3", title=""))
    assert [(e.position, e.record_id, e.error) for e in entries] == [
        (1, "1", ""),
        (2, "", "identifiant de notice manquant"),
        (3, "3", "titre manquant"),
    ]


def test_iso_8859_1_record_is_read_with_a_warning():
    marc = record(
        UNIMARC_LEADER,
        control("001", "42"),
        field("200", ("a", "Les Misérables"), ind="1 "),
        field("700", ("a", "Hugo"), ("b", "Victor"), ind=" 1"),
        field("606", ("a", "Société"), ("a", "Misère")),
        to_unicode=False,
    )
    data = marc.as_marc()  # leader/9 blank, encoded as ISO-8859-1 by pymarc
    assert "é".encode("latin-1") in data and "é".encode() not in data
    (entry,) = read_unimarc(io.BytesIO(data))
    assert entry.record.title == "Les Misérables"
    assert entry.record.subjects == ["Société"]
    assert entry.record.warnings == ["encodage non UTF-8 : notice lue en ISO-8859-1"]


def test_utf8_record_with_blank_leader9_is_utf8():
    marc = unimarc_book("1", "Éloge de l'ombre")
    data = bytearray(marc.as_marc())
    data[9:10] = b" "
    (entry,) = read_unimarc(io.BytesIO(bytes(data)))
    assert entry.record.title == "Éloge de l'ombre"
    assert entry.record.warnings == []


def test_newlines_between_records_are_tolerated():
    data = iso2709(unimarc_book("1")) + b"\r\n" + iso2709(unimarc_book("2")) + b"\n"
    assert [e.record.record_id for e in read_unimarc(io.BytesIO(data))] == ["1", "2"]


def test_reader_streams_record_by_record():
    class CountingStream(io.BytesIO):
        reads = 0

        def read(self, size=-1):
            assert size > 0, "the whole file must never be read at once"
            CountingStream.reads += 1
            return super().read(size)

    data = iso2709(*[unimarc_book(str(n)) for n in range(400)])
    stream = CountingStream(data)
    entries = read_unimarc(stream)
    first = next(entries)
    assert first.record.record_id == "0"
    assert stream.tell() < len(data)  # the rest of the file has not been read yet
    assert sum(1 for _ in entries) == 399
