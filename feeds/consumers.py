"""The member's live channel at /ws/fil/.

Only authenticated members connect (the ASGI router already validates the Origin header
against ALLOWED_HOSTS). Each connection joins the member's group; anything published to
that group with type "member.event" is forwarded to the browser as JSON. With Redis, the
connection also counts its member as present (`feeds.presence`), which pushes ask before
sending. With the in-memory channel layer, the first connection starts the relay that brings
the pushes made by other processes, such as the task worker (`feeds.relay`).
"""

import asyncio
import weakref

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from cms.observability.metrics import WEBSOCKETS
from feeds import presence
from feeds.presence import member_group
from feeds.relay import needs_relay, start_relay

# Group joins and leaves in flight at once, per event loop. channels_redis takes a pooled
# Redis connection for each, and redis-py's asyncio pool refuses a 101st connection
# ("Too many connections") instead of waiting: when a thousand pages (re)connect together
# (a server restart, a deployment), the handshakes beyond the pool would fail with a 500.
# Queuing them here keeps every handshake working, a few milliseconds later.
LAYER_CALLS_IN_FLIGHT = 50

_gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary()
)


def layer_gate() -> asyncio.Semaphore:
    loop = asyncio.get_running_loop()
    gate = _gates.get(loop)
    if gate is None:
        gate = _gates[loop] = asyncio.Semaphore(LAYER_CALLS_IN_FLIGHT)
    return gate


class MemberConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        self.group_name = member_group(user.pk)
        async with layer_gate():
            await self.channel_layer.group_add(self.group_name, self.channel_name)
        if not needs_relay(self.channel_layer):  # pushes from other processes ask who is here
            self.present = user.pk
            await presence.joined(user.pk)
        await self.accept()
        self.counted = True
        WEBSOCKETS.inc()
        start_relay(self.channel_layer)

    async def disconnect(self, code: int) -> None:
        if getattr(self, "counted", False):
            self.counted = False
            WEBSOCKETS.dec()
        if hasattr(self, "group_name"):
            async with layer_gate():
                await self.channel_layer.group_discard(self.group_name, self.channel_name)
        if getattr(self, "present", None) is not None:
            member_id, self.present = self.present, None
            await presence.left(member_id)

    async def receive_json(self, content, **kwargs) -> None:
        # The channel is server → browser only; a ping keeps proxies from closing it.
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def member_event(self, event: dict) -> None:
        await self.send_json(event.get("payload", {}))
