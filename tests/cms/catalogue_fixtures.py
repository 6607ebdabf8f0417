"""Helpers writing catalogue test files: UNIMARC / MARC21 with pymarc (ISO 2709 and MARCXML),
and CSV. Every builder takes the values to put in the file, so tests assert against them."""

import csv
import io

from pymarc import Field, Indicators, Record, Subfield, record_to_xml

from cms.catalogue.csvfile import COLUMNS

UNIMARC_LEADER = "00000nam0 22     i 450 "
MARC21_LEADER = "00000nam a2200000 a 4500"


def field(tag: str, *subfields: tuple[str, str], ind: str = "  ") -> Field:
    return Field(
        tag,
        Indicators(ind[0], ind[1]),
        subfields=[Subfield(code, value) for code, value in subfields],
    )


def control(tag: str, data: str) -> Field:
    return Field(tag, data=data)


def record(leader: str, *fields: Field, to_unicode: bool = True) -> Record:
    marc = Record(leader=leader, to_unicode=to_unicode, force_utf8=to_unicode)
    for f in fields:
        marc.add_field(f)
    return marc


def unimarc_book(
    record_id: str | None = "1001",
    title: str = "Les choses",
    *,
    extra: tuple[Field, ...] = (),
    holdings: tuple[tuple[str, ...], ...] = (("ALC", "843 PER", "0", ""),),
    leader: str = UNIMARC_LEADER,
    isbn: str | None = "978-2-07-036822-8",
    date: str = "1965",
) -> Record:
    """A UNIMARC monograph in Koha's layout; holdings are (branch $b, $k, $o, $n)."""
    fields = []
    if record_id is not None:
        fields.append(control("001", record_id))
    if isbn is not None:
        fields.append(field("010", ("a", isbn), ("d", "7,50 EUR")))
    fields += [
        field("100", ("a", "20240101d1965    m  y0frey5050    ba")),
        field("101", ("a", "fre"), ind="0 "),
        field("200", ("a", title), ("b", "Texte imprimé"), ("f", "Georges Perec"), ind="1 "),
        field("210", ("a", "Paris"), ("c", "Julliard"), ("d", date)),
        field("700", ("a", "Perec"), ("b", "Georges"), ("4", "070"), ind=" 1"),
    ]
    fields += list(extra)
    for branch, call_number, circulation, due in holdings:
        subfields = [("b", branch), ("k", call_number)]
        if circulation:
            subfields.append(("o", circulation))
        if due:
            subfields.append(("n", due))
        fields.append(field("995", *subfields))
    return record(leader, *fields)


def marc21_book(
    record_id: str | None = "2001",
    title: str = "Dune /",
    *,
    extra: tuple[Field, ...] = (),
    holdings: tuple[tuple[str, ...], ...] = (("AUB", "SF HER", "", ""),),
    leader: str = MARC21_LEADER,
    fixed: str = "240101s1965    xxu           000 1 eng d",
) -> Record:
    """A MARC21 book in Koha's layout; holdings are (branch $a, call number $o, $7, $q)."""
    fields = []
    if record_id is not None:
        fields.append(control("001", record_id))
    fields += [
        control("008", fixed),
        field("020", ("a", "9780441013593 (pbk.)")),
        field("100", ("a", "Herbert, Frank,"), ("d", "1920-1986."), ind="1 "),
        field("245", ("a", title), ("c", "Frank Herbert."), ind="10"),
    ]
    fields += list(extra)
    for branch, call_number, not_for_loan, due in holdings:
        subfields = [("a", branch), ("b", branch), ("o", call_number)]
        if not_for_loan:
            subfields.append(("7", not_for_loan))
        if due:
            subfields.append(("q", due))
        fields.append(field("952", *subfields))
    return record(leader, *fields)


def iso2709(*records: Record) -> bytes:
    return b"".join(r.as_marc() for r in records)


def marcxml(*records: Record) -> bytes:
    body = b"".join(record_to_xml(r) for r in records)
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<collection xmlns="http://www.loc.gov/MARC21/slim">' + body + b"</collection>\n"
    )


def csv_bytes(rows: list[dict], columns=COLUMNS, *, delimiter: str = ",") -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), delimiter=delimiter)
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return out.getvalue().encode("utf-8")


def write(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path
