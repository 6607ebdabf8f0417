"""The presence record (feeds.presence): with Redis, the websocket consumers record which
members have a page open, so that a push to thousands of members sends only to those."""

import asyncio
import uuid

import pytest
from asgiref.sync import sync_to_async

from feeds import presence
from tests.conftest import make_user
from tests.feeds.test_relay import REDIS_PUBSUB_LAYERS, REDIS_URL, needs_redis
from tests.test_websocket import _communicator, _session_cookie

pytestmark = needs_redis


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(presence.time, "time", clock)
    return clock


@pytest.fixture
def record(settings):
    """A record of this test's own on the test Redis."""
    import redis

    settings.REDIS_URL = REDIS_URL
    settings.PRESENCE_REDIS_KEY = key = f"test-presence-{uuid.uuid4().hex}"
    client = redis.Redis.from_url(REDIS_URL)
    yield client, key
    client.delete(key)
    client.close()


def _present(member_ids):
    return asyncio.to_thread(presence.present, member_ids)


@pytest.mark.asyncio
async def test_a_page_that_opens_makes_its_member_present_at_once(record, clock):
    tracker = presence.Tracker(REDIS_URL, record[1])
    await tracker.join(5)
    try:
        assert await _present([4, 5, 6]) == [5]
        assert record[0].zscore(record[1], 5) == clock.now + presence.TTL
        assert 0 < record[0].ttl(record[1]) <= presence.TTL + 1  # gone once nobody writes
    finally:
        await tracker.stop()


@pytest.mark.asyncio
async def test_the_member_stays_present_while_another_page_of_theirs_is_open(record, clock):
    tracker = presence.Tracker(REDIS_URL, record[1])
    await tracker.join(5)
    await tracker.join(5)
    await tracker.leave(5)
    assert tracker.heartbeat is not None and not tracker.heartbeat.done()
    clock.now += presence.HEARTBEAT
    await tracker.refresh()
    clock.now += presence.TTL - 1
    assert await _present([5]) == [5]
    await tracker.stop()


@pytest.mark.asyncio
async def test_after_the_last_page_closes_the_member_lapses_and_is_no_more_refreshed(record, clock):
    tracker = presence.Tracker(REDIS_URL, record[1])
    await tracker.join(5)
    await tracker.join(8)
    await tracker.leave(5)
    clock.now += presence.HEARTBEAT
    await tracker.refresh()  # 8's page is still open: 8 is refreshed, 5 is not
    clock.now += presence.TTL - presence.HEARTBEAT + 1
    assert await _present([5, 8]) == [8]
    await tracker.leave(8)
    assert tracker.heartbeat is None and tracker.client is None  # nothing left to refresh
    clock.now += presence.TTL
    assert await _present([5, 8]) == []


@pytest.mark.asyncio
async def test_the_heartbeat_refreshes_the_open_pages(record, monkeypatch):
    monkeypatch.setattr(presence, "HEARTBEAT", 0.05)
    tracker = presence.Tracker(REDIS_URL, record[1])
    await tracker.join(5)
    first = record[0].zscore(record[1], 5)
    await asyncio.sleep(0.3)
    try:
        assert record[0].zscore(record[1], 5) > first
    finally:
        await tracker.stop()


@pytest.mark.asyncio
async def test_the_members_of_a_crashed_process_lapse_and_are_swept(record, clock):
    crashed = presence.Tracker(REDIS_URL, record[1])
    await crashed.join(5)
    await crashed.join(6)
    # the process dies: no leave, no heartbeat any more
    crashed.heartbeat.cancel()
    await crashed.client.aclose()

    alive = presence.Tracker(REDIS_URL, record[1])
    await alive.join(6)  # member 6 also has a page on a process that runs on
    clock.now += presence.TTL + 1
    assert await _present([5, 6]) == []  # lapsed, even before any sweep
    await alive.refresh()
    assert await _present([5, 6]) == [6]
    assert record[0].zscore(record[1], 5) is None  # swept out of the record
    await alive.stop()


@pytest.mark.asyncio
async def test_when_redis_is_away_nothing_fails_and_every_member_counts_as_present(settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    settings.PRESENCE_REDIS_KEY = "test-presence-unreachable"
    tracker = presence.Tracker(settings.REDIS_URL, settings.PRESENCE_REDIS_KEY)
    await tracker.join(5)  # logged, not raised: the page opens anyway
    assert await _present([5, 6]) == [5, 6]
    await tracker.stop()


def test_without_redis_there_is_no_record_and_every_member_counts(settings):
    settings.REDIS_URL = ""
    assert presence.present([3, 1, 2]) == [3, 1, 2]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.asyncio
async def test_the_consumer_records_its_member_on_connect_and_forgets_on_disconnect(
    record, settings
):
    from channels.layers import channel_layers

    settings.CHANNEL_LAYERS = REDIS_PUBSUB_LAYERS
    channel_layers.backends.clear()
    user = await sync_to_async(make_user)()
    cookie = await sync_to_async(_session_cookie)(user)
    pages = [_communicator(cookie=cookie), _communicator(cookie=cookie)]
    try:
        for page in pages:
            assert (await page.connect())[0]
        assert await _present([user.pk]) == [user.pk]
        tracker = presence._tracker()
        assert tracker.pages[user.pk] == 2
        await pages[0].disconnect()
        assert tracker.pages[user.pk] == 1
        await pages[1].disconnect()
        assert user.pk not in tracker.pages and tracker.heartbeat is None
    finally:
        channel_layers.backends.clear()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.asyncio
async def test_with_the_in_memory_layer_the_consumer_keeps_no_record(record, settings):
    from channels.layers import channel_layers

    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    channel_layers.backends.clear()
    user = await sync_to_async(make_user)()
    page = _communicator(cookie=await sync_to_async(_session_cookie)(user))
    try:
        assert (await page.connect())[0]
        assert record[0].zscore(record[1], user.pk) is None
        await page.disconnect()
    finally:
        channel_layers.backends.clear()
