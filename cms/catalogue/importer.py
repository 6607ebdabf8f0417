"""Upserting catalogue records into CatalogueItem, in batches, from any supported format.

`import_catalogue(path_or_file, fmt)` reads the file as a stream (readers in marc.py and
csvfile.py), and every `batch_size` records:

1. resolves holdings (branch codes → Branch, compared case-insensitively; an unknown code
   skips the copy with a warning) and interests (SubjectRule matcher + the CSV's explicit
   slugs);
2. hashes the normalised record *as it will be stored* (fields, holdings with branch ids,
   interest ids) and compares with `CatalogueItem.source_hash`: same hash → unchanged,
   nothing written; other hash → fields updated, holdings and interests replaced; unknown
   record id → created. A withdrawn item that reappears is un-withdrawn. (An edit made in
   the admin therefore stays until the library system's record itself changes.)
3. writes the batch in one transaction with set-based statements (an upsert of the items
   with bulk_create(update_conflicts=True), bulk_create of their holdings and interests,
   bulk.py's DELETE of the replaced ones; no per-row signal), then, once it has committed,
   sends ``catalogue_items_written`` (cms/catalogue/signals.py) with the written items: the
   site search schedules their indexing (search/receivers.py), open purchase suggestions
   they match become available (community/receivers.py). Wagtail's own search keeps no copy
   of the catalogue (catalogue items declare no search_fields, admin_search.py).

Nothing sends post_save, so per-object signal handlers never run during an import; the
one signal per batch replaces them.

A record that cannot be read or mapped is rejected (position, record id, reason) and the
import goes on; a batch that the database refuses is retried record by record, so only the
offending records are rejected and no batch is ever half-written. With prune=True, active
items whose record id was not in the file are marked withdrawn (never deleted); prune is
skipped if the file yielded no valid record, and items whose record was rejected this time
are kept.

Memory does not depend on the file size: one batch of records, a bitmap of the item ids
seen (one bit per id, for prune and duplicate detection) and at most MAX_REPORTED problems
of each kind are kept.
"""

import hashlib
import io
import json
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import BinaryIO, NamedTuple

from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from cms.models import Branch, CatalogueItem, Holding, Interest
from cms.transactions import on_commit_send

from .bulk import delete_rows
from .csvfile import read_csv
from .errors import CatalogueFormatError
from .marc import read_marc21, read_marcxml, read_unimarc
from .records import CatalogueRecord, Entry
from .rules import InterestMatcher
from .signals import catalogue_items_written

logger = logging.getLogger(__name__)

__all__ = [
    "FORMATS",
    "ImportSummary",
    "Problem",
    "import_catalogue",
    "import_entries",
]

FORMATS: dict[str, Callable[[BinaryIO], Iterator[Entry]]] = {
    "unimarc": read_unimarc,
    "marc21": read_marc21,
    "marcxml": read_marcxml,
    "csv": read_csv,
}
BATCH_SIZE = 500
MAX_REPORTED = 1000
HASH_VERSION = "1"  # bump when the mapping changes, so that the next import rewrites everything
PROGRESS_EVERY = 100
UPDATE_FIELDS = [
    "title",
    "authors",
    "doc_type",
    "isbn",
    "year",
    "publisher",
    "language",
    "summary",
    "subjects",
    "audience",
    "cover_source_url",
    "withdrawn",
    "source_hash",
    "updated_at",
]

ProgressCallback = Callable[[int, int | None], None]  # (records read, bytes read or None)


class Problem(NamedTuple):
    position: int  # record number in the file (0: the file as a whole)
    record_id: str
    reason: str


@dataclass
class ImportSummary:
    """What an import did. `rejected` / `warnings` keep the first MAX_REPORTED problems; the
    `*_count` fields count them all."""

    read: int = 0
    created: int = 0
    updated: int = 0  # includes `restored`
    unchanged: int = 0
    withdrawn: int = 0
    restored: int = 0  # withdrawn items that reappeared
    indexed: int = 0
    rejected: list[Problem] = field(default_factory=list)
    rejected_count: int = 0
    warnings: list[Problem] = field(default_factory=list)
    warning_count: int = 0
    seconds: float = 0.0

    @property
    def imported(self) -> int:
        return self.created + self.updated + self.unchanged

    @property
    def rate(self) -> float:
        return self.read / self.seconds if self.seconds else 0.0

    def reject(self, position: int, record_id: str, reason: str) -> None:
        self.rejected_count += 1
        if len(self.rejected) < MAX_REPORTED:
            self.rejected.append(Problem(position, record_id, reason))

    def warn(self, position: int, record_id: str, reason: str) -> None:
        self.warning_count += 1
        if len(self.warnings) < MAX_REPORTED:
            self.warnings.append(Problem(position, record_id, reason))


class SeenIds:
    """A growable bitmap of item ids (ids are dense integers): ~12 KB per 100,000 items."""

    def __init__(self) -> None:
        self.bits = bytearray(1024)

    def add(self, pk: int) -> None:
        byte = pk >> 3
        if byte >= len(self.bits):
            self.bits.extend(bytes(max(byte + 1 - len(self.bits), len(self.bits))))
        self.bits[byte] |= 1 << (pk & 7)

    def __contains__(self, pk: int) -> bool:
        byte = pk >> 3
        return byte < len(self.bits) and bool(self.bits[byte] & (1 << (pk & 7)))


@dataclass(slots=True)
class Prepared:
    """A record resolved against the database, ready to write."""

    position: int
    record: CatalogueRecord
    holdings: list[tuple]  # (branch id, call number, status[, due date ISO when known])
    interest_ids: list[int]
    source_hash: str

    def item_fields(self) -> dict:
        return record_item_fields(self.record)


@dataclass
class BatchResult:
    created: int = 0
    updated: int = 0
    restored: int = 0
    unchanged: int = 0
    indexed: int = 0
    seen: list[int] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


def source_hash(fields: dict, holdings: list, interest_ids: list[int]) -> str:
    payload = json.dumps(
        [HASH_VERSION, fields, holdings, interest_ids],
        ensure_ascii=False,
        separators=(",", ":"),
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class _Importer:
    def __init__(self, summary: ImportSummary) -> None:
        self.summary = summary
        self.matcher = InterestMatcher.from_db()
        self.branch_ids = {
            code.strip().casefold(): pk
            for pk, code in Branch.objects.exclude(code="").values_list("pk", "code")
        }
        self.interest_ids = dict(Interest.objects.values_list("slug", "pk"))
        self.seen = SeenIds()
        self.interests_through = CatalogueItem._meta.get_field("interests").remote_field.through

    # --- preparing ---------------------------------------------------------------------

    def prepare(self, entry: Entry) -> Prepared:
        record, summary = entry.record, self.summary
        for message in record.warnings:
            summary.warn(entry.position, record.record_id, message)
        holdings = []
        unknown: dict[str, int] = {}
        for holding in record.holdings:
            branch_id = self.branch_ids.get(holding.branch_code.casefold())
            if branch_id is None:
                unknown[holding.branch_code] = unknown.get(holding.branch_code, 0) + 1
            else:
                row = (branch_id, holding.call_number, holding.status)
                # the due date only when known, so records without one keep their fingerprint
                holdings.append(row + (holding.due_date.isoformat(),) if holding.due_date else row)
        for code, copies in unknown.items():
            summary.warn(
                entry.position,
                record.record_id,
                ngettext(
                    "unknown library code “%(code)s”: copy ignored",
                    "unknown library code “%(code)s”: %(copies)d copies ignored",
                    copies,
                )
                % {"code": code, "copies": copies},
            )
        interest_ids = self.matcher.match(record.subjects, record.dewey) if self.matcher else set()
        for slug in record.interest_slugs:
            pk = self.interest_ids.get(slug) or self.interest_ids.get(slug.lower())
            if pk is None:
                summary.warn(
                    entry.position,
                    record.record_id,
                    gettext("unknown interest “%(slug)s” ignored") % {"slug": slug},
                )
            else:
                interest_ids.add(pk)
        ids = sorted(interest_ids)
        prepared = Prepared(entry.position, record, holdings, ids, "")
        prepared.source_hash = source_hash(prepared.item_fields(), holdings, ids)
        return prepared

    # --- writing -----------------------------------------------------------------------

    def write(self, batch: list[Prepared], rejected_ids: list[str]) -> BatchResult:
        """Write one batch; must run inside a transaction."""
        result = BatchResult()
        ids = [p.record.record_id for p in batch] + rejected_ids
        existing = {
            record_id: (pk, digest, withdrawn)
            for record_id, pk, digest, withdrawn in CatalogueItem.objects.filter(
                record_id__in=ids
            ).values_list("record_id", "pk", "source_hash", "withdrawn")
        }
        now = timezone.now()
        to_create: list[Prepared] = []
        to_update: list[tuple[int, Prepared]] = []
        restored: list[int] = []
        for prepared in batch:
            known = existing.get(prepared.record.record_id)
            if known is None:
                to_create.append(prepared)
                continue
            pk, digest, withdrawn = known
            if pk in self.seen:
                result.warnings.append(
                    Problem(
                        prepared.position,
                        prepared.record.record_id,
                        gettext("record twice in the file: the last one wins"),
                    )
                )
            result.seen.append(pk)
            if digest != prepared.source_hash:
                to_update.append((pk, prepared))
            elif withdrawn:
                restored.append(pk)
            else:
                result.unchanged += 1
        result.seen.extend(existing[r][0] for r in rejected_ids if r in existing)

        # New and changed items in one upsert on record_id (their pks come back on
        # PostgreSQL and SQLite), then their holdings and interests replaced.
        upserted = [*to_create, *(p for _, p in to_update)]
        items = CatalogueItem.objects.bulk_create(
            [
                CatalogueItem(
                    **p.item_fields(), source_hash=p.source_hash, withdrawn=False, updated_at=now
                )
                for p in upserted
            ],
            update_conflicts=True,
            unique_fields=["record_id"],
            update_fields=UPDATE_FIELDS,
        )
        written = [(item.pk, p) for item, p in zip(items, upserted, strict=True)]
        if to_update:
            changed_pks = [pk for pk, _ in to_update]
            delete_rows(Holding, "item", changed_pks)
            delete_rows(self.interests_through, "catalogueitem", changed_pks)
        if restored:
            CatalogueItem.objects.filter(pk__in=restored).update(withdrawn=False, updated_at=now)

        Holding.objects.bulk_create(
            [
                Holding(
                    item_id=pk,
                    branch_id=branch_id,
                    call_number=call_number,
                    status=status,
                    due_date=date.fromisoformat(due[0]) if due else None,
                    sort_order=order,
                )
                for pk, p in written
                for order, (branch_id, call_number, status, *due) in enumerate(p.holdings)
            ]
        )
        self.interests_through.objects.bulk_create(
            [
                self.interests_through(catalogueitem_id=pk, interest_id=interest_id)
                for pk, p in written
                for interest_id in p.interest_ids
            ]
        )
        written_pks = [pk for pk, _p in written] + list(restored)
        result.indexed = len(written_pks)
        on_commit_send(catalogue_items_written, CatalogueItem, pks=written_pks)
        result.created = len(to_create)
        result.updated = len(to_update) + len(restored)
        result.restored = len(restored)
        result.seen.extend(item.pk for item in items[: len(to_create)])
        return result

    def flush(self, batch: list[Entry], rejected_ids: list[str]) -> None:
        if not batch and not rejected_ids:
            return
        latest: dict[str, Entry] = {}
        for entry in batch:
            if entry.record.record_id in latest:
                self.summary.warn(
                    entry.position,
                    entry.record.record_id,
                    gettext("record twice in the file: the last one wins"),
                )
            latest[entry.record.record_id] = entry
        prepared = [self.prepare(entry) for entry in latest.values()]
        try:
            with transaction.atomic():
                result = self.write(prepared, rejected_ids)
        except DatabaseError:
            logger.warning("Catalogue batch refused by the database; retrying record by record")
            for one in prepared:
                try:
                    with transaction.atomic():
                        self.merge(self.write([one], []))
                except DatabaseError as exc:
                    self.summary.reject(
                        one.position,
                        one.record.record_id,
                        gettext("refused by the database: %(error)s") % {"error": exc},
                    )
            if rejected_ids:
                self.merge(
                    BatchResult(
                        seen=list(
                            CatalogueItem.objects.filter(record_id__in=rejected_ids).values_list(
                                "pk", flat=True
                            )
                        )
                    )
                )
            return
        self.merge(result)

    def merge(self, result: BatchResult) -> None:
        summary = self.summary
        summary.created += result.created
        summary.updated += result.updated
        summary.restored += result.restored
        summary.unchanged += result.unchanged
        summary.indexed += result.indexed
        for problem in result.warnings:
            summary.warn(*problem)
        for pk in result.seen:
            self.seen.add(pk)

    # --- pruning -----------------------------------------------------------------------

    def prune(self, chunk_size: int = 2000) -> None:
        if not self.summary.imported:
            self.summary.warn(
                0, "", gettext("no valid record in the file: no record was withdrawn")
            )
            return
        last_pk = 0
        while True:
            pks = list(
                CatalogueItem.objects.filter(withdrawn=False, pk__gt=last_pk)
                .order_by("pk")
                .values_list("pk", flat=True)[:chunk_size]
            )
            if not pks:
                break
            last_pk = pks[-1]
            absent = [pk for pk in pks if pk not in self.seen]
            if absent:
                with transaction.atomic():
                    CatalogueItem.objects.filter(pk__in=absent).update(
                        withdrawn=True, updated_at=timezone.now()
                    )
                    on_commit_send(catalogue_items_written, CatalogueItem, pks=absent)
                self.summary.indexed += len(absent)
                self.summary.withdrawn += len(absent)


def import_entries(
    entries: Iterable[Entry],
    *,
    prune: bool = False,
    progress: ProgressCallback | None = None,
    batch_size: int = BATCH_SIZE,
    position: Callable[[], int | None] = lambda: None,
) -> ImportSummary:
    """Import already-read entries (records or rejections). See import_catalogue."""
    started = time.perf_counter()
    summary = ImportSummary()
    importer = _Importer(summary)
    batch: list[Entry] = []
    rejected_ids: list[str] = []
    for entry in entries:
        summary.read += 1
        if entry.record is None:
            summary.reject(entry.position, entry.record_id, entry.error)
            if entry.record_id:
                rejected_ids.append(entry.record_id)
        else:
            batch.append(entry)
        if len(batch) + len(rejected_ids) >= batch_size:
            importer.flush(batch, rejected_ids)
            batch, rejected_ids = [], []
        if progress is not None and summary.read % PROGRESS_EVERY == 0:
            progress(summary.read, position())
    importer.flush(batch, rejected_ids)
    if prune:
        importer.prune()
    summary.seconds = time.perf_counter() - started
    if progress is not None:
        progress(summary.read, position())
    return summary


@contextmanager
def _binary(source) -> Iterator[BinaryIO]:
    if isinstance(source, str | os.PathLike):
        with open(source, "rb") as stream:
            yield stream
        return
    yield source.buffer if isinstance(source, io.TextIOBase) else source


def import_catalogue(
    source: "str | os.PathLike | BinaryIO",
    fmt: str,
    prune: bool = False,
    progress: ProgressCallback | None = None,
    *,
    batch_size: int = BATCH_SIZE,
) -> ImportSummary:
    """Import a catalogue file (a path or a binary file object) in format `fmt` (see FORMATS).

    Raises CatalogueFormatError (nothing written) when the file cannot be read in that
    format at all, OSError when it cannot be opened; problems with single records are in the
    returned summary.
    """
    if fmt not in FORMATS:
        raise CatalogueFormatError(
            f"Format inconnu « {fmt} » : choisissez parmi {', '.join(FORMATS)}."
        )
    with _binary(source) as stream:

        def position() -> int | None:
            try:
                return stream.tell()
            except (OSError, ValueError):
                return None

        return import_entries(
            FORMATS[fmt](stream),
            prune=prune,
            progress=progress,
            batch_size=batch_size,
            position=position,
        )


def record_item_fields(r) -> dict:
    """A parsed record's CatalogueItem column values (the importer's and generators' mapping)."""
    return {
        "record_id": r.record_id,
        "title": r.title,
        "authors": " ; ".join(r.authors),
        "doc_type": r.doc_type,
        "isbn": r.isbn,
        "year": r.year,
        "publisher": r.publisher,
        "language": r.language,
        "summary": r.summary,
        "subjects": r.subjects,
        "audience": r.audience,
        "cover_source_url": getattr(r, "cover_url", ""),
    }
