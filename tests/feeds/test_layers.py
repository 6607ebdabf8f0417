"""The embedded default's channel layer: Channels' in-memory layer, swept at most once a
second instead of on every send and receive."""

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer

from feeds import layers
from feeds.layers import LocalChannelLayer


def test_a_push_to_many_groups_sweeps_once(monkeypatch):
    sweeps = []
    original = InMemoryChannelLayer._clean_expired
    monkeypatch.setattr(
        InMemoryChannelLayer, "_clean_expired", lambda self: sweeps.append(1) or original(self)
    )
    layer = LocalChannelLayer()

    async def scenario():
        channels = []
        for n in range(50):
            channel = await layer.new_channel()
            await layer.group_add(f"member.{n}", channel)
            channels.append(channel)
        for n in range(50):
            await layer.group_send(f"member.{n}", {"type": "member.event", "n": n})
        return [(await layer.receive(channel))["n"] for channel in channels]

    assert async_to_sync(scenario)() == list(range(50))
    assert len(sweeps) == 1  # 100 sweeps with Channels' layer


def test_expired_messages_and_groups_are_still_swept(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(layers.time, "monotonic", lambda: clock[0])
    layer = LocalChannelLayer(expiry=-1)  # every message has already expired when it is sent

    async def scenario():
        channel = await layer.new_channel()
        await layer.group_add("member.1", channel)
        await layer.group_send("member.1", {"type": "member.event"})
        # the message expires unread: a sweep a second later drops it and the channel
        clock[0] += 0.5
        await layer.group_send("member.2", {"type": "member.event"})
        still_there = channel in layer.channels
        clock[0] += 1.0
        await layer.group_send("member.2", {"type": "member.event"})
        return still_there, channel in layer.channels, layer.groups.get("member.1")

    within_a_second, after, group = async_to_sync(scenario)()
    assert within_a_second is True
    assert after is False and not group
