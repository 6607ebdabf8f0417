"""The push relay: with the in-memory channel layer, pushes made in another process (the task
worker) reach the members connected to the ASGI server through the PushOutbox table."""

import asyncio
import os
import time
import uuid
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


REDIS_PUBSUB_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
        "CONFIG": {"hosts": [{"address": REDIS_URL, "socket_timeout": None}]},
    }
}
needs_redis = pytest.mark.skipif(not _redis_reachable(), reason="Redis not reachable")


@pytest.fixture
def presence_record(settings):
    """The presence record on the test Redis, under a key of this test; returns a function
    that marks members as having a page open (what their consumer does)."""
    import redis

    settings.REDIS_URL = REDIS_URL
    settings.PRESENCE_REDIS_KEY = f"test-presence-{uuid.uuid4().hex}"
    client = redis.Redis.from_url(REDIS_URL)

    def mark_present(*member_ids):
        client.zadd(settings.PRESENCE_REDIS_KEY, dict.fromkeys(member_ids, time.time() + 60))

    yield mark_present
    client.delete(settings.PRESENCE_REDIS_KEY)
    client.close()


@needs_redis
@pytest.mark.django_db
def test_with_redis_pushes_go_straight_to_the_layer_without_outbox(presence_record):
    presence_record(42)
    with override_settings(CHANNEL_LAYERS=REDIS_LIST_LAYERS):
        layer = get_channel_layer()
        assert not relay.needs_relay(layer)
        channel = async_to_sync(layer.new_channel)()
        async_to_sync(layer.group_add)(member_group(42), channel)

        audience = [42, *range(1000, 1300)]
        assert relay.send_to_members(audience, {"type": "feed.new", "count": 3}) == 301

        assert async_to_sync(layer.receive)(channel)["payload"] == {"type": "feed.new", "count": 3}
        assert not PushOutbox.objects.exists()
        async_to_sync(layer.group_discard)(member_group(42), channel)


@needs_redis
@pytest.mark.django_db
@pytest.mark.parametrize(
    "layers", [REDIS_LIST_LAYERS, REDIS_PUBSUB_LAYERS], ids=["lists", "pubsub"]
)
def test_with_redis_only_members_with_a_page_open_are_sent_to(presence_record, monkeypatch, layers):
    presence_record(7, 9)
    with override_settings(CHANNEL_LAYERS=layers):
        layer = get_channel_layer()
        sent_to = []

        async def group_send(group, message):
            sent_to.append(group)

        monkeypatch.setattr(layer, "group_send", group_send)
        audience = range(1, 2001)

        assert relay.send_to_members(audience, {"type": "feed.new", "count": 1}) == 2000
        assert sent_to == [member_group(7), member_group(9)]

        sent_to.clear()
        assert relay.send_each({9: {"n": 9}, 11: {"n": 11}, 7: {"n": 7}}) == 3
        assert sent_to == [member_group(9), member_group(7)]


@needs_redis
@pytest.mark.django_db
def test_the_presence_record_is_read_in_one_round_trip_for_a_large_audience(
    presence_record, monkeypatch
):
    import redis

    presence_record(12_000)
    executed, commands = [], []
    monkeypatch.setattr(
        redis.client.Pipeline,
        "execute",
        lambda self, *a, original=redis.client.Pipeline.execute, **k: (
            executed.append(len(self.command_stack)) or original(self, *a, **k)
        ),
    )
    original_command = redis.Redis.execute_command

    def command(self, *args, **kwargs):
        if not isinstance(self, redis.client.Pipeline):
            commands.append(args[0])
        return original_command(self, *args, **kwargs)

    monkeypatch.setattr(redis.Redis, "execute_command", command)
    from feeds import presence

    assert presence.present(range(1, 12_001)) == [12_000]
    assert len(executed) == 1 and commands == []


def test_without_redis_or_when_its_record_fails_every_member_is_kept(settings):
    member_ids = [1, 2, 3]
    settings.REDIS_URL = ""
    assert relay._listened_groups(InMemoryChannelLayer(), member_ids) == [
        member_group(pk) for pk in member_ids
    ]
    from channels_redis.pubsub import RedisPubSubChannelLayer

    layer = RedisPubSubChannelLayer(hosts=[{"address": REDIS_URL}])
    assert relay._listened_groups(layer, member_ids) == [member_group(pk) for pk in member_ids]
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # unreachable
    assert relay._listened_groups(layer, member_ids) == [member_group(pk) for pk in member_ids]


@needs_redis
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.asyncio
@pytest.mark.parametrize(
    "layers", [REDIS_LIST_LAYERS, REDIS_PUBSUB_LAYERS], ids=["lists", "pubsub"]
)
async def test_with_redis_a_push_from_another_process_reaches_the_open_page(
    presence_record, settings, layers
):
    """The consumer records its member; the push (a worker's, in a thread) asks the record
    and reaches the page, and nobody else's group."""
    from channels.layers import channel_layers

    settings.CHANNEL_LAYERS = layers
    channel_layers.backends.clear()
    try:
        user, communicator = await _connected_member()
        absent = await sync_to_async(make_user)()
        sent = await asyncio.to_thread(
            relay.send_to_members, [absent.pk, user.pk], {"type": "feed.new", "count": 4}
        )
        assert sent == 2
        assert await communicator.receive_json_from(timeout=5) == {"type": "feed.new", "count": 4}
        assert not await sync_to_async(PushOutbox.objects.exists)()
        from feeds import presence

        assert await asyncio.to_thread(presence.present, [absent.pk, user.pk]) == [user.pk]
        await communicator.disconnect()
    finally:
        layer = get_channel_layer()
        # close the layer's connections on this loop (the list layer's flush would delete
        # every channel key of the database)
        await (layer.close_pools() if hasattr(layer, "close_pools") else layer.flush())
        channel_layers.backends.clear()
