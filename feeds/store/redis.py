"""Feed store on Redis: one sorted set per member, capped (Mastodon keeps 800).

Keys (under ``settings.FEED_REDIS_PREFIX``):
  ``<prefix>:m:<member>``        sorted set, member "kind:id", score = rank score
  ``<prefix>:meta:<member>``     hash "kind:id" → JSON [reason, interest id, community id, created]
  ``<prefix>:c:<kind>:<id>``     set of member ids holding that content (for unpublishing)
Equal scores are ordered by member string (reverse lexicographic), which is the tiebreak.
Writes go through a Lua script (entries, content sets and the cap, which only works past the
cap plus a 10 % slack and then cuts back to the cap): a fan-out is one call per 1,000 members.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable
from datetime import UTC, datetime

from feeds.store.base import FeedStore, Position, StoredEntry

PIPELINE_CHUNK = 1000

# Cut a member's feed (sorted set `m`, metadata hash `h`) down to `cap` entries when it
# holds more than `threshold` (the cap plus the slack): the lowest ranks leave the sorted
# set, the metadata and the content's member set ("<prefix>:c:<kind>:<id>"), server-side.
_TRIM_FUNCTION = """
local function trim(m, h, cap, threshold, c_prefix, member)
  local total = redis.call('ZCARD', m)
  if total <= threshold then return 0 end
  local extra = redis.call('ZRANGE', m, 0, total - cap - 1)
  redis.call('ZREMRANGEBYRANK', m, 0, total - cap - 1)
  for start = 1, #extra, 500 do
    local stop = math.min(start + 499, #extra)
    redis.call('HDEL', h, unpack(extra, start, stop))
    for i = start, stop do
      redis.call('SREM', c_prefix .. extra[i], member)
    end
  end
  return #extra
end
"""
# Trim members. ARGV: prefix, cap, threshold, then the member ids. Returns removed.
_TRIM_LUA = (
    _TRIM_FUNCTION
    + """
local prefix, cap, threshold = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local removed = 0
for i = 4, #ARGV do
  local member = ARGV[i]
  removed = removed + trim(prefix .. ':m:' .. member, prefix .. ':meta:' .. member,
                           cap, threshold, prefix .. ':c:', member)
end
return removed
"""
)
# Write entries, then trim past the threshold: one call per batch of entries instead of
# four commands per member (a fan-out spends its time packing commands, not in Redis).
# ARGV: prefix, cap, threshold, then (member id, "kind:id", score, metadata) per entry.
_ADD_LUA = (
    _TRIM_FUNCTION
    + """
local prefix, cap, threshold = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local seen, members = {}, {}
for i = 4, #ARGV, 4 do
  local member, key = ARGV[i], ARGV[i + 1]
  redis.call('ZADD', prefix .. ':m:' .. member, ARGV[i + 2], key)
  redis.call('HSET', prefix .. ':meta:' .. member, key, ARGV[i + 3])
  redis.call('SADD', prefix .. ':c:' .. key, member)
  if not seen[member] then
    seen[member] = true
    members[#members + 1] = member
  end
end
for _, member in ipairs(members) do
  trim(prefix .. ':m:' .. member, prefix .. ':meta:' .. member, cap, threshold,
       prefix .. ':c:', member)
end
return #members
"""
)


def _encode(entry: StoredEntry) -> str:
    created = entry.created_at.timestamp() if entry.created_at else None
    return json.dumps([entry.reason, entry.interest_id, entry.community_id, created])


def _decode(key: str, score: float, raw) -> StoredEntry:
    kind, _, object_id = key.partition(":")
    reason, interest_id, community_id, created = ("", None, None, None)
    if raw:
        with contextlib.suppress(ValueError, TypeError):
            reason, interest_id, community_id, created = json.loads(raw)
    return StoredEntry(
        kind=kind,
        object_id=int(object_id),
        score=float(score),
        reason=reason or "",
        interest_id=interest_id,
        community_id=community_id,
        created_at=datetime.fromtimestamp(created, UTC) if created else None,
        tiebreak=key,
    )


class RedisFeedStore(FeedStore):
    name = "redis"

    def __init__(self, max_entries: int, url: str, prefix: str = "affinites:feed") -> None:
        super().__init__(max_entries)
        import redis

        self.client = redis.Redis.from_url(url, decode_responses=True)
        self.prefix = prefix
        self.slack = max_entries // 10
        self._add_script = self.client.register_script(_ADD_LUA)
        self._trim_script = self.client.register_script(_TRIM_LUA)

    def _m(self, member_id: int) -> str:
        return f"{self.prefix}:m:{member_id}"

    def _meta(self, member_id: int) -> str:
        return f"{self.prefix}:meta:{member_id}"

    def _c(self, kind: str, object_id: int) -> str:
        return f"{self.prefix}:c:{kind}:{object_id}"

    # --- writing
    def add_many(self, entries: Iterable[tuple[int, StoredEntry]]) -> int:
        """One script call per `PIPELINE_CHUNK` entries: sorted set, metadata and content
        set, then the cap (only for members past the cap plus a 10 % slack)."""
        head = [self.prefix, self.max_entries, self.max_entries + self.slack]
        encoded: dict[tuple, str] = {}  # a fan-out writes the same reason thousands of times
        args: list = []
        written = 0
        for member_id, e in entries:
            meta_key = (e.reason, e.interest_id, e.community_id, e.created_at)
            meta = encoded.get(meta_key)
            if meta is None:
                meta = encoded[meta_key] = _encode(e)
            args += (member_id, e.key, repr(float(e.score)), meta)
            written += 1
            if written % PIPELINE_CHUNK == 0:
                self._add_script(args=head + args)
                args = []
        if args:
            self._add_script(args=head + args)
        return written

    def remove_content(
        self, kind: str, object_id: int, members: Iterable[int] | None = None
    ) -> int:
        key = f"{kind}:{object_id}"
        holders = self.members_with(kind, object_id) if members is None else set(members)
        if not holders:
            return 0
        removed = 0
        holders = list(holders)
        for start in range(0, len(holders), PIPELINE_CHUNK):
            chunk = holders[start : start + PIPELINE_CHUNK]
            pipe = self.client.pipeline(transaction=False)
            for member_id in chunk:
                pipe.zrem(self._m(member_id), key)
                pipe.hdel(self._meta(member_id), key)
            pipe.srem(self._c(kind, object_id), *chunk)
            results = pipe.execute()
            removed += sum(results[0:-1:2])
        return removed

    def members_with(self, kind: str, object_id: int) -> set[int]:
        return {int(m) for m in self.client.smembers(self._c(kind, object_id))}

    def replace_member(self, member_id: int, entries: Iterable[StoredEntry]) -> int:
        self.clear(member_id)
        return self.add_many((member_id, e) for e in entries)

    def sink(
        self, member_id, *, kind, object_id, interest_id, community_id, penalty, similar_penalty
    ):
        own = f"{kind}:{object_id}"
        scores = dict(self.client.zrange(self._m(member_id), 0, -1, withscores=True))
        meta = self.client.hgetall(self._meta(member_id))
        pipe = self.client.pipeline(transaction=False)
        touched = 0
        for key in scores:
            entry = _decode(key, scores[key], meta.get(key))
            if key == own:
                pipe.zincrby(self._m(member_id), -penalty, key)
            elif (
                interest_id is not None and entry.kind == kind and entry.interest_id == interest_id
            ) or (community_id is not None and entry.community_id == community_id):
                pipe.zincrby(self._m(member_id), -similar_penalty, key)
            else:
                continue
            touched += 1
        pipe.execute()
        return touched

    def trim(self, member_ids: Iterable[int]) -> int:
        """Exactly `max_entries` at most for these members (no slack)."""
        member_ids = list(member_ids)
        head = [self.prefix, self.max_entries, self.max_entries]
        return sum(
            self._trim_script(args=head + member_ids[start : start + PIPELINE_CHUNK])
            for start in range(0, len(member_ids), PIPELINE_CHUNK)
        )

    def clear(self, member_id: int | None = None) -> None:
        if member_id is None:
            batch = []
            for key in self.client.scan_iter(match=f"{self.prefix}:*", count=1000):
                batch.append(key)
                if len(batch) >= 1000:
                    self.client.delete(*batch)
                    batch = []
            if batch:
                self.client.delete(*batch)
            return
        keys = self.client.zrange(self._m(member_id), 0, -1)
        pipe = self.client.pipeline(transaction=False)
        for key in keys:
            kind, _, object_id = key.partition(":")
            pipe.srem(self._c(kind, int(object_id)), member_id)
        pipe.delete(self._m(member_id), self._meta(member_id))
        pipe.execute()

    # --- reading
    def page(self, member_id: int, *, before: Position | None, limit: int) -> list[StoredEntry]:
        if limit <= 0:
            return []
        rows: list[tuple[str, float]] = []
        maximum = "+inf" if before is None else repr(before.score)
        offset = 0
        batch = limit + 16
        while len(rows) < limit:
            chunk = self.client.zrevrangebyscore(
                self._m(member_id), maximum, "-inf", start=offset, num=batch, withscores=True
            )
            for key, score in chunk:
                if before is not None and score == before.score and key >= before.tiebreak:
                    continue  # at the cursor's score: only tiebreaks below it
                rows.append((key, score))
            if len(chunk) < batch:
                break
            offset += batch
        rows = rows[:limit]
        if not rows:
            return []
        meta = self.client.hmget(self._meta(member_id), [key for key, _ in rows])
        return [_decode(key, score, raw) for (key, score), raw in zip(rows, meta, strict=True)]

    def get_many(self, member_id: int, keys: Iterable[str]) -> list[StoredEntry]:
        keys = list(keys)
        if not keys:
            return []
        pipe = self.client.pipeline(transaction=False)
        pipe.zmscore(self._m(member_id), keys)
        pipe.hmget(self._meta(member_id), keys)
        scores, meta = pipe.execute()
        return [
            _decode(key, score, raw)
            for key, score, raw in zip(keys, scores, meta, strict=True)
            if score is not None
        ]

    def count(self, member_id: int) -> int:
        return self.client.zcard(self._m(member_id))
