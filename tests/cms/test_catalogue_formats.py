"""MARCXML and CSV readers, and importing them."""

import io

import pytest

from cms.catalogue import CatalogueFormatError, import_catalogue
from cms.catalogue.csvfile import read_csv
from cms.catalogue.marc import read_marcxml
from cms.models import Audience, CatalogueItem, DocumentType, HoldingStatus
from tests.cms.catalogue_fixtures import csv_bytes, field, marc21_book, marcxml, unimarc_book

# --- MARCXML ---------------------------------------------------------------------------------


def test_marcxml_maps_unimarc_and_marc21_records():
    sf = unimarc_book("u1", "Les choses", extra=(field("606", ("a", "Roman")),))
    dune = marc21_book("m1", "Dune /")
    entries = list(read_marcxml(io.BytesIO(marcxml(sf, dune))))
    assert [(e.position, e.record_id, e.error) for e in entries] == [(1, "u1", ""), (2, "m1", "")]
    unimarc, marc21 = (e.record for e in entries)
    assert unimarc.title == "Les choses"
    assert unimarc.authors == ["Perec, Georges"]
    assert unimarc.isbn == "9782070368228"
    assert unimarc.year == 1965
    assert unimarc.subjects == ["Roman"]
    assert [h[:3] for h in unimarc.holdings] == [("ALC", "843 PER", HoldingStatus.AVAILABLE)]
    assert marc21.title == "Dune"
    assert marc21.authors == ["Herbert, Frank"]
    assert marc21.isbn == "9780441013593"
    assert marc21.language == "eng"
    assert [h[:3] for h in marc21.holdings] == [("AUB", "SF HER", HoldingStatus.AVAILABLE)]


def test_marcxml_is_streamed():
    data = marcxml(*[unimarc_book(str(n)) for n in range(300)])
    stream = io.BytesIO(data)
    entries = read_marcxml(stream)
    assert next(entries).record_id == "0"
    assert stream.tell() < len(data)
    assert sum(1 for _ in entries) == 299


def test_marcxml_broken_after_some_records_keeps_them_and_reports_the_break():
    data = marcxml(unimarc_book("1"), unimarc_book("2"))
    broken = data.replace(b"</collection>", b"<record><leader>oops</record></collection>")
    entries = list(read_marcxml(io.BytesIO(broken)))
    assert [e.record_id for e in entries[:2]] == ["1", "2"]
    assert entries[2].record is None
    assert entries[2].error.startswith("XML mal formé, lecture interrompue")


def test_marcxml_not_xml_is_a_format_error():
    with pytest.raises(CatalogueFormatError, match="MARCXML"):
        list(read_marcxml(io.BytesIO(b"001 1234\n245 Dune")))
    with pytest.raises(CatalogueFormatError, match="Aucune notice"):
        list(read_marcxml(io.BytesIO(b"<collection/>")))


def test_marcxml_external_entities_are_not_resolved(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    data = (
        f'<?xml version="1.0"?><!DOCTYPE c [<!ENTITY x SYSTEM "file://{secret}">]>'
        '<collection xmlns="http://www.loc.gov/MARC21/slim"><record>'
        '<leader>00000nam a2200000 a 4500</leader><controlfield tag="001">1</controlfield>'
        '<datafield tag="245" ind1="0" ind2="0"><subfield code="a">T &x;</subfield></datafield>'
        "</record></collection>"
    ).encode()
    entries = list(read_marcxml(io.BytesIO(data)))
    assert all("TOP SECRET" not in (e.record.title if e.record else "") for e in entries)


# --- CSV ---------------------------------------------------------------------------------------

FULL_ROW = {
    "record_id": "C1",
    "title": "Les Misérables",
    "authors": "Hugo, Victor ; Brière, Jean",
    "type": "livre",
    "isbn": "978-2-07-040850-4",
    "year": "1862",
    "publisher": "Gallimard",
    "language": "fre",
    "summary": "Jean Valjean.\n\nCosette.",
    "subjects": "Roman historique ; Paris (France)",
    "audience": "ado",
    "interests": "science-fiction ; inconnu",
    "holdings": "ALC|R HUG|disponible ; AUB|R HUG 2|emprunte ; ARL||en_commande",
}


def read_rows(data: bytes):
    return list(read_csv(io.BytesIO(data)))


def test_csv_full_row():
    (entry,) = read_rows(csv_bytes([FULL_ROW]))
    item = entry.record
    assert (entry.position, entry.record_id, entry.error) == (1, "C1", "")
    assert item.title == "Les Misérables"
    assert item.authors == ["Hugo, Victor", "Brière, Jean"]
    assert item.doc_type == DocumentType.BOOK
    assert item.isbn == "9782070408504"
    assert item.year == 1862
    assert item.publisher == "Gallimard"
    assert item.language == "fre"
    assert item.summary == "Jean Valjean.\n\nCosette."
    assert item.subjects == ["Roman historique", "Paris (France)"]
    assert item.audience == Audience.TEENS
    assert item.interest_slugs == ["science-fiction", "inconnu"]
    assert [h[:3] for h in item.holdings] == [
        ("ALC", "R HUG", HoldingStatus.AVAILABLE),
        ("AUB", "R HUG 2", HoldingStatus.ON_LOAN),
        ("ARL", "", HoldingStatus.ON_ORDER),
    ]
    assert item.warnings == []


def test_csv_with_only_required_columns_bom_and_semicolons():
    data = "\ufeffrecord_id;title\nC1;Dune\nC2;Hypérion\n".encode()
    entries = read_rows(data)
    assert [(e.record_id, e.record.title) for e in entries] == [("C1", "Dune"), ("C2", "Hypérion")]
    assert entries[0].record.doc_type == DocumentType.BOOK
    assert entries[0].record.audience == Audience.ADULTS


def test_csv_rejections_and_warnings():
    rows = [
        {"record_id": "", "title": "Sans id"},
        {"record_id": "C2", "title": ""},
        {"record_id": "C3", "title": "Année", "year": "deux mille"},
        {"record_id": "C4", "title": "Année", "year": "20001"},
        {"record_id": "C5", "title": "ISBN", "isbn": "978-2-07-040850-5"},
        {"record_id": "C6", "title": "Type", "type": "parchemin", "audience": "martiens"},
        {"record_id": "C7", "title": "Statut", "holdings": "ALC|X|perdu corps et biens"},
    ]
    entries = read_rows(csv_bytes(rows))
    assert [(e.position, e.record_id, e.error) for e in entries[:4]] == [
        (1, "", "identifiant de notice (record_id) manquant"),
        (2, "C2", "titre (title) manquant"),
        (3, "C3", "année invalide : « deux mille »"),
        (4, "C4", "année invalide : « 20001 »"),
    ]
    isbn, kind, status = (e.record for e in entries[4:])
    assert isbn.isbn == "" and "clé de contrôle" in isbn.warnings[0]
    assert (kind.doc_type, kind.audience) == (DocumentType.BOOK, Audience.ADULTS)
    assert kind.warnings == [
        "type de document inconnu « parchemin » : livre",
        "public inconnu « martiens » : adulte",
    ]
    assert [h[:3] for h in status.holdings] == [("ALC", "X", HoldingStatus.AVAILABLE)]
    assert status.warnings == ["statut d’exemplaire inconnu « perdu corps et biens » : disponible"]


def test_csv_row_with_too_many_cells_is_rejected():
    data = b"record_id,title,year\nC1,Dune, Messie,1969\nC2,Hyperion,1989\n"
    entries = read_rows(data)
    assert (entries[0].record_id, entries[0].error) == (
        "C1",
        "4 colonnes au lieu de 3 (virgule non protégée ?)",
    )
    assert entries[1].record.year == 1989


def test_csv_windows_1252_line_is_read_with_a_warning():
    data = "record_id,title\nC1,Bien\nC2,Pétanque à Marseille\n".encode("cp1252")
    entries = read_rows(data)
    assert entries[1].record.title == "Pétanque à Marseille"
    assert entries[1].record.warnings == ["ligne non UTF-8 : lue en Windows-1252"]
    assert entries[0].record.warnings == []


def test_csv_without_required_header_is_a_format_error():
    with pytest.raises(CatalogueFormatError, match="title"):
        read_rows(b"record_id,titre\n1,Dune\n")
    with pytest.raises(CatalogueFormatError, match="vide"):
        read_rows(b"")


@pytest.mark.django_db
def test_csv_import_with_interest_slugs(branches, taxonomy):
    branches["alcazar"].code = "ALC"
    branches["alcazar"].save()
    summary = import_catalogue(io.BytesIO(csv_bytes([FULL_ROW])), "csv")
    item = CatalogueItem.objects.get(record_id="C1")
    assert list(item.interests.all()) == [taxonomy["sf"]]
    assert item.audience == Audience.TEENS
    assert list(item.holdings.values_list("branch__code", "status")) == [("ALC", "disponible")]
    assert sorted(w.reason for w in summary.warnings) == [
        "code de médiathèque inconnu « ARL » : exemplaire ignoré",
        "code de médiathèque inconnu « AUB » : exemplaire ignoré",
        "intérêt inconnu « inconnu » ignoré",
    ]


@pytest.mark.django_db
def test_marcxml_import(branches):
    branches["aubagne"].code = "AUB"
    branches["aubagne"].save()
    summary = import_catalogue(
        io.BytesIO(marcxml(marc21_book("m1"), unimarc_book("u1"))), "marcxml"
    )
    assert (summary.created, summary.rejected_count) == (2, 0)
    assert CatalogueItem.objects.get(record_id="m1").holdings.get().branch == branches["aubagne"]
