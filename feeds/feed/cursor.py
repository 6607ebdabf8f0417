"""The cursor of the feed's next page, as carried in ?avant= (opaque, validated on read)."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field

from feeds import ranking
from feeds.store import Position


class InvalidCursor(ValueError):
    pass


@dataclass
class Cursor:
    """Where the next page starts: a keyset position, entries held back by the diversity
    rule (shown first next time), and the kinds and communities that ended the page."""

    position: Position
    deferred: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    communities: list[int | None] = field(default_factory=list)

    def encode(self) -> str:
        raw = json.dumps(
            [
                self.position.score,
                self.position.tiebreak,
                self.deferred,
                self.kinds,
                self.communities,
            ],
            separators=(",", ":"),
        )
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, value: str) -> Cursor:
        try:
            padded = value + "=" * (-len(value) % 4)
            score, tiebreak, deferred, kinds, communities = json.loads(
                base64.urlsafe_b64decode(padded.encode()).decode()
            )
            position = Position(float(score), str(tiebreak))
            if not all(isinstance(k, str) and ":" in k for k in deferred) or len(deferred) > 200:
                raise ValueError("deferred")
            kinds = [str(k) for k in kinds][-ranking.MAX_CONSECUTIVE :]
            communities = [int(c) if c is not None else None for c in communities][
                -ranking.MAX_CONSECUTIVE :
            ]
        except (ValueError, TypeError, UnicodeDecodeError) as error:
            raise InvalidCursor(str(error)) from None
        return cls(position, list(deferred), kinds, communities)
