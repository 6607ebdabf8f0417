"""The normalised record every reader produces, and the checks every record goes through.

Readers (marc.py, csvfile.py) turn one record of their format into a `CatalogueRecord`, or
say why they could not (`RecordError`, a French reason shown in import reports). They yield
`Entry` values: a record with its position in the file, or the reason it was rejected.
"""

import re
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from django.utils.translation import gettext

from cms.models import Audience, CatalogueItem, DocumentType, Holding, HoldingStatus

from .vocab import AUDIENCES, DOC_TYPES, HOLDING_STATUSES, clean_paragraphs, clean_text

__all__ = [
    "CatalogueRecord",
    "Entry",
    "HoldingRecord",
    "RecordError",
    "finalise",
    "parse_year_loose",
    "parse_year_strict",
]


class RecordError(ValueError):
    """This record cannot be imported; the message (French) says why."""


class HoldingRecord(NamedTuple):
    """One copy, as the library system describes it (branch by its system code)."""

    branch_code: str
    call_number: str = ""
    status: str = HoldingStatus.AVAILABLE
    due_date: date | None = None  # when a copy on loan is due back, if the export says


_DUE_DATE = re.compile(r"^\s*(?:(\d{4})-?(\d{2})-?(\d{2})|(\d{2})/(\d{2})/(\d{4}))")


def parse_due_date(text: str) -> date | None:
    """A due date as library systems write it: “2026-12-20” (Koha, with or without a time),
    “20261220”, “20/12/2026”; None when absent or not a date."""
    match = _DUE_DATE.match(text or "")
    if match is None:
        return None
    if match.group(1):
        year, month, day = match.group(1, 2, 3)
    else:
        day, month, year = match.group(4, 5, 6)
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


@dataclass(slots=True)
class CatalogueRecord:
    """One bibliographic record, whatever the source format."""

    record_id: str
    title: str
    authors: list[str] = field(default_factory=list)  # "Nom, Prénom"
    doc_type: str = DocumentType.BOOK
    isbn: str = ""  # 13 digits, or ""
    year: int | None = None
    publisher: str = ""
    language: str = ""  # ISO 639-2, e.g. "fre"
    summary: str = ""
    subjects: list[str] = field(default_factory=list)
    audience: str = Audience.ADULTS
    dewey: str = ""
    cover_url: str = ""  # http(s) address of the cover picture the record names (856 $u)
    holdings: list[HoldingRecord] = field(default_factory=list)
    interest_slugs: list[str] = field(default_factory=list)  # explicit (CSV), added to rules
    warnings: list[str] = field(default_factory=list)  # non-fatal problems, French


class Entry(NamedTuple):
    """What a reader yields: a record, or the reason the record at `position` was rejected."""

    position: int  # 1-based record number in the file
    record: CatalogueRecord | None
    record_id: str = ""
    error: str = ""


def _max_length(model, name: str) -> int:
    return model._meta.get_field(name).max_length


RECORD_ID_MAX = _max_length(CatalogueItem, "record_id")
TITLE_MAX = _max_length(CatalogueItem, "title")
AUTHORS_MAX = _max_length(CatalogueItem, "authors")
PUBLISHER_MAX = _max_length(CatalogueItem, "publisher")
COVER_URL_MAX = _max_length(CatalogueItem, "cover_source_url")
CALL_NUMBER_MAX = _max_length(Holding, "call_number")
BRANCH_CODE_MAX = 20
_LANGUAGE = re.compile(r"^[a-z]{3}$")
_YEAR_IN_TEXT = re.compile(r"(?<!\d)(\d{4})(?!\d)")
FIRST_YEAR = 1000


def _truncate(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def last_valid_year() -> int:
    return date.today().year + 2  # announced titles, orders


def parse_year_strict(value: str | None) -> int | None:
    """A year column (CSV): empty, or four digits in a plausible range; RecordError otherwise."""
    text = (value or "").strip()
    if not text:
        return None
    if not re.fullmatch(r"\d{4}", text) or not FIRST_YEAR <= int(text) <= last_valid_year():
        raise RecordError(gettext("invalid year: “%(year)s”") % {"year": text})
    return int(text)


def parse_year_loose(value: str | None) -> int | None:
    """The first plausible year in a free-text date ("cop. 2019", "[2003?]", "DL 2012")."""
    for match in _YEAR_IN_TEXT.finditer(value or ""):
        year = int(match.group(1))
        if FIRST_YEAR <= year <= last_valid_year():
            return year
    return None


def _dedupe(values) -> list[str]:
    seen, result = set(), []
    for value in values:
        value = clean_text(value)
        key = value.casefold()
        if value and key not in seen:
            seen.add(key)
            result.append(value)
    return result


def finalise(record: CatalogueRecord) -> CatalogueRecord:
    """Check the required fields and fit every value to its column; RecordError if unusable."""
    record.record_id = clean_text(record.record_id)
    if not record.record_id:
        raise RecordError(gettext("record id missing"))
    if len(record.record_id) > RECORD_ID_MAX:
        raise RecordError(
            gettext("record id too long (more than %(max)d characters)") % {"max": RECORD_ID_MAX}
        )
    record.title = _truncate(clean_text(record.title), TITLE_MAX)
    if not record.title:
        raise RecordError(gettext("title missing"))
    authors = _dedupe(record.authors)
    while authors and len(" ; ".join(authors)) > AUTHORS_MAX:
        authors.pop()
    record.authors = authors
    record.publisher = _truncate(clean_text(record.publisher), PUBLISHER_MAX)
    language = clean_text(record.language).lower()
    record.language = language if _LANGUAGE.match(language) else ""
    record.summary = clean_paragraphs(record.summary)
    record.subjects = _dedupe(record.subjects)
    record.dewey = clean_text(record.dewey)
    record.cover_url = clean_text(record.cover_url)
    if record.cover_url and (
        len(record.cover_url) > COVER_URL_MAX
        or not record.cover_url.lower().startswith(("http://", "https://"))
    ):
        record.warnings.append(gettext("unusable cover address ignored"))
        record.cover_url = ""
    if record.doc_type not in DOC_TYPES:
        record.doc_type = DocumentType.BOOK
    if record.audience not in AUDIENCES:
        record.audience = Audience.ADULTS
    if record.year is not None and not FIRST_YEAR <= record.year <= last_valid_year():
        record.warnings.append(gettext("invalid year ignored: %(year)s") % {"year": record.year})
        record.year = None
    holdings = []
    for holding in record.holdings:
        code = clean_text(holding.branch_code)
        if not code:
            record.warnings.append(gettext("copy without a library code ignored"))
            continue
        status = holding.status if holding.status in HOLDING_STATUSES else HoldingStatus.AVAILABLE
        holdings.append(
            HoldingRecord(
                code[:BRANCH_CODE_MAX],
                _truncate(clean_text(holding.call_number), CALL_NUMBER_MAX),
                status,
                holding.due_date if status == HoldingStatus.ON_LOAN else None,
            )
        )
    record.holdings = holdings
    record.interest_slugs = _dedupe(record.interest_slugs)
    return record
