"""Open websockets held during ``make load --websockets N``: members' pages left open.

    python -m tests.load.sockets --url http://127.0.0.1:8000 --count 1000 --members 40

Logs a few load-test members in through the login form (tests/load/seed.py; at most
``SESSIONS``: allauth allows 30 logins a minute from one address, and the scenario's members
log in too), opens ``count`` connections to ``/ws/fil/`` spread over their sessions (a member
with several pages open) (the minimal RFC 6455 client of
tests/bench/ws_bench.py), answers the server's pings, and holds them until SIGTERM or SIGINT;
then prints one JSON line: how many opened, how many were refused, and how many the server
closed while the load ran.
"""

from __future__ import annotations

import argparse
import asyncio
import http.cookiejar
import json
import re
import signal
import urllib.parse
import urllib.request
from urllib.parse import urlsplit

from tests.bench._timing import raise_open_files_limit
from tests.bench.ws_bench import Client, HandshakeRefused
from tests.load.seed import EMAIL, LOAD_PASSWORD

SESSIONS = 8


def login(url: str, email: str) -> str:
    """The session cookie of `email` after the login form."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    form = opener.open(f"{url}/comptes/login/", timeout=60).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    data = urllib.parse.urlencode(
        {"login": email, "password": LOAD_PASSWORD, "csrfmiddlewaretoken": token}
    ).encode()
    opener.open(
        urllib.request.Request(
            f"{url}/comptes/login/", data=data, headers={"Referer": f"{url}/comptes/login/"}
        ),
        timeout=60,
    ).read()
    return next(c.value for c in jar if c.name == "sessionid")


async def hold(url: str, count: int, members: int) -> dict:
    port = urlsplit(url).port or 80
    cookies = [
        await asyncio.to_thread(login, url, EMAIL.format(index))
        for index in range(min(members, count, SESSIONS))
    ]
    clients, refused = [], 0
    for index in range(count):
        try:
            clients.append(await Client.connect(index, port, cookies[index % len(cookies)]))
        except (HandshakeRefused, OSError):
            refused += 1
    closed = 0

    async def listen(client):
        nonlocal closed
        async for _frame in client.frames():
            pass
        closed += 1  # the server closed it (or the connection broke)

    listeners = [asyncio.create_task(listen(client)) for client in clients]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print(json.dumps({"ready": len(clients), "refused": refused}), flush=True)
    await stop.wait()
    result = {"opened": len(clients), "refused": refused, "closed_by_server": closed}
    for task in listeners:
        task.cancel()
    await asyncio.gather(*(client.close() for client in clients), return_exceptions=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--members", type=int, default=40)
    args = parser.parse_args()
    raise_open_files_limit(args.count + 100)
    print(json.dumps(asyncio.run(hold(args.url.rstrip("/"), args.count, args.members))))


if __name__ == "__main__":
    main()
