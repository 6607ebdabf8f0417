"""Erasure reaches the search index (GDPR art. 17).

When an account is deleted, `community.privacy.erasure` sends ``content_erased`` with the
rows whose text it rewrote (the member's name, handle or email replaced) or deleted. Their
entries are indexed again from the rewritten rows or removed, the full-text rows with them,
and the vocabulary words only those entries contributed (typo correction would otherwise
still propose the member's surname) are dropped.

The database backend does it inside the deletion's transaction, so the index never holds
what the tables no longer do; Elasticsearch once the deletion has committed, then expunges
the deleted documents (a forced merge) so their terms leave the term dictionary too. If
Elasticsearch cannot be reached, the ids (never the texts) go to the usual sync task.
"""

from __future__ import annotations

import logging

from django.apps import apps

from cms.transactions import on_commit

from .backends import get_backend
from .documents import kind_for_model
from .indexing import schedule, sync

logger = logging.getLogger(__name__)


def targets_of(rows: dict[str, set[int]]) -> dict[str, set[int]]:
    """{model label: pks} → {search kind: object ids} for the indexed models among them."""
    found: dict[str, set[int]] = {}
    for label, pks in rows.items():
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        kind = kind_for_model(model)
        if kind is not None and pks:
            found.setdefault(kind.name, set()).update(int(pk) for pk in pks)
    return found


def purge(targets: dict[str, set[int]]) -> dict[str, int]:
    """Index these objects again (or remove them) and forget the words only they held."""
    backend = get_backend()
    words: set[str] = set()
    indexed = removed = 0
    for kind, ids in targets.items():
        words |= backend.vocabulary_of(kind, ids)
        done, gone = sync(kind, ids)
        indexed, removed = indexed + done, removed + gone
    forgotten = backend.forget_terms(words)
    backend.expunge_deleted()
    return {"indexed": indexed, "removed": removed, "terms_forgotten": forgotten}


def _purge_after_commit(targets: dict[str, set[int]]) -> None:
    try:
        purge(targets)
    except Exception:  # the index is unreachable: the sync task re-reads the rows later
        logger.exception("Search index not purged at once after an erasure; task enqueued")
        for kind, ids in targets.items():
            schedule(kind, ids)


def on_content_erased(sender, rows: dict[str, set[int]], **kwargs) -> None:
    targets = targets_of(rows)
    if not targets:
        return
    if get_backend().in_database:
        purge(targets)
    else:
        on_commit(_purge_after_commit, targets)
