"""The push relay: with the in-memory channel layer, pushes made in another process (the task
worker) reach the members connected to the ASGI server through the PushOutbox table."""

import asyncio
import os
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.test import override_settings
from django.utils import timezone

from feeds import relay
from feeds.consumers import member_group
from feeds.models import PushOutbox
from tests.conftest import make_user
from tests.test_websocket import _communicator, _session_cookie

REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/8"


REDIS_LIST_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {"hosts": [{"address": REDIS_URL, "socket_timeout": None}]},
    }
}


def _redis_reachable() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping())
    except Exception:
        return False


@pytest.fixture(autouse=True)
def in_memory_layer(settings):
    """The embedded default, even when the suite runs with REDIS_URL."""
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


def _as_worker(monkeypatch):
    """Make send_to_members behave as in the task worker: another process id and its own
    in-memory layer, where no consumer lives."""
    worker_layer = InMemoryChannelLayer()
    monkeypatch.setattr(relay, "PROCESS_ID", "worker-process")
    monkeypatch.setattr(relay, "get_channel_layer", lambda: worker_layer)
    return worker_layer


async def _connected_member():
    user = await sync_to_async(make_user)()
    communicator = _communicator(cookie=await sync_to_async(_session_cookie)(user))
    assert (await communicator.connect())[0]
    return user, communicator


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.asyncio
async def test_a_push_from_the_worker_reaches_the_connected_member_once(monkeypatch):
    user, communicator = await _connected_member()
    _as_worker(monkeypatch)

    sent = await sync_to_async(relay.send_to_members)([user.pk], {"type": "feed.new", "count": 2})

    assert sent == 1
    assert await communicator.receive_json_from(timeout=2) == {"type": "feed.new", "count": 2}
    assert await communicator.receive_nothing(timeout=1.2)  # the next polls do not repeat it
    await communicator.disconnect()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.asyncio
async def test_a_notification_from_the_worker_rings_the_bell(monkeypatch):
    from community.models import Notification
    from community.notifications import notify

    user, communicator = await _connected_member()
    _as_worker(monkeypatch)

    notification = await sync_to_async(notify)(
        user, Notification.Kind.EVENT_REMINDER, "Rappel : atelier BD demain"
    )

    pushed = await communicator.receive_json_from(timeout=2)
    assert pushed["type"] == "notification"
    assert (pushed["id"], pushed["title"], pushed["unread"]) == (
        notification.pk,
        "Rappel : atelier BD demain",
        1,
    )
    await communicator.disconnect()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.asyncio
async def test_a_push_from_the_server_itself_is_delivered_once():
    user, communicator = await _connected_member()

    await sync_to_async(relay.send_to_members)([user.pk], {"type": "feed.new", "count": 1})

    assert await communicator.receive_json_from(timeout=2) == {"type": "feed.new", "count": 1}
    assert await communicator.receive_nothing(timeout=1.2)  # its own row is not relayed again
    assert await sync_to_async(PushOutbox.objects.count)() == 1
    await communicator.disconnect()


@pytest.mark.django_db
def test_large_audiences_are_written_in_a_few_rows():
    assert relay.send_to_members(range(1, 2501), {"type": "feed.new", "count": 1}) == 2500
    rows = list(PushOutbox.objects.order_by("id"))
    assert [len(row.groups) for row in rows] == [1000, 1000, 500]
    assert rows[0].groups[0] == member_group(1) and rows[-1].groups[-1] == member_group(2500)
    assert rows[0].message == {"type": "member.event", "payload": {"type": "feed.new", "count": 1}}
    assert {row.origin for row in rows} == {relay.PROCESS_ID}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # poll() closes connections
def test_the_relay_skips_what_was_there_before_it_started_and_catches_late_commits():
    layer = InMemoryChannelLayer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(member_group(7), channel)
    message = {"type": "member.event", "payload": {"type": "feed.new", "count": 1}}
    stale = PushOutbox.objects.create(
        origin="worker",
        groups=[member_group(7)],
        message=message,
        created_at=timezone.now() - timedelta(minutes=1),
    )
    relay_ = relay.Relay(layer)
    relay_.begin()
    assert relay_.last_id == stale.pk
    assert async_to_sync(relay_.poll)() == 0

    fresh = PushOutbox.objects.create(origin="worker", groups=[member_group(7)], message=message)
    relay_.last_id = fresh.pk + 10  # a row with a higher id was delivered first
    assert async_to_sync(relay_.poll)() == 1  # the lookback window still finds it
    assert async_to_sync(layer.receive)(channel) == message
    assert async_to_sync(relay_.poll)() == 0  # and only once


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # poll() closes connections
def test_the_relay_deletes_old_rows():
    message = {"type": "member.event", "payload": {}}
    old = PushOutbox.objects.create(
        origin="worker",
        groups=["member.1"],
        message=message,
        created_at=timezone.now() - relay.RETENTION - timedelta(seconds=1),
    )
    recent = PushOutbox.objects.create(origin="worker", groups=["member.1"], message=message)
    relay_ = relay.Relay(InMemoryChannelLayer())
    relay_.begin()

    async_to_sync(relay_.poll)()

    assert list(PushOutbox.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not PushOutbox.objects.filter(pk=old.pk).exists()


@pytest.mark.skipif(not _redis_reachable(), reason="Redis not reachable")
@pytest.mark.django_db
def test_with_redis_pushes_go_straight_to_the_layer_without_outbox():
    with override_settings(CHANNEL_LAYERS=REDIS_LIST_LAYERS):
        layer = get_channel_layer()
        assert not relay.needs_relay(layer)
        channel = async_to_sync(layer.new_channel)()
        async_to_sync(layer.group_add)(member_group(42), channel)

        audience = [42, *range(1000, 1300)]  # more than a Redis connection pool at once
        assert relay.send_to_members(audience, {"type": "feed.new", "count": 3}) == 301

        assert async_to_sync(layer.receive)(channel)["payload"] == {"type": "feed.new", "count": 3}
        assert not PushOutbox.objects.exists()
        async_to_sync(layer.group_discard)(member_group(42), channel)


@pytest.mark.skipif(not _redis_reachable(), reason="Redis not reachable")
@pytest.mark.django_db
def test_with_redis_only_groups_someone_listens_to_are_sent_to():
    with override_settings(CHANNEL_LAYERS=REDIS_LIST_LAYERS):
        layer = get_channel_layer()
        channels = [async_to_sync(layer.new_channel)() for _ in range(2)]
        async_to_sync(layer.group_add)(member_group(7), channels[0])
        async_to_sync(layer.group_add)(member_group(9), channels[1])
        groups = [member_group(pk) for pk in range(1, 2001)]

        kept = async_to_sync(relay.listened_groups)(layer, groups)

        assert kept == [member_group(7), member_group(9)]
        async_to_sync(layer.group_discard)(member_group(9), channels[1])
        assert async_to_sync(relay.listened_groups)(layer, groups) == [member_group(7)]
        async_to_sync(layer.group_discard)(member_group(7), channels[0])


def test_without_a_redis_layer_or_when_redis_fails_every_group_is_kept():
    groups = [member_group(pk) for pk in range(1, 4)]
    assert async_to_sync(relay.listened_groups)(InMemoryChannelLayer(), groups) == groups
    from channels_redis.core import RedisChannelLayer

    unreachable = RedisChannelLayer(hosts=[{"address": "redis://127.0.0.1:1/0"}])
    assert async_to_sync(relay.listened_groups)(unreachable, groups) == groups


@pytest.mark.skipif(not _redis_reachable(), reason="Redis not reachable")
@pytest.mark.django_db
def test_with_the_redis_pubsub_layer_only_subscribed_groups_are_sent_to():
    from channels_redis.pubsub import RedisPubSubChannelLayer

    layer = RedisPubSubChannelLayer(hosts=[{"address": REDIS_URL, "socket_timeout": None}])
    groups = [member_group(pk) for pk in range(1, 1501)]

    async def scenario():
        channel = await layer.new_channel()
        await layer.group_add(member_group(12), channel)
        kept = await relay.listened_groups(layer, groups)
        await relay._group_send_all(layer, groups, {"type": "member.event", "payload": {"n": 1}})
        received = await asyncio.wait_for(layer.receive(channel), timeout=5)
        await layer.group_discard(member_group(12), channel)
        after = await relay.listened_groups(layer, groups)
        await layer.flush()
        return kept, received, after

    kept, received, after = async_to_sync(scenario)()

    assert kept == [member_group(12)]
    assert received["payload"] == {"n": 1}
    assert after == []
