"""The member websocket at /ws/fil/: authenticated and origin-checked."""

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore

from cms.asgi import application
from feeds.consumers import member_group

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.asyncio,
]


def _session_cookie(user) -> str:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return session.session_key


def _communicator(origin=b"http://127.0.0.1:8000", cookie=None):
    headers = [(b"origin", origin), (b"host", b"127.0.0.1:8000")]
    if cookie:
        headers.append((b"cookie", f"sessionid={cookie}".encode()))
    return WebsocketCommunicator(application, "/ws/fil/", headers=headers)


async def test_anonymous_connection_is_refused():
    communicator = _communicator()
    connected, code = await communicator.connect()
    assert not connected
    assert code == 4401


async def test_foreign_origin_is_refused():
    from tests.conftest import make_user

    user = await sync_to_async(make_user)()
    cookie = await sync_to_async(_session_cookie)(user)
    communicator = _communicator(origin=b"https://evil.example", cookie=cookie)
    connected, _ = await communicator.connect()
    assert not connected


async def test_member_receives_events_sent_to_their_group():
    from tests.conftest import make_user

    user = await sync_to_async(make_user)()
    cookie = await sync_to_async(_session_cookie)(user)
    communicator = _communicator(cookie=cookie)
    connected, _ = await communicator.connect()
    assert connected
    await get_channel_layer().group_send(
        member_group(user.pk), {"type": "member.event", "payload": {"kind": "feed", "count": 3}}
    )
    assert await communicator.receive_json_from(timeout=2) == {"kind": "feed", "count": 3}
    await communicator.send_json_to({"type": "ping"})
    assert await communicator.receive_json_from(timeout=2) == {"type": "pong"}
    await communicator.disconnect()
