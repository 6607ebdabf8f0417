"""`make serve` end to end on the test database (PostgreSQL; skipped on SQLite): the
production process set starts in the foreground with the production settings over plain
HTTP (PLAIN_HTTP=1), serves pages and websockets on one port, and Ctrl+C stops it all."""

import asyncio
import contextlib
import re
import signal
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client as DjangoClient

from tests.bench.ws_bench import Client as WebSocketClient
from tests.cms import live_servers as live
from tests.conftest import make_user

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def command_lines(pids: list[int]) -> list[str]:
    found = []
    for pid in pids:
        with contextlib.suppress(OSError):
            found.append(Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode())
    return found


def test_make_serve_runs_the_process_set_serves_pages_and_websockets_and_stops_on_ctrl_c():
    if connection.vendor != "postgresql":
        pytest.skip("make serve is tried on the PostgreSQL test database")
    member = make_user()
    web = DjangoClient()
    web.force_login(member)
    cookie = web.cookies[settings.SESSION_COOKIE_NAME].value
    port = live.free_port()
    env = live.server_env(
        f"affinites-serve-{uuid.uuid4().hex[:8]}",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        PLAIN_HTTP="1",
        SITE_URL=f"http://127.0.0.1:{port}",  # the websockets' only accepted origin
    )
    env.pop("DJANGO_SETTINGS_MODULE")  # make serve chooses the production settings
    log = Path(tempfile.mkstemp(suffix=".log")[1])
    with log.open("w") as out:
        process = subprocess.Popen(
            ["make", "--no-print-directory", "serve", "HOST=127.0.0.1", f"PORT={port}"]
            + ["WEB_CONCURRENCY=2", "TASK_WORKERS=1"],
            cwd=live.ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        live.wait_until_up(f"{url}/", process, log, timeout=600)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            pids = live.descendants(process.pid)
            lines = command_lines(pids)
            gunicorns = [line for line in lines if "gunicorn" in line and "cms.asgi" in line]
            if len(gunicorns) >= 3 and any("run_task_worker" in line for line in lines):
                break
            time.sleep(0.5)
        home = live.get(f"{url}/")

        async def handshake():
            client = await WebSocketClient.connect(0, port, cookie)
            await client.close()

        asyncio.run(handshake())  # raises HandshakeRefused unless 101 Switching Protocols
    finally:
        live.stop(process, signal.SIGINT, timeout=60)
    output = log.read_text()
    log.unlink()

    assert home.status == 200  # no redirect to HTTPS over plain HTTP
    assert re.search(r"/static/css/site\.[0-9a-f]{12}\.css", home.body), "collected, hashed"
    assert len(gunicorns) >= 3, output[-3000:]  # the master and its two workers
    assert sum("run_task_worker" in line for line in lines) >= 1
    assert sum("run_scheduler" in line for line in lines) == 1
    assert [pid for pid in pids if live.alive(pid)] == [], "a process outlived Ctrl+C"
