"""The member websocket at /ws/fil/: authenticated, and opened only from the site's own
origins (exact scheme, host and port: SITE_URL, CSRF_TRUSTED_ORIGINS, and in development the
address the server was reached at)."""

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


def _communicator(origin=b"http://127.0.0.1:8000", cookie=None, host=b"127.0.0.1:8000"):
    headers = [(b"host", host)]
    if origin is not None:
        headers.append((b"origin", origin))
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


async def _member_cookie() -> str:
    from tests.conftest import make_user

    user = await sync_to_async(make_user)()
    return await sync_to_async(_session_cookie)(user)


@pytest.mark.parametrize(
    "origin",
    [
        b"http://127.0.0.1:8001",  # the demo partner site: same host, another port
        b"http://localhost:9999",  # an allowed host name, another port
        b"https://127.0.0.1:8000",  # another scheme
        b"http://127.0.0.1",  # no port: port 80
        b"http://127.0.0.1:8000.evil.example",
        b"http://evil.example:8000",
        b"null",  # sandboxed frame, file://
        None,  # no Origin header at all
    ],
)
async def test_other_origins_are_refused_with_a_members_cookie(origin):
    communicator = _communicator(origin=origin, cookie=await _member_cookie())
    connected, _ = await communicator.connect()
    assert not connected


async def test_the_site_url_and_the_trusted_origins_are_accepted(settings):
    settings.SITE_URL = "https://affinites.example.org/"
    settings.CSRF_TRUSTED_ORIGINS = ["https://www.affinites.example.org:8443"]
    cookie = await _member_cookie()
    for origin, accepted in [
        (b"https://affinites.example.org", True),
        (b"https://affinites.example.org:443", True),
        (b"https://www.affinites.example.org:8443", True),
        (b"http://affinites.example.org", False),
        (b"https://www.affinites.example.org", False),
        (b"http://127.0.0.1:8000", False),  # no longer the site's address
    ]:
        communicator = _communicator(origin=origin, cookie=cookie, host=b"affinites.example.org")
        connected, _ = await communicator.connect()
        assert connected is accepted, origin
        if connected:
            await communicator.disconnect()


async def test_in_development_the_address_the_server_was_reached_at_is_accepted(settings):
    cookie = await _member_cookie()
    settings.DEBUG = True
    communicator = _communicator(
        origin=b"http://127.0.0.1:8123", cookie=cookie, host=b"127.0.0.1:8123"
    )
    connected, _ = await communicator.connect()
    assert connected
    await communicator.disconnect()
    # another port than the one reached, or a host not allowed: refused even then
    for origin, host in [
        (b"http://127.0.0.1:8001", b"127.0.0.1:8123"),
        (b"http://evil.example:8123", b"evil.example:8123"),
    ]:
        communicator = _communicator(origin=origin, cookie=cookie, host=host)
        connected, _ = await communicator.connect()
        assert not connected, origin
    settings.DEBUG = False
    communicator = _communicator(
        origin=b"http://127.0.0.1:8123", cookie=cookie, host=b"127.0.0.1:8123"
    )
    connected, _ = await communicator.connect()
    assert not connected
