"""Keeping the index in step with the data.

Changes are *scheduled*, never indexed inline: `schedule(kind, ids)` gathers the ids touched
in the current transaction and, once it commits, enqueues one background task per kind
(`search.tasks.sync_search_index`, django-tasks). The task re-reads the objects: the
indexable ones are (re)indexed, the others (deleted, unpublished, withdrawn, made private)
are removed. Nothing is indexed for a transaction that rolls back.

`rebuild()` refills the whole index (``manage.py search_index --rebuild``).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterable, Iterator

from django.db import connection, connections, transaction

from cms.transactions import on_commit

from .backends import get_backend
from .documents import KINDS, interest_suggestions

logger = logging.getLogger(__name__)

__all__ = ["INTERESTS", "rebuild", "schedule", "sync"]

INTERESTS = "_interests"  # pseudo-kind: the interest suggestions
TASK_CHUNK = 500

_state = threading.local()


class _Pending:
    """Ids scheduled during one transaction, flushed once it commits."""

    def __init__(self) -> None:
        self.ids: dict[str, set[int]] = {}

    def add(self, kind: str, ids: set[int]) -> None:
        self.ids.setdefault(kind, set()).update(ids)

    def flush(self) -> None:
        if getattr(_state, "pending", None) is self:
            _state.pending = None
        for kind, ids in self.ids.items():
            _enqueue(kind, ids)


def _is_registered(connection, pending: _Pending) -> bool:
    try:
        return any(entry[1] == pending.flush for entry in connection.run_on_commit)
    except (AttributeError, IndexError, TypeError):  # pragma: no cover - Django internals moved
        return False


def schedule(kind: str, ids: Iterable[int | None]) -> None:
    """Re-index (or remove) these objects of `kind` once the current transaction commits."""
    clean = {int(i) for i in ids if i is not None}
    if not clean and kind != INTERESTS:
        return
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        on_commit(_enqueue, kind, clean)  # at once
        return
    pending = getattr(_state, "pending", None)
    if pending is None or not _is_registered(connection, pending):
        pending = _Pending()
        _state.pending = pending
        on_commit(pending.flush)
    pending.add(kind, clean)


def _enqueue(kind: str, ids: set[int]) -> None:
    from .tasks import refresh_interest_suggestions, sync_search_index

    try:
        if kind == INTERESTS:
            refresh_interest_suggestions.enqueue()
            return
        ordered = sorted(ids)
        for start in range(0, len(ordered), TASK_CHUNK):
            sync_search_index.enqueue(kind, ordered[start : start + TASK_CHUNK])
    except Exception:  # the queue is down: the next rebuild catches up
        logger.exception("Could not enqueue search index updates for %s %s", kind, sorted(ids)[:20])


def sync(kind: str, ids: Iterable[int]) -> tuple[int, int]:
    """Index the indexable objects among ids, remove the others: (indexed, removed)."""
    if kind == INTERESTS:
        get_backend().replace_interest_suggestions(interest_suggestions())
        return 0, 0
    if kind not in KINDS:
        logger.warning("Unknown search kind %r: ignored", kind)
        return 0, 0
    documents, gone = KINDS[kind].documents_for_ids(ids)
    backend = get_backend()
    if documents:
        backend.index_documents(documents)
    if gone:
        backend.remove(kind, gone)
    return len(documents), len(gone)


def total_to_index(kinds: Iterable[str] | None = None) -> int:
    return sum(KINDS[name].count() for name in (kinds or KINDS))


def rebuild(progress: Callable[[int], None] | None = None, batch_size: int = 1000) -> int:
    """Rebuild the whole index from the database; returns the number of documents.

    On PostgreSQL, outside any transaction (the command, not a test), the documents are
    built one batch ahead in a thread with its own connection: building a batch (Python)
    and writing the previous one (the database computing tsvectors and index entries) then
    overlap. Inside a transaction they are built in line (another connection would not see
    its uncommitted rows)."""

    def batches():
        for kind in sorted(KINDS.values(), key=lambda k: k.position):
            for objects in kind.iter_batches(batch_size):
                yield kind.documents(objects)

    documents = batches()
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        documents = read_ahead(documents)
    return get_backend().rebuild(
        documents, progress=progress, extra_suggestions=interest_suggestions()
    )


_DONE = object()


def read_ahead(items: Iterator, depth: int = 2) -> Iterator:
    """The items of `items`, produced up to `depth` ahead by a thread (which closes its own
    database connections when done). Its exceptions are raised here; stopping early stops it."""
    buffer: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                buffer.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put(item):
                    return
            put(_DONE)
        except BaseException as exc:  # handed to the consumer
            put(exc)
        finally:
            connections.close_all()  # this thread's connections only

    worker = threading.Thread(target=produce, name="search-rebuild-reader", daemon=True)
    worker.start()
    try:
        while True:
            item = buffer.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        worker.join()
