"""The feed store interface: one base class, one subclass per storage (house style 3).

An entry is keyed by (kind, object id) within a member's feed. Feeds are read newest-best
first by keyset on (score, tiebreak): the tiebreak is the row id in the database store and
the sorted-set member in Redis, so a cursor is stable whatever is inserted meanwhile.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class StoredEntry:
    """One entry of one member's feed, as the stores write and read it."""

    kind: str
    object_id: int
    score: float
    reason: str = ""
    interest_id: int | None = None
    community_id: int | None = None
    created_at: datetime | None = None
    tiebreak: str = field(default="", compare=False)

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.object_id}"


@dataclass(frozen=True)
class Position:
    """Where a page ended: score and store-specific tiebreak (exclusive bound)."""

    score: float
    tiebreak: str


class FeedStore:
    """Base class of feed stores. Subclasses implement every method."""

    name = "base"

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries

    # --- writing
    def add_many(self, entries: Iterable[tuple[int, StoredEntry]]) -> int:
        """Insert or re-score (member id, entry) pairs in bulk; returns how many were written."""
        raise NotImplementedError

    def remove_content(
        self, kind: str, object_id: int, members: Iterable[int] | None = None
    ) -> int:
        """Remove one piece of content from every feed (or from `members` only)."""
        raise NotImplementedError

    def members_with(self, kind: str, object_id: int) -> set[int]:
        """Ids of the members whose feed holds this content."""
        raise NotImplementedError

    def replace_member(self, member_id: int, entries: Iterable[StoredEntry]) -> int:
        """Drop a member's feed and write `entries` instead (rebuild)."""
        raise NotImplementedError

    def sink(
        self,
        member_id: int,
        *,
        kind: str,
        object_id: int,
        interest_id: int | None,
        community_id: int | None,
        penalty: float,
        similar_penalty: float,
    ) -> int:
        """Lower the score of one entry (by `penalty`) and of similar ones (same kind and
        interest, or same community: by `similar_penalty`). Returns entries touched."""
        raise NotImplementedError

    def trim(self, member_ids: Iterable[int]) -> int:
        """Keep at most `max_entries` per member (the lowest scores go). Returns removed."""
        raise NotImplementedError

    def clear(self, member_id: int | None = None) -> None:
        """Empty one member's feed, or every feed."""
        raise NotImplementedError

    # --- reading
    def page(self, member_id: int, *, before: Position | None, limit: int) -> list[StoredEntry]:
        """Up to `limit` entries ranked below `before` (best first); the entries carry their
        `tiebreak` so the caller can build the next position."""
        raise NotImplementedError

    def get_many(self, member_id: int, keys: Iterable[str]) -> list[StoredEntry]:
        """The entries with these "kind:id" keys still in the member's feed."""
        raise NotImplementedError

    def count(self, member_id: int) -> int:
        raise NotImplementedError
