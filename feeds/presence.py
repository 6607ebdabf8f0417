"""Which members have a page open: the record the pushes ask before sending, with Redis.

A push reaches thousands of members while only a few have a page open, and every
``group_send`` of a Redis channel layer costs round trips even for a group nobody listens
to (two each with the list layer: 1.8 s for 10,000 groups). So the websocket consumers keep
a record of the members they serve, and a push asks it for the whole batch in one round
trip (``present()``), then sends only to those members.

The record is one Redis sorted set (``settings.PRESENCE_REDIS_KEY``): member id → until when
(Unix time) the member counts as present. Each server process (each event loop) keeps the
members of its open pages:

- a page that connects writes its member at once, present for ``TTL`` seconds (``joined``);
- every ``HEARTBEAT`` seconds, while the process serves pages, one pipeline rewrites the
  scores of all its members and drops the entries whose time has passed, so the members of
  a process that crashed lapse within ``TTL`` instead of staying present forever;
- a page that closes (``left``) removes its member from the process's own count only: another
  process may serve another page of the same member. The entry lapses at its score unless a
  process still refreshes it; until then a push to that member costs one useless send,
  where removing it could lose a push for the other page.

When the record cannot be read (Redis away), every member counts as present: the sends
themselves report the outage. Without Redis (the embedded default's in-memory layer) there is
no record: every member counts as present and the in-memory layer skips empty groups itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import weakref
from collections import Counter
from collections.abc import Iterable

import redis
import redis.asyncio
from django.conf import settings

logger = logging.getLogger(__name__)

HEARTBEAT = 20.0  # seconds, as uvicorn's websocket ping interval
TTL = 2 * HEARTBEAT + 5  # a member survives one missed heartbeat
READ_CHUNK = 5000  # member ids per ZMSCORE (all chunks go in one pipeline)
CONNECTIONS = 50  # Redis connections a process's pages share; beyond, joins wait for one

_clients: dict[str, redis.Redis] = {}
_trackers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Tracker] = (
    weakref.WeakKeyDictionary()
)


def member_group(user_id: int) -> str:
    """The channel-layer group of a member's open pages."""
    return f"member.{user_id}"


def enabled() -> bool:
    return bool(settings.REDIS_URL)


def present(member_ids: Iterable[int]) -> list[int]:
    """The members of `member_ids` that have a page open, in their order: one round trip to
    Redis for the whole batch. Every member when there is no record or it cannot be read."""
    member_ids = list(member_ids)
    if not enabled() or not member_ids:
        return member_ids
    try:
        client = _sync_client()
        with client.pipeline(transaction=False) as pipe:
            for start in range(0, len(member_ids), READ_CHUNK):
                pipe.zmscore(settings.PRESENCE_REDIS_KEY, member_ids[start : start + READ_CHUNK])
            chunks = pipe.execute()
    except redis.RedisError:
        logger.warning("Push: could not read which members have a page open", exc_info=True)
        return member_ids
    now = time.time()
    scores = [score for chunk in chunks for score in chunk]
    return [
        member_id
        for member_id, until in zip(member_ids, scores, strict=True)
        if until is not None and until > now
    ]


def _sync_client() -> redis.Redis:
    url = settings.REDIS_URL
    client = _clients.get(url)
    if client is None:
        client = _clients[url] = redis.Redis.from_url(
            url, socket_connect_timeout=1, socket_timeout=2
        )
    return client


async def joined(member_id: int) -> None:
    """A page of `member_id` opened in this process: present from now on."""
    if enabled():
        await _tracker().join(member_id)


async def left(member_id: int) -> None:
    """A page of `member_id` closed in this process (see the module's text)."""
    if enabled():
        await _tracker().leave(member_id)


def _tracker() -> Tracker:
    loop = asyncio.get_running_loop()
    tracker = _trackers.get(loop)
    if tracker is None:
        tracker = _trackers[loop] = Tracker(settings.REDIS_URL, settings.PRESENCE_REDIS_KEY)
    return tracker


class Tracker:
    """One event loop's pages: how many per member, written to the record."""

    def __init__(self, url: str, key: str) -> None:
        self.url = url
        self.key = key
        self.pages: Counter[int] = Counter()
        self.client: redis.asyncio.Redis | None = None
        self.heartbeat: asyncio.Task | None = None
        self.failing = False

    def _client(self) -> redis.asyncio.Redis:
        if self.client is None:
            # A blocking pool: a thousand pages reconnecting at once wait for a connection
            # instead of failing with "Too many connections".
            pool = redis.asyncio.BlockingConnectionPool.from_url(
                self.url, max_connections=CONNECTIONS, timeout=5, socket_connect_timeout=1
            )
            self.client = redis.asyncio.Redis(connection_pool=pool)
        return self.client

    async def join(self, member_id: int) -> None:
        self.pages[member_id] += 1
        if self.heartbeat is None or self.heartbeat.done():
            self.heartbeat = asyncio.get_running_loop().create_task(
                self._beat(), name="feeds-presence-heartbeat"
            )
        try:
            await self.write({member_id})
        except redis.RedisError:  # the next heartbeat writes it again
            logger.warning("Presence: could not record a page that opened", exc_info=True)

    async def leave(self, member_id: int) -> None:
        self.pages[member_id] -= 1
        if self.pages[member_id] <= 0:
            del self.pages[member_id]
        if not self.pages:  # no page left here: nothing to refresh, no connection to keep
            await self.stop()

    async def stop(self) -> None:
        if self.heartbeat is not None:
            self.heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.heartbeat
            self.heartbeat = None
        if self.client is not None:
            client, self.client = self.client, None
            await client.aclose()

    async def write(self, member_ids: Iterable[int], sweep: bool = False) -> None:
        """Present for TTL from now; with `sweep`, drop the lapsed entries. One round trip."""
        now = time.time()
        async with self._client().pipeline(transaction=False) as pipe:
            if member_ids:
                pipe.zadd(self.key, dict.fromkeys(member_ids, now + TTL))
            if sweep:
                pipe.zremrangebyscore(self.key, "-inf", now)
            # The latest write holds the latest score: the record goes once nobody writes.
            pipe.expire(self.key, int(TTL) + 1)
            await pipe.execute()

    async def refresh(self) -> None:
        """Rewrite this process's members and drop the lapsed entries (the heartbeat)."""
        await self.write(list(self.pages), sweep=True)

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT)
            try:
                await self.refresh()
                self.failing = False
            except redis.RedisError:
                if not self.failing:  # once per outage
                    logger.warning("Presence: could not refresh the open pages", exc_info=True)
                self.failing = True
