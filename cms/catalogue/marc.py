"""Reading MARC files (ISO 2709 and MARCXML) as a stream of normalised records.

ISO 2709
    The file is split on the record terminator (0x1D) as it is read, block by block: memory
    holds one block and one record, never the file. Each record is then decoded by pymarc:

    * valid UTF-8 (the Koha default, whatever leader/9 says) is read as UTF-8;
    * MARC21 with leader/9 blank and bytes that are not UTF-8 is MARC-8 (the standard
      encoding; pymarc converts it, combining diacritics included);
    * anything else that is not UTF-8 (old UNIMARC exports, a MARC21 leader/9 "a" that lies)
      is read as ISO-8859-1, with a warning on the record.

    A record whose length field disagrees with its terminator is "truncated": it is rejected,
    and when the cut swallowed the next record's beginning … terminator, the next record is
    found again by its leader so that only the damaged one is lost.

MARCXML
    Parsed incrementally with expat (no external entities), one record at a time. Each record
    is mapped as UNIMARC when it has a 200 field, as MARC21 otherwise (Koha exports both
    flavours as MARCXML).

The field mappings themselves are in unimarc.py and marc21.py.
"""

import logging
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import BinaryIO
from xml.sax import SAXException, make_parser
from xml.sax.handler import feature_external_ges, feature_external_pes, feature_namespaces

from django.utils.translation import gettext
from pymarc import Record
from pymarc.marcxml import XmlHandler

from .errors import CatalogueFormatError
from .isbn import issn_to_ean13, normalise_isbn
from .records import CatalogueRecord, Entry, RecordError, finalise
from .vocab import clean_text

UNIMARC = "unimarc"
MARC21 = "marc21"

logger = logging.getLogger(__name__)

RECORD_TERMINATOR = b"\x1d"
FIELD_TERMINATOR = b"\x1e"
MAX_RECORD_LENGTH = 99_999  # five digits in the leader
BLOCK_SIZE = 1 << 16

Mapper = Callable[[Record], CatalogueRecord]


# --- Field access ---------------------------------------------------------------------------


class Fields:
    """A record's fields indexed by tag (pymarc's get_fields scans the whole record each call)."""

    __slots__ = ("by_tag", "record")

    def __init__(self, record: Record) -> None:
        self.record = record
        self.by_tag: dict[str, list] = defaultdict(list)
        for field in record.fields:
            self.by_tag[field.tag].append(field)

    def all(self, *tags: str) -> list:
        if len(tags) == 1:
            return self.by_tag.get(tags[0], [])
        return [f for tag in tags for f in self.by_tag.get(tag, [])]

    def first(self, tag: str):
        fields = self.by_tag.get(tag)
        return fields[0] if fields else None

    def control(self, tag: str) -> str:
        field = self.first(tag)
        return clean_text(field.data) if field is not None and field.is_control_field() else ""

    def sub(self, tag: str, code: str) -> str:
        """The first non-empty $code of the first field with this tag that has one."""
        for field in self.by_tag.get(tag, []):
            for value in field.get_subfields(code):
                value = clean_text(value)
                if value:
                    return value
        return ""

    def coded(self, tag: str, code: str = "a") -> str:
        """A fixed-position coded subfield (UNIMARC 100$a…), spaces kept."""
        for field in self.by_tag.get(tag, []):
            for value in field.get_subfields(code):
                if value:
                    return value
        return ""

    def subs(self, tags: tuple[str, ...] | str, code: str) -> list[str]:
        tags = (tags,) if isinstance(tags, str) else tags
        values = []
        for field in self.all(*tags):
            values.extend(clean_text(v) for v in field.get_subfields(code))
        return [v for v in values if v]


def subfield(field, code: str) -> str:
    for value in field.get_subfields(code):
        value = clean_text(value)
        if value:
            return value
    return ""


_TRAILING_ISBD = re.compile(r"[\s/:;=,]+$")
_TRAILING_PERIOD = re.compile(r"(?<![.\s]\w)(?<!\.\.)\.$")


def strip_isbd(value: str) -> str:
    """Drop the ISBD/AACR2 punctuation that ends a subfield: " /", " :", " ;", " =", ",", "."."""
    value = _TRAILING_ISBD.sub("", clean_text(value))
    value = _TRAILING_PERIOD.sub("", value)
    return _TRAILING_ISBD.sub("", value)


def strip_brackets(value: str) -> str:
    value = strip_isbd(value).strip("[]").strip()
    return "" if value.casefold() in {"s.n.", "s.n", "sn", "sine nomine", "s. n."} else value


def pick_isbn(record: CatalogueRecord, isbns: list[str], issns: list[str] = ()) -> None:
    """Set record.isbn from the first valid ISBN/EAN (else ISSN); warn when all are invalid."""
    errors = []
    for text in isbns:
        try:
            record.isbn = normalise_isbn(text)
            return
        except ValueError as exc:
            errors.append(str(exc))
    for text in issns:
        try:
            record.isbn = issn_to_ean13(text)
            return
        except ValueError as exc:
            errors.append(str(exc))
    if errors:
        record.warnings.append(gettext("%(problem)s (ignored)") % {"problem": errors[0]})


_COVER_WORDS = re.compile(r"couverture|cover|vignette|jaquette|imagette|thumbnail", re.I)
_IMAGE_PATH = re.compile(r"\.(jpe?g|png|gif|webp)$|opac-image\.pl|/covers?/", re.I)


def pick_cover_url(fields: "Fields") -> str:
    """The first 856 $u that is the picture of the cover: its $q says image/…, its label
    ($3, $y, $z, UNIMARC $2) says cover/couverture/vignette, or the address is an image file
    or Koha's local cover (opac-image.pl). Only http(s) addresses."""
    for field in fields.all("856"):
        url = subfield(field, "u")
        if not url.lower().startswith(("http://", "https://")):
            continue
        label = " ".join(subfield(field, code) for code in "23yz")
        if (
            subfield(field, "q").lower().startswith("image/")
            or _COVER_WORDS.search(label)
            or _IMAGE_PATH.search(url.split("?", 1)[0])
            or "opac-image.pl" in url
        ):
            return url
    return ""


def most_common(values: list[str]) -> str:
    values = [v for v in values if v]
    return max(set(values), key=lambda v: (values.count(v), v)) if values else ""


# --- ISO 2709 -------------------------------------------------------------------------------


def iter_chunks(stream: BinaryIO) -> Iterator[bytes]:
    """Raw records, split on the terminator while reading; the last one may lack it."""
    pending = b""
    while True:
        block = stream.read(BLOCK_SIZE)
        if not block:
            break
        pending += block
        start = 0
        while True:
            end = pending.find(RECORD_TERMINATOR, start)
            if end < 0:
                break
            chunk = pending[start : end + 1].lstrip(b"\r\n\t ")
            if chunk.strip(RECORD_TERMINATOR):
                yield chunk
            start = end + 1
        pending = pending[start:]
        while len(pending) > MAX_RECORD_LENGTH:  # no terminator in sight: not a record
            yield pending[:MAX_RECORD_LENGTH]
            pending = pending[MAX_RECORD_LENGTH:]
    pending = pending.lstrip(b"\r\n\t ")
    if pending.strip(b"\x00\x1a\r\n\t "):
        yield pending


def looks_like_leader(data: bytes, offset: int = 0) -> bool:
    leader = data[offset : offset + 24]
    return (
        len(leader) == 24
        and leader[:5].isdigit()
        and leader[12:17].isdigit()
        and leader[10:12] == b"22"
    )


def resync(chunk: bytes) -> list[bytes]:
    """Split a truncated record from the complete record glued after it, when there is one."""
    if not chunk[:5].isdigit() or int(chunk[:5]) >= len(chunk):
        return [chunk]
    # The complete record is the one whose length field reaches exactly the terminator.
    for match in re.finditer(rb"\d{5}", chunk[1:]):
        start = match.start() + 1
        if int(match.group()) == len(chunk) - start and looks_like_leader(chunk, start):
            return [chunk[:start], chunk[start:]]
    return [chunk]


def guess_record_id(chunk: bytes) -> str:
    """The 001 of a raw record that pymarc could not read, if its directory allows ("" if not)."""
    try:
        base = int(chunk[12:17])
        position = 24
        while position + 12 <= len(chunk) and chunk[position : position + 1] != FIELD_TERMINATOR:
            entry = chunk[position : position + 12]
            if entry[:3] == b"001":
                length, offset = int(entry[3:7]), int(entry[7:12])
                data = chunk[base + offset : base + offset + length - 1]
                return clean_text(data.decode("latin-1"))[:64]
            position += 12
    except (ValueError, IndexError):
        pass
    return ""


def decode_record(chunk: bytes, flavour: str) -> tuple[Record, list[str]]:
    """A pymarc Record from raw ISO 2709 bytes (see the module docstring for encodings)."""
    if not looks_like_leader(chunk):
        raise RecordError(gettext("unreadable record: invalid ISO 2709 leader"))
    if not chunk.endswith(RECORD_TERMINATOR) or int(chunk[:5]) > len(chunk):
        raise RecordError(
            gettext("truncated record: %(read)d bytes read, %(announced)d announced")
            % {"read": len(chunk), "announced": int(chunk[:5])}
        )
    warnings: list[str] = []
    try:
        chunk.decode("utf-8")
    except UnicodeDecodeError:
        utf8 = False
    else:
        utf8 = True
    try:
        if utf8:
            record = Record(chunk, force_utf8=True, hide_utf8_warnings=True)
        elif flavour == MARC21 and chunk[9:10] == b" ":
            record = Record(chunk, hide_utf8_warnings=True, file_encoding="iso8859-1")  # MARC-8
        else:
            patched = chunk[:9] + b" " + chunk[10:]
            record = Record(patched, hide_utf8_warnings=True, file_encoding="latin-1")
            warnings.append(gettext("encoding not UTF-8: record read as ISO-8859-1"))
    except RecordError:
        raise
    except Exception as exc:  # pymarc raises many exception types on damaged records
        raise RecordError(
            gettext("unreadable record (%(error)s)") % {"error": type(exc).__name__}
        ) from exc
    return record, warnings


def check_flavour(record: Record, flavour: str) -> None:
    """Refuse a MARC21 file imported as UNIMARC and the reverse, before anything is written."""
    tags = {field.tag for field in record.fields}
    if flavour == UNIMARC and "245" in tags and "200" not in tags:
        raise CatalogueFormatError(
            gettext(
                "This file looks like MARC21 (field 245, no field 200): choose the MARC21 format."
            )
        )
    if flavour == MARC21 and "200" in tags and "245" not in tags:
        raise CatalogueFormatError(
            gettext(
                "This file looks like UNIMARC (field 200, no field 245): choose the UNIMARC format."
            )
        )


def map_entry(position: int, record: Record, mapper: Mapper, warnings=()) -> Entry:
    """Map and check one decoded record; any failure becomes a rejected entry."""
    control = record.get_fields("001")
    record_id = clean_text(control[0].data)[:64] if control and control[0].data else ""
    try:
        mapped = mapper(record)
        mapped.warnings[:0] = list(warnings)
        record_id = mapped.record_id or record_id
        return Entry(position, finalise(mapped), mapped.record_id)
    except RecordError as exc:
        return Entry(position, None, record_id, str(exc))
    except Exception as exc:  # a mapping bug on odd data must not stop the import
        logger.exception("Catalogue record %s (%s) could not be mapped", position, record_id)
        return Entry(position, None, record_id, f"erreur de conversion ({type(exc).__name__})")


def read_iso2709(stream: BinaryIO, flavour: str) -> Iterator[Entry]:
    from .marc21 import map_marc21
    from .unimarc import map_unimarc

    mapper = map_unimarc if flavour == UNIMARC else map_marc21
    position = 0
    decoded_any = False
    for chunk in iter_chunks(stream):
        for piece in resync(chunk):
            position += 1
            if position == 1 and not looks_like_leader(piece):
                raise CatalogueFormatError(
                    gettext(
                        "This file is not in the ISO 2709 format (UNIMARC or MARC21): check "
                        "the chosen format."
                    )
                )
            try:
                record, warnings = decode_record(piece, flavour)
            except RecordError as exc:
                yield Entry(position, None, guess_record_id(piece), str(exc))
                continue
            if not decoded_any:
                check_flavour(record, flavour)
                decoded_any = True
            yield map_entry(position, record, mapper, warnings)
    if position == 0:
        raise CatalogueFormatError(gettext("The file is empty."))


def read_unimarc(stream: BinaryIO) -> Iterator[Entry]:
    return read_iso2709(stream, UNIMARC)


def read_marc21(stream: BinaryIO) -> Iterator[Entry]:
    return read_iso2709(stream, MARC21)


# --- MARCXML --------------------------------------------------------------------------------


class _CollectingHandler(XmlHandler):
    def __init__(self) -> None:
        super().__init__(strict=False)
        self.ready: list[Record] = []

    def process_record(self, record: Record) -> None:
        self.ready.append(record)


def read_marcxml(stream: BinaryIO) -> Iterator[Entry]:
    from .marc21 import map_marc21
    from .unimarc import map_unimarc

    parser = make_parser()
    parser.setFeature(feature_namespaces, True)
    parser.setFeature(feature_external_ges, False)
    parser.setFeature(feature_external_pes, False)
    handler = _CollectingHandler()
    parser.setContentHandler(handler)
    position = 0
    started = False
    while True:
        block = stream.read(BLOCK_SIZE)
        error = None
        try:
            if block:
                parser.feed(block)
            else:
                parser.close()
        except SAXException as exc:
            error = exc
        except Exception as exc:  # pymarc's handler on invalid content (e.g. a bad leader)
            error = exc
        for record in handler.ready:
            position += 1
            started = True
            mapper = map_unimarc if record.get_fields("200") else map_marc21
            yield map_entry(position, record, mapper)
        handler.ready.clear()
        if error is not None:
            if not started:
                raise CatalogueFormatError(
                    gettext("This file is not readable MARCXML: %(error)s") % {"error": error}
                ) from error
            yield Entry(
                position + 1,
                None,
                "",
                gettext("malformed XML, reading stopped: %(error)s") % {"error": error},
            )
            return
        if not block:
            break
    if position == 0:
        raise CatalogueFormatError(gettext("No MARCXML record (<record>) in this file."))
