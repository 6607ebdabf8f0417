"""Websocket pushes that reach the ASGI server from another process.

With Redis (``REDIS_URL``) the channel layer already crosses processes: pushes are sent
with ``group_send`` to the members that have a page open (``feeds.presence``, one round trip
for the batch) and nothing else happens here. The embedded default uses
``InMemoryChannelLayer``, which lives inside one process, while tasks run in
``manage.py db_worker``: a push sent from there would reach nobody. So, with the in-memory
layer, every push is also written to ``PushOutbox`` and the ASGI server relays it:

- ``send_to_members()`` (the feed's "feed.new", one payload for all) and ``send_each()``
  (notifications, a payload per member) send to the local layer as before AND write outbox
  rows tagged with this process's ``PROCESS_ID``;
- the first ``MemberConsumer`` to connect starts ``start_relay()``, one loop per event loop,
  which polls the outbox every ``POLL_SECONDS`` and sends the rows written by *other*
  processes to its own layer (its own rows were delivered locally: never twice). Rows older
  than ``RETENTION`` are deleted by the relay.

Ids are read past the last one delivered, plus a short ``LOOKBACK`` window by date so that a
row whose transaction commits after a row with a higher id is not skipped.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
import weakref
from collections.abc import Iterable
from datetime import timedelta

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.db.models import Max, Q
from django.utils import timezone

from feeds import presence
from feeds.models import PushOutbox
from feeds.presence import member_group

logger = logging.getLogger(__name__)

PROCESS_ID = uuid.uuid4().hex
POLL_SECONDS = 0.5
LOOKBACK = timedelta(seconds=5)
RETENTION = timedelta(minutes=2)
CLEANUP_SECONDS = 30
GROUPS_PER_ROW = 1000
SEND_BATCH = 50  # concurrent group_sends: redis-py pools stop at 100 connections

_relays: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Task] = (
    weakref.WeakKeyDictionary()
)


def needs_relay(layer) -> bool:
    """True when the layer cannot reach another process (the in-memory layer)."""
    return isinstance(layer, InMemoryChannelLayer)


def send_to_members(member_ids: Iterable[int], payload: dict) -> int:
    """Push `payload` to the members' open pages ("member.event"); returns how many members
    it was sent to (0 without a channel layer). Errors are raised: callers log them."""
    layer = get_channel_layer()
    member_ids = list(member_ids)
    if layer is None or not member_ids:
        return 0
    message = {"type": "member.event", "payload": payload}
    if needs_relay(layer):
        groups = [member_group(member_id) for member_id in member_ids]
        _write_outbox(
            (groups[start : start + GROUPS_PER_ROW], message)
            for start in range(0, len(groups), GROUPS_PER_ROW)
        )
    async_to_sync(_send_each)(layer, dict.fromkeys(_listened_groups(layer, member_ids), message))
    return len(member_ids)


def send_each(payloads: dict[int, dict]) -> int:
    """Push to each member's open pages a payload of their own ({member id: payload}): one
    check of who has a page open for all of them, then the sends (see send_to_members).
    Returns how many members it was sent to."""
    layer = get_channel_layer()
    if layer is None or not payloads:
        return 0
    messages = {
        member_group(member_id): {"type": "member.event", "payload": payload}
        for member_id, payload in payloads.items()
    }
    if needs_relay(layer):
        _write_outbox(([group], message) for group, message in messages.items())
    listened = _listened_groups(layer, list(payloads))
    async_to_sync(_send_each)(layer, {group: messages[group] for group in listened})
    return len(messages)


def _listened_groups(layer, member_ids: list[int]) -> list[str]:
    """The groups of the members with a page open. A fan-out reaches thousands of members
    and only a few have a page open, while every ``group_send`` of a Redis layer costs round
    trips even for a group nobody is in: the websocket consumers' presence record answers
    for the whole batch in one round trip (``feeds.presence``). The in-memory layer skips
    empty groups itself: every group."""
    if not needs_relay(layer):
        member_ids = presence.present(member_ids)
    return [member_group(member_id) for member_id in member_ids]


def _write_outbox(rows: Iterable[tuple[list[str], dict]]) -> None:
    """Outbox rows (groups, message) for the ASGI server's relay (see the module's text)."""
    PushOutbox.objects.bulk_create(
        (PushOutbox(origin=PROCESS_ID, groups=groups, message=message) for groups, message in rows),
        batch_size=GROUPS_PER_ROW,
    )
    # The relay also cleans up, but only runs once someone connects: never let rows pile up
    # on a server nobody has opened yet.
    PushOutbox.objects.filter(created_at__lt=timezone.now() - RETENTION).delete()


async def _send_each(layer, messages: dict[str, dict]) -> None:
    """{group: message}, SEND_BATCH at a time."""
    groups = list(messages)
    for start in range(0, len(groups), SEND_BATCH):
        chunk = groups[start : start + SEND_BATCH]
        await asyncio.gather(*(layer.group_send(group, messages[group]) for group in chunk))


async def _group_send_all(layer, groups: list[str], message: dict) -> None:
    await _send_each(layer, dict.fromkeys(groups, message))


def start_relay(layer) -> asyncio.Task | None:
    """Start the relay on the running event loop unless it runs there already (called by
    the consumer on connect). Nothing to do with a layer that crosses processes."""
    if not needs_relay(layer):
        return None
    loop = asyncio.get_running_loop()
    task = _relays.get(loop)
    if task is None or task.done():
        task = loop.create_task(Relay(layer).run(), name="feeds-push-relay")
        _relays[loop] = task
    return task


class Relay:
    """Sends the outbox rows written by other processes to this process's layer."""

    def __init__(self, layer) -> None:
        self.layer = layer
        self.origin = PROCESS_ID  # rows written here were delivered locally
        self.last_id = 0
        self.started_at = timezone.now()
        self.recent: dict[int, float] = {}  # id → when delivered (monotonic), for LOOKBACK
        self.next_cleanup = 0.0
        self.failing = False

    async def run(self) -> None:
        await database_sync_to_async(self.begin)()
        while True:
            try:
                await self.poll()
                self.failing = False
            except Exception:
                if not self.failing:  # once per outage, not twice a second
                    logger.exception("Push relay: could not read the outbox")
                self.failing = True
            await asyncio.sleep(POLL_SECONDS)

    def begin(self) -> None:
        """Start after what was written before the relay was started: those are stale."""
        before = PushOutbox.objects.filter(created_at__lt=self.started_at)
        self.last_id = before.aggregate(last=Max("id"))["last"] or 0

    async def poll(self) -> int:
        """Deliver what arrived since the last poll; returns how many rows."""
        rows = await database_sync_to_async(self.pending)()
        for pk, groups, message in rows:
            await _group_send_all(self.layer, groups, message)
            self.recent[pk] = time.monotonic()
            self.last_id = max(self.last_id, pk)
        forget_before = time.monotonic() - 2 * LOOKBACK.total_seconds()
        self.recent = {pk: at for pk, at in self.recent.items() if at >= forget_before}
        if time.monotonic() >= self.next_cleanup:
            await database_sync_to_async(delete_old_pushes)()
            self.next_cleanup = time.monotonic() + CLEANUP_SECONDS
        return len(rows)

    def pending(self) -> list[tuple[int, list[str], dict]]:
        window = max(self.started_at, timezone.now() - LOOKBACK)
        rows = (
            PushOutbox.objects.filter(Q(id__gt=self.last_id) | Q(created_at__gte=window))
            .exclude(origin=self.origin)
            .order_by("id")
            .values_list("id", "groups", "message")
        )
        return [row for row in rows if row[0] not in self.recent]


def delete_old_pushes(now=None) -> int:
    """Delete the outbox rows older than RETENTION; returns how many."""
    cutoff = (now or timezone.now()) - RETENTION
    deleted, _ = PushOutbox.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def forget_member(user) -> int:
    """Delete pending pushes that name `user` (account deletion). The outbox only holds a
    couple of minutes of rows, so they are checked in Python, whatever the JSON encoding."""
    needles = [n.casefold() for n in (user.email, user.display_name, user.handle) if n]
    doomed = [
        row.pk
        for row in PushOutbox.objects.only("pk", "message")
        if any(n in json.dumps(row.message, ensure_ascii=False).casefold() for n in needles)
    ]
    PushOutbox.objects.filter(pk__in=doomed).delete()
    return len(doomed)
