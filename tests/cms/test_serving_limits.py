"""A worker runs a bounded number of requests at once; the others wait their turn for a
bounded time, then get the "try again" page (503, Retry-After), and nothing stays stuck."""

import asyncio

import pytest
from django.test import override_settings

from cms.serving.limits import RequestSlots


class SlowApp:
    """An ASGI app whose requests answer 200 once `release` is set."""

    def __init__(self):
        self.release = asyncio.Event()
        self.started = 0

    async def __call__(self, scope, receive, send):
        self.started += 1
        await self.release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


class FailingApp:
    async def __call__(self, scope, receive, send):
        raise RuntimeError("the view failed")


def http_scope(path="/", headers=()):
    return {"type": "http", "path": path, "method": "GET", "headers": list(headers)}


async def call(app, scope):
    """Run one request; returns (status, headers dict, body)."""
    sent = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    await app(scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], {k.decode(): v.decode() for k, v in start["headers"]}, body.decode()


@override_settings(WEB_RETRY_AFTER=7)
def test_a_request_beyond_the_slots_gets_the_retry_page_after_a_bounded_wait():
    async def scenario():
        app = SlowApp()
        limited = RequestSlots(app, slots=1, wait=0.1)
        first = asyncio.create_task(call(limited, http_scope()))
        await asyncio.sleep(0.01)
        loop = asyncio.get_running_loop()
        started = loop.time()
        second = await call(limited, http_scope(headers=[(b"accept-language", b"fr")]))
        waited = loop.time() - started
        app.release.set()
        return await first, second, waited, app.started

    first, (status, headers, body), waited, started = asyncio.run(scenario())

    assert first[0] == 200
    assert status == 503
    assert headers["retry-after"] == "7"
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert "Réessayez dans 7 secondes" in body
    assert 0.1 <= waited < 1
    assert started == 1  # the refused request never reached the site


def test_a_waiting_request_is_served_when_a_slot_frees_in_time():
    async def scenario():
        app = SlowApp()
        limited = RequestSlots(app, slots=1, wait=5)
        first = asyncio.create_task(call(limited, http_scope()))
        second = asyncio.create_task(call(limited, http_scope()))
        await asyncio.sleep(0.05)
        assert app.started == 1  # the second waits its turn
        app.release.set()
        return await first, await second

    first, second = asyncio.run(scenario())
    assert (first[0], second[0]) == (200, 200)


def test_a_failed_request_gives_its_slot_back():
    async def scenario():
        limited = RequestSlots(FailingApp(), slots=1, wait=0.05)
        for _ in range(3):
            with pytest.raises(RuntimeError):
                await call(limited, http_scope())
        ok = SlowApp()
        ok.release.set()
        limited.app = ok
        return await call(limited, http_scope())

    assert asyncio.run(scenario())[0] == 200


def test_a_request_cancelled_while_waiting_leaves_no_slot_taken():
    async def scenario():
        app = SlowApp()
        limited = RequestSlots(app, slots=1, wait=5)
        first = asyncio.create_task(call(limited, http_scope()))
        waiting = asyncio.create_task(call(limited, http_scope()))
        await asyncio.sleep(0.05)
        waiting.cancel()  # the visitor left
        app.release.set()
        await first
        return await call(limited, http_scope())

    assert asyncio.run(scenario())[0] == 200


def test_websockets_are_not_counted_against_the_slots():
    async def scenario():
        app = SlowApp()
        limited = RequestSlots(app, slots=1, wait=0.05)
        busy = asyncio.create_task(call(limited, http_scope()))
        await asyncio.sleep(0.01)
        socket = asyncio.create_task(call(limited, {"type": "websocket", "path": "/ws/fil/"}))
        await asyncio.sleep(0.05)
        reached = app.started
        app.release.set()
        await busy
        await socket
        return reached

    assert asyncio.run(scenario()) == 2


@override_settings(WEB_RETRY_AFTER=5)
def test_the_retry_page_speaks_the_visitors_language():
    async def refused(headers):
        app = SlowApp()
        limited = RequestSlots(app, slots=1, wait=0.01)
        first = asyncio.create_task(call(limited, http_scope()))
        await asyncio.sleep(0.01)
        reply = await call(limited, http_scope(headers=headers))
        app.release.set()
        await first
        return reply

    english = asyncio.run(refused([(b"accept-language", b"en-GB,en;q=0.8")]))[2]
    chosen = asyncio.run(refused([(b"cookie", b"django_language=en")]))[2]
    default = asyncio.run(refused([]))[2]

    assert "Please try again in 5 seconds" in english
    assert "Please try again in 5 seconds" in chosen
    assert '<html lang="fr">' in default
    assert "Réessayer" in default
