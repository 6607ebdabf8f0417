"""The web process of `make serve` under bursts, for real: gunicorn with uvicorn workers
(deploy/gunicorn.conf.py) on the test database (PostgreSQL; skipped on SQLite).

- the connections the server holds stay within its pools' bound whatever the burst, and the
  site answers normally right after it;
- overload (pool exhausted, workers busy) gives the "try again" page (503, Retry-After),
  never a 500, and the site answers normally right after;
- websocket pushes reach the pages held by every worker (Redis channel layer).
"""

import asyncio
import json
import uuid

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client as DjangoClient

from feeds.relay import send_to_members
from tests.bench.ws_bench import Client as WebSocketClient
from tests.cms import live_servers as live
from tests.conftest import make_user

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WORKERS = 2
POOL_MAX = 3
SLOTS = 2  # requests one worker runs at once; its pool: SLOTS + 1 (websockets)


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("a live server on the test database needs PostgreSQL")


def test_a_burst_leaves_the_server_within_its_pool_bound_and_answering():
    name = f"affinites-live-{uuid.uuid4().hex[:8]}"
    env = live.server_env(
        name,
        DB_POOL_MAX_SIZE=str(POOL_MAX),
        WEB_REQUESTS_PER_WORKER=str(SLOTS),
        WEB_QUEUE_TIMEOUT="30",
    )
    with live.gunicorn(env, workers=WORKERS) as (url, _):
        with live.sampling(lambda: live.app_connections(name)) as counts:
            statuses = [r.status for _ in range(3) for r in live.burst(f"{url}/", 40)]
        after = live.app_connections(name)

        assert statuses == [200] * 120
        assert max(counts) <= WORKERS * POOL_MAX
        assert 0 < after <= WORKERS * POOL_MAX
        assert live.get(f"{url}/", timeout=5).status == 200


@pytest.mark.parametrize(
    "overload",
    [
        # One connection for sixteen requests at once, waited for at most 20 ms.
        {"DB_POOL_MAX_SIZE": "1", "DB_POOL_TIMEOUT": "0.02", "WEB_REQUESTS_PER_WORKER": "16"},
        # One request at a time, the others wait at most 50 ms for their turn.
        {"WEB_REQUESTS_PER_WORKER": "1", "WEB_QUEUE_TIMEOUT": "0.05"},
    ],
    ids=["pool-exhausted", "worker-busy"],
)
def test_overload_gives_the_retry_page_never_a_500_and_the_site_recovers(overload):
    env = live.server_env(f"affinites-live-{uuid.uuid4().hex[:8]}", **overload)
    with live.gunicorn(env, workers=1) as (url, _):
        replies = live.burst(f"{url}/", 40, headers={"Accept-Language": "fr"})

        statuses = {r.status for r in replies}
        assert statuses <= {200, 503}, statuses
        refused = [r for r in replies if r.status == 503]
        assert refused, "the burst should have overloaded the server"
        assert refused[0].headers["retry-after"] == str(settings.WEB_RETRY_AFTER)
        assert "Réessayez dans" in refused[0].body
        assert live.get(f"{url}/", timeout=5).status == 200


def test_a_push_from_another_process_reaches_pages_held_by_every_worker():
    if not settings.REDIS_URL:
        pytest.skip("websockets across processes need the Redis channel layer (REDIS_URL)")
    member = make_user()
    web = DjangoClient()
    web.force_login(member)
    cookie = web.cookies[settings.SESSION_COOKIE_NAME].value
    env = live.server_env(f"affinites-live-{uuid.uuid4().hex[:8]}")

    async def scenario(port: int, workers: list[int]):
        sockets, owners = [], set()
        while len(owners) < len(workers) and len(sockets) < 60:
            client = await WebSocketClient.connect(len(sockets), port, cookie)
            client_port = client.writer.get_extra_info("sockname")[1]
            sockets.append(client)
            owners.add(live.socket_owner(port, client_port, workers))
        await asyncio.sleep(0.5)  # the last group_add reaches Redis
        await asyncio.to_thread(send_to_members, [member.pk], {"type": "feed.new", "count": 7})

        async def first_message(client):
            async for _opcode, payload in client.frames():
                return json.loads(payload)

        received = await asyncio.wait_for(
            asyncio.gather(*(first_message(c) for c in sockets)), timeout=15
        )
        await asyncio.gather(*(c.close() for c in sockets))
        return owners, received

    with live.gunicorn(env, workers=WORKERS) as (url, master):
        workers = live.children(master.pid)
        port = int(url.rsplit(":", 1)[1])
        owners, received = asyncio.run(scenario(port, workers))

    assert owners == set(workers)
    assert received == [{"type": "feed.new", "count": 7}] * len(received)
