"""Reading the catalogue's CSV format as a stream of normalised records.

UTF-8 (a BOM is fine), one header row, comma-separated (a header written with ";" or tabs
is recognised too). Columns, in any order; only record_id and title are required::

    record_id,title,authors,type,isbn,year,publisher,language,summary,subjects,audience,
    interests,holdings

* authors: "Nom, Prénom" separated by " ; "; subjects and interests (interest slugs, added
  to the ones the subject rules give) likewise;
* holdings: "BRANCHCODE|call number|status|due date" separated by " ; " (status: a
  HoldingStatus value — disponible, emprunte, en_commande, en_reparation — or a common
  label; the due date of a copy on loan, optional: 2026-12-20 or 20/12/2026);
* type: a DocumentType value (livre, bd, manga, dvd, cd, jeu_video, numerique, revue) or a
  usual item-type code; audience: jeunesse, ado, adulte (or a usual label).

A row without record_id or title, with more cells than the header, or with a year that is
not four digits is rejected. An unknown type, audience or status, or an invalid ISBN, is a
warning: the row imports with the default value. A line that is not valid UTF-8 is read as
Windows-1252 (Excel's encoding) with a warning.
"""

import csv
import io
import itertools
from collections.abc import Iterator
from typing import BinaryIO

from django.utils.translation import gettext

from .errors import CatalogueFormatError
from .isbn import normalise_isbn
from .records import (
    CatalogueRecord,
    Entry,
    HoldingRecord,
    RecordError,
    finalise,
    parse_due_date,
    parse_year_strict,
)
from .vocab import audience_from_word, clean_text, doc_type_from_code, status_from_word

COLUMNS = (
    "record_id",
    "title",
    "authors",
    "type",
    "isbn",
    "year",
    "publisher",
    "language",
    "summary",
    "subjects",
    "audience",
    "interests",
    "holdings",
)
REQUIRED = ("record_id", "title")

csv.field_size_limit(1 << 20)


def _split(value: str) -> list[str]:
    return [part.strip() for part in (value or "").split(";") if part.strip()]


def _repair(value: str, warnings: list[str]) -> str:
    """Undo surrogateescape: bytes that were not UTF-8 are read as Windows-1252."""
    try:
        value.encode("utf-8")
        return value
    except UnicodeEncodeError:
        not_utf8 = gettext("line not in UTF-8: read as Windows-1252")
        if not warnings or warnings[-1] != not_utf8:
            warnings.append(not_utf8)
        return value.encode("utf-8", "surrogateescape").decode("cp1252", "replace")


def _holdings(value: str, warnings: list[str]) -> list[HoldingRecord]:
    holdings = []
    for part in _split(value):
        code, call_number, status_text, due_text = (part.split("|") + ["", "", ""])[:4]
        status = status_from_word(status_text)
        if not status:
            warnings.append(
                gettext("unknown copy status “%(status)s”: available")
                % {"status": status_text.strip()}
            )
            status = "disponible"
        holdings.append(
            HoldingRecord(code.strip(), call_number.strip(), status, parse_due_date(due_text))
        )
    return holdings


def row_to_record(row: dict[str, str]) -> CatalogueRecord:
    """One CSV row (column → cell) as a record; RecordError when it must be rejected."""
    warnings: list[str] = []
    row = {key: _repair(value or "", warnings) for key, value in row.items()}
    record = CatalogueRecord(
        record_id=row.get("record_id", ""),
        title=row.get("title", ""),
        warnings=warnings,
    )
    if not clean_text(record.record_id):
        raise RecordError("identifiant de notice (record_id) manquant")
    if not clean_text(record.title):
        raise RecordError("titre (title) manquant")
    record.authors = _split(row.get("authors", ""))
    record.year = parse_year_strict(row.get("year"))
    if row.get("isbn", "").strip():
        try:
            record.isbn = normalise_isbn(row["isbn"])
        except ValueError as exc:
            warnings.append(gettext("%(problem)s (ignored)") % {"problem": exc})
    record.publisher = row.get("publisher", "")
    record.language = row.get("language", "")
    record.summary = row.get("summary", "")
    record.subjects = _split(row.get("subjects", ""))
    record.interest_slugs = _split(row.get("interests", ""))
    record.holdings = _holdings(row.get("holdings", ""), warnings)
    if row.get("type", "").strip():
        doc_type = doc_type_from_code(row["type"])
        if doc_type:
            record.doc_type = doc_type
        else:
            warnings.append(
                gettext("unknown document type “%(type)s”: book") % {"type": row["type"].strip()}
            )
    if row.get("audience", "").strip():
        audience = audience_from_word(row["audience"])
        if audience:
            record.audience = audience
        else:
            warnings.append(
                gettext("unknown audience “%(audience)s”: adult")
                % {"audience": row["audience"].strip()}
            )
    return record


def _delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: (counts[d], d == ","))


def read_csv(stream: BinaryIO) -> Iterator[Entry]:
    text = io.TextIOWrapper(stream, encoding="utf-8", errors="surrogateescape", newline="")
    try:
        header_line = text.readline()
        header_line = header_line.removeprefix("\ufeff")
        if not header_line.strip():
            raise CatalogueFormatError(gettext("The file is empty."))
        delimiter = _delimiter(header_line)
        header = [
            clean_text(h).lower() for h in next(csv.reader([header_line], delimiter=delimiter))
        ]
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            raise CatalogueFormatError(
                gettext(
                    "This file is not a catalogue CSV: column(s) %(missing)s missing from the "
                    "header line (expected: %(expected)s)."
                )
                % {"missing": ", ".join(missing), "expected": ",".join(COLUMNS)}
            )
        id_column = header.index("record_id")
        rows = csv.reader(text, delimiter=delimiter)
        position = 0
        while True:
            try:
                cells = next(rows)
            except StopIteration:
                break
            except csv.Error as exc:
                position += 1
                yield Entry(
                    position, None, "", gettext("unreadable CSV line: %(error)s") % {"error": exc}
                )
                continue
            if not any(c.strip() for c in cells):
                continue
            position += 1
            id_cell = cells[id_column] if len(cells) > id_column else ""
            record_id = clean_text(_repair(id_cell, []))[:64]
            if len(cells) > len(header):
                yield Entry(
                    position,
                    None,
                    record_id,
                    gettext("%(found)d columns instead of %(expected)d (an unquoted comma?)")
                    % {"found": len(cells), "expected": len(header)},
                )
                continue
            row = dict(itertools.zip_longest(header, cells, fillvalue=""))
            try:
                record = finalise(row_to_record(row))
            except RecordError as exc:
                yield Entry(position, None, record_id, str(exc))
                continue
            yield Entry(position, record, record.record_id)
    finally:
        text.detach()
