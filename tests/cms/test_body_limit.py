"""Request bodies are refused by their size before they are read: a 60 MB "avatar" gets the
"too large" page (413, in French) at once, on a real server, and the member's saved profile
is as it was."""

import asyncio
import contextlib
import select
import socket
import threading
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from community.actions.profiles import set_avatar
from tests.community.life_helpers import png_bytes
from tests.conftest import make_user

MB = 1024 * 1024
TOO_LARGE = "Ce que vous avez envoyé est trop volumineux"


def _member_with_avatar():
    member = make_user("lea@example.org", display_name="Léa", handle="lea")
    set_avatar(member, SimpleUploadedFile("moi.png", png_bytes((300, 300)), "image/png"))
    member.refresh_from_db()
    return member


def _profile_unchanged(member) -> None:
    from django.core.files.storage import default_storage

    before = (member.display_name, member.handle, member.avatar.name, member.avatar_small.name)
    member.refresh_from_db()
    assert (member.display_name, member.handle, member.avatar.name, member.avatar_small.name) == (
        before
    )
    assert default_storage.exists(member.avatar.name)


# --- Through Django (the test client: WSGI) -------------------------------------------------


@pytest.mark.django_db
def test_an_oversized_avatar_gets_the_too_large_page_and_changes_nothing():
    member = _member_with_avatar()
    client = Client()
    client.force_login(member)
    url = reverse("community:profile_edit")
    response = client.post(
        url,
        {
            "display_name": "Quelqu'un d'autre",
            "handle": "autre",
            "bio": "",
            "profile_visibility": "members",
            "avatar": SimpleUploadedFile("enorme.png", b"\0" * (7 * MB), "image/png"),
        },
    )
    assert response.status_code == 413
    html = response.content.decode()
    assert TOO_LARGE in html
    assert "plus lourd que 6 Mo" in html
    assert f'href="{url}"' in html
    _profile_unchanged(member)


@pytest.mark.django_db
def test_a_large_body_that_is_not_an_upload_is_refused_too():
    client = Client()
    response = client.generic(
        "POST",
        reverse("account_login"),
        b"login=" + b"a" * (3 * MB),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 413


@pytest.mark.django_db
def test_the_admin_takes_larger_files_than_the_site():
    """A 10 MB image or a 20 MB catalogue file is not refused by size in the admin."""
    client = Client()
    response = client.post(
        "/admin/images/multiple/add/",
        {"files[]": SimpleUploadedFile("grande.png", b"\0" * (10 * MB), "image/png")},
    )
    assert response.status_code != 413
    response = client.post(
        "/admin/images/multiple/add/",
        {"files[]": SimpleUploadedFile("trop.png", b"\0" * (26 * MB), "image/png")},
    )
    assert response.status_code == 413


# --- On a real server (the ASGI application, uvicorn) ---------------------------------------


class Uvicorn:
    """The site's ASGI application served by uvicorn in a thread, on a free port."""

    def __init__(self) -> None:
        import uvicorn

        from cms.asgi import application

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        config = uvicorn.Config(
            application, host="127.0.0.1", port=self.port, lifespan="off", log_level="error"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self):
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.05)
        return self

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(timeout=10)


def _upload(port: int, cookie: str, *, size: int, chunked: bool = False) -> tuple[str, int]:
    """Send a multipart "avatar" of `size` bytes to the profile form, as fast as the server
    takes it; return the response and how many body bytes had gone when it came back."""
    boundary = "----affinites"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="avatar"; filename="big.png"\r\n'
        "Content-Type: image/png\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    length = len(head) + size + len(tail)
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {length}"
    request = (
        f"POST /profil/public/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n{framing}\r\n"
        f"Cookie: sessionid={cookie}\r\nAccept-Language: fr\r\n\r\n"
    ).encode()
    sent = 0
    reply = b""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(request)
        sock.settimeout(5)  # a server that no longer reads: sendall gives up
        block = b"\0" * (256 * 1024)
        with contextlib.suppress(OSError):  # refused: reset, broken pipe, timeout
            while sent < size:
                if select.select([sock], [], [], 0)[0]:
                    break  # the server answered
                data = (head if sent == 0 else b"") + block
                if chunked:
                    data = f"{len(data):x}\r\n".encode() + data + b"\r\n"
                sock.sendall(data)
                sent += len(block)
        with contextlib.suppress(OSError):
            while b"</html>" not in reply:
                more = sock.recv(65536)
                if not more:
                    break
                reply += more
    return reply.decode("utf-8", "replace"), sent


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_60_mb_avatar_is_refused_by_the_server_before_it_is_sent():
    from django.contrib.sessions.backends.db import SessionStore

    member = _member_with_avatar()
    client = Client()
    client.force_login(member)
    cookie = client.cookies["sessionid"].value
    assert SessionStore(session_key=cookie).exists(cookie)

    with Uvicorn() as server:
        reply, sent = _upload(server.port, cookie, size=60 * MB)
        assert reply.startswith("HTTP/1.1 413"), reply[:300]
        assert TOO_LARGE in reply
        # refused from its announced length: at most what the socket buffers took
        assert sent < 8 * MB, sent

        reply, sent = _upload(server.port, cookie, size=60 * MB, chunked=True)
        assert reply.startswith("HTTP/1.1 413"), reply[:300]
        assert TOO_LARGE in reply
        assert sent < 16 * MB, sent
    _profile_unchanged(member)


def test_the_asgi_refusal_reads_no_body():
    """The ASGI wrapper answers a request announced too large without calling receive()."""
    from cms.serving.body_limit import BodyLimit

    async def application(scope, receive, send):  # pragma: no cover - must not run
        raise AssertionError("the application was called")

    async def receive():  # pragma: no cover - must not run
        raise AssertionError("the body was read")

    sent = []

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http",
        "path": "/profil/public/",
        "headers": [
            (b"content-type", b"multipart/form-data; boundary=x"),
            (b"content-length", str(60 * MB).encode()),
        ],
    }
    asyncio.run(BodyLimit(application)(scope, receive, send))
    assert sent[0]["status"] == 413
