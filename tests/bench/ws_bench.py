"""WebSocket push benchmark: N members connected to /ws/fil/, time from the commit to the
last of them receiving the push.

    .venv/bin/python -m tests.bench.ws_bench --clients 1000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/14 \\
        .venv/bin/python -m tests.bench.ws_bench --clients 1000

Real sockets, a real server: on a throwaway database (SQLite file in var/bench/ or
``bench_ws_<pid>`` on PostgreSQL), the bench creates N members with a login session each,
starts daphne on 127.0.0.1 (a free port) serving ``cms.asgi`` (the site's ASGI application:
origin check, session authentication, ``feeds.consumers.MemberConsumer``), and opens N
WebSocket connections from one asyncio process (a minimal RFC 6455 client below: no extra
dependency). The members all follow one interest. Then, for each round, one transaction
commits and what hangs on its commit runs:

- ``publish``: the whole path — an announcement for that interest is published like an
  editor does (revision, publish); on commit Wagtail's ``page_published`` starts the feeds'
  fan-out task (``feeds.tasks.fan_out``, run at once by the test settings' immediate task
  backend), which scores the audience, writes N feed entries and pushes ``feed.new`` to the
  N members (``feeds.fanout.push_feed_news``);
- ``push``: the push alone — ``push_feed_news`` for the N members on the commit of a bulk
  insert (what the channel layer, daphne and the sockets cost);
- ``notify``: the production path of a new announcement's notifications to the members of
  matching communities, ``community.notifications.notify_many`` — one insert for every member in
  the transaction; on commit one unread-count query for all, then one push per member (each
  with its own notification and unread count).

Where the commit happens: with the in-memory channel layer (no REDIS_URL) only the server
process can reach the consumers, so the transaction runs inside the daphne process (a
bench-only HTTP route of ``tests.bench._ws_app``); with Redis it runs in a separate process,
like a task worker would. Latency = last client's arrival − commit (``time.monotonic``,
CLOCK_MONOTONIC, shared by the processes of one machine). The clients' own parsing is part of
the figure (they share two CPUs with the server here).

Prints a table and writes var/bench/ws-<vendor>[-redis].json.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import hashlib
import json
import os
import socket
import statistics
import struct
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.bench._timing import (
    OUTPUT_DIR,
    ROOT,
    database_url,
    machine,
    print_table,
    raise_open_files_limit,
    setup_django,
    throwaway_database,
    write_report,
)

WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
MODES = ("publish", "push", "notify")
BENCH_INTEREST = "bench-ws-interest"
USERNAME_PREFIX = "wsbench"
TARGET_SECONDS = 1.0


# --- What one round commits and pushes (runs in the server or in a worker process) ----------


def bench_member_ids() -> list[int]:
    from community.models import User

    return list(
        User.objects.filter(username__startswith=USERNAME_PREFIX)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def commit_and_push(mode: str, marker: str) -> dict:
    """One transaction concerning all the bench members; returns once its on-commit work
    (fan-out task, pushes) is done. ``committed_at`` is taken by the first on-commit hook,
    i.e. just after COMMIT returned."""
    from django.db import transaction

    from community.models import Notification, User
    from community.notifications import notify_many
    from feeds.fanout import push_feed_news

    title = f"Nouvelle annonce {marker}"
    stamps: dict[str, float] = {}
    kind = Notification.Kind.COMMUNITY_ANNOUNCEMENT
    started = time.monotonic()
    with transaction.atomic():
        transaction.on_commit(lambda: stamps.setdefault("committed_at", time.monotonic()))
        if mode == "publish":
            publish_announcement(title, marker)
        elif mode == "notify":
            users = User.objects.filter(username__startswith=USERNAME_PREFIX).order_by("pk")
            notify_many([(user, title) for user in users], kind, url="/fil/")
        elif mode == "push":
            ids = bench_member_ids()
            Notification.objects.bulk_create(
                Notification(user_id=pk, kind=kind, title=title, url="/fil/") for pk in ids
            )
            transaction.on_commit(lambda: stamps.setdefault("pushed", push_feed_news(ids)))
        else:
            raise ValueError(f"unknown mode {mode!r}")
    done = time.monotonic()
    return {
        "committed_at": stamps["committed_at"],
        "transaction_seconds": stamps["committed_at"] - started,
        "after_commit_seconds": done - stamps["committed_at"],
        "pushed": stamps.get("pushed"),
    }


def publish_announcement(title: str, marker: str) -> None:
    """Publish an announcement for the bench interest like an editor would (revision, publish):
    Wagtail's page_published → feeds' fan-out task on commit → push to the new audience."""
    from cms.models import AnnouncementPage, Interest, NewsIndexPage

    page = AnnouncementPage(title=title, slug=marker, intro=f"{title}.")
    NewsIndexPage.objects.get().add_child(instance=page)
    page.interests.set([Interest.objects.get(slug=BENCH_INTEREST)])
    page.save_revision().publish()


# --- A minimal WebSocket client (RFC 6455: handshake, unmasked server frames, masked close) --


class HandshakeRefused(Exception):
    pass


class Client:
    def __init__(self, index: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.index = index
        self.reader = reader
        self.writer = writer

    @classmethod
    async def connect(cls, index: int, port: int, cookie: str) -> Client:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        key = base64.b64encode(os.urandom(16))
        writer.write(
            b"GET /ws/fil/ HTTP/1.1\r\n"
            + f"Host: 127.0.0.1:{port}\r\n".encode()
            + b"Upgrade: websocket\r\nConnection: Upgrade\r\n"
            + b"Sec-WebSocket-Key: "
            + key
            + b"\r\nSec-WebSocket-Version: 13\r\n"
            + f"Origin: http://127.0.0.1:{port}\r\n".encode()
            + f"Cookie: sessionid={cookie}\r\n\r\n".encode()
        )
        head = await reader.readuntil(b"\r\n\r\n")
        status = head.split(b"\r\n", 1)[0]
        expected = base64.b64encode(hashlib.sha1(key + WS_GUID).digest())
        if b" 101 " not in status or expected not in head:
            writer.close()
            raise HandshakeRefused(status.decode(errors="replace"))
        return cls(index, reader, writer)

    async def frames(self):
        """Yield (opcode, payload) of complete messages; answer pings; stop on close."""
        buffer, first_opcode = b"", None
        while True:
            try:
                b1, b2 = await self.reader.readexactly(2)
            except (asyncio.IncompleteReadError, ConnectionError):
                return
            opcode, length = b1 & 0x0F, b2 & 0x7F
            if length == 126:
                (length,) = struct.unpack("!H", await self.reader.readexactly(2))
            elif length == 127:
                (length,) = struct.unpack("!Q", await self.reader.readexactly(8))
            mask = await self.reader.readexactly(4) if b2 & 0x80 else None
            payload = await self.reader.readexactly(length)
            if mask:
                payload = bytes(byte ^ mask[i % 4] for i, byte in enumerate(payload))
            if opcode == 0x8:
                return
            if opcode == 0x9:
                self.send(0xA, payload)
                continue
            if opcode == 0xA:
                continue
            if opcode != 0x0:
                first_opcode, buffer = opcode, b""
            buffer += payload
            if b1 & 0x80:
                yield first_opcode, buffer

    def send(self, opcode: int, payload: bytes) -> None:
        mask = os.urandom(4)
        length = len(payload)
        if length < 126:
            header = struct.pack("!BB", 0x80 | opcode, 0x80 | length)
        else:
            header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, length)
        masked = bytes(byte ^ mask[i % 4] for i, byte in enumerate(payload))
        self.writer.write(header + mask + masked)

    async def close(self) -> None:
        try:
            self.send(0x8, struct.pack("!H", 1000))
            await self.writer.drain()
        except ConnectionError:
            pass
        self.writer.close()


class Audience:
    """The connected clients and, per round, when each received the expected marker."""

    def __init__(self, clients: list[Client]):
        self.clients = clients
        self.expected = b""
        self.arrivals: dict[int, float] = {}
        self.complete = asyncio.Event()
        self.tasks = [asyncio.create_task(self._listen(client)) for client in clients]

    async def _listen(self, client: Client) -> None:
        async for _opcode, payload in client.frames():
            now = time.monotonic()
            if self.expected and self.expected in payload and client.index not in self.arrivals:
                self.arrivals[client.index] = now
                if len(self.arrivals) == len(self.clients):
                    self.complete.set()

    def expect(self, marker: bytes) -> None:
        self.expected = marker
        self.arrivals = {}
        self.complete = asyncio.Event()

    async def close(self) -> None:
        await asyncio.gather(*(client.close() for client in self.clients))
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)


# --- Setup: members and sessions, the server ------------------------------------------------


def create_members(count: int) -> list[str]:
    """`count` members with a login session each; returns the session keys."""
    from datetime import timedelta

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    from cms.models import Interest
    from community.models import FollowedInterest, User

    password = make_password("bench")
    users = User.objects.bulk_create(
        User(
            username=f"{USERNAME_PREFIX}{n:05d}",
            email=f"{USERNAME_PREFIX}{n:05d}@example.org",
            password=password,
            notify_by_email=False,
        )
        for n in range(count)
    )
    users = list(User.objects.filter(username__startswith=USERNAME_PREFIX).order_by("pk"))
    interest = Interest.objects.create(name="Bench WebSocket", slug=BENCH_INTEREST)
    FollowedInterest.objects.bulk_create(
        FollowedInterest(user=user, interest=interest) for user in users
    )
    store = SessionStore()
    expires = timezone.now() + timedelta(days=1)
    sessions = []
    for user in users:
        data = {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        }
        key = get_random_string(32, "abcdefghijklmnopqrstuvwxyz0123456789")
        sessions.append(
            Session(session_key=key, session_data=store.encode(data), expire_date=expires)
        )
    Session.objects.bulk_create(sessions, batch_size=500)
    return [session.session_key for session in sessions]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_environment(port: int | None = None) -> dict:
    env = dict(os.environ)
    if port is not None:  # the site's own origin: the only one its websockets accept
        env["SITE_URL"] = f"http://127.0.0.1:{port}"
    env["DJANGO_SETTINGS_MODULE"] = "cms.settings.test"
    env["DATABASE_URL"] = database_url()
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def start_server(port: int, log_path: Path) -> subprocess.Popen:
    log = log_path.open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "daphne",
            "-b",
            "127.0.0.1",
            "-p",
            str(port),
            "-v",
            os.environ.get("BENCH_DAPHNE_VERBOSITY", "0"),
            "--websocket_connect_timeout",
            "60",
            "tests.bench._ws_app:application",
        ],
        cwd=ROOT,
        env=server_environment(port),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"daphne exited ({process.returncode}); see {log_path}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError(f"daphne did not listen on port {port}; see {log_path}")


# --- Triggering a round ---------------------------------------------------------------------


def trigger_in_server(port: int, mode: str, marker: str) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/__bench__/push",
        data=json.dumps({"mode": mode, "marker": marker}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.loads(response.read())


async def trigger_in_worker(mode: str, marker: str) -> dict:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.bench.ws_bench",
        "--push",
        mode,
        "--marker",
        marker,
        cwd=ROOT,
        env=server_environment(),
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"push worker failed ({process.returncode})")
    return json.loads(out.decode().strip().splitlines()[-1])


async def measure(args, port: int, cookies: list[str], in_server: bool) -> dict:
    connect_started = time.monotonic()
    gate = asyncio.Semaphore(args.concurrency)

    async def open_one(index: int, cookie: str) -> Client:
        async with gate:
            return await Client.connect(index, port, cookie)

    clients = await asyncio.gather(*(open_one(i, c) for i, c in enumerate(cookies)))
    connect_seconds = time.monotonic() - connect_started
    print(f"  {len(clients)} clients connected in {connect_seconds:.1f} s", flush=True)
    audience = Audience(list(clients))
    await asyncio.sleep(1.0)  # let every consumer finish joining its group
    loop = asyncio.get_running_loop()
    results: dict[str, dict] = {}
    try:
        for mode in args.modes:
            rounds = []
            for n in range(args.warmup + args.rounds):
                marker = f"bench-{mode}-{n}-{os.getpid()}"
                audience.expect(b'"feed.new"' if mode in ("publish", "push") else marker.encode())
                if in_server:
                    info = await loop.run_in_executor(None, trigger_in_server, port, mode, marker)
                else:
                    info = await trigger_in_worker(mode, marker)
                if os.environ.get("BENCH_DEBUG"):
                    print("  trigger:", info, flush=True)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(audience.complete.wait(), timeout=args.timeout)
                arrivals = sorted(audience.arrivals.values())
                received = len(arrivals)
                if n < args.warmup:
                    continue
                committed = info["committed_at"]
                row = {
                    "received": received,
                    "first_seconds": arrivals[0] - committed if arrivals else None,
                    "median_seconds": statistics.median(arrivals) - committed if arrivals else None,
                    "last_seconds": arrivals[-1] - committed if received == len(clients) else None,
                    "after_commit_seconds": info["after_commit_seconds"],
                    "transaction_seconds": info["transaction_seconds"],
                }
                rounds.append(row)
                last = row["last_seconds"]
                shown = f"{last:.3f} s" if last is not None else f"timeout ({received} received)"
                print(f"  {mode} round {n - args.warmup + 1}: last client {shown}", flush=True)
                await asyncio.sleep(0.5)
            complete = [r["last_seconds"] for r in rounds if r["last_seconds"] is not None]
            results[mode] = {
                "rounds": rounds,
                "complete_rounds": len(complete),
                "last_client_median_seconds": round(statistics.median(complete), 4)
                if complete
                else None,
                "last_client_max_seconds": round(max(complete), 4) if complete else None,
                "first_client_median_seconds": round(statistics.median(firsts), 4)
                if (firsts := [r["first_seconds"] for r in rounds if r["first_seconds"]])
                else None,
                "received_per_round": [r["received"] for r in rounds],
                "after_commit_median_seconds": round(
                    statistics.median(r["after_commit_seconds"] for r in rounds), 4
                )
                if rounds
                else None,
            }
    finally:
        await audience.close()
    return {"connect_seconds": round(connect_seconds, 2), "modes": results}


# --- main -------------------------------------------------------------------------------------


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5, help="Measured rounds per mode.")
    parser.add_argument("--warmup", type=int, default=1, help="Unmeasured rounds first.")
    parser.add_argument("--modes", default=",".join(MODES), help="publish,push,notify")
    parser.add_argument("--concurrency", type=int, default=100, help="Handshakes in flight.")
    parser.add_argument("--timeout", type=float, default=30.0, help="Seconds to wait per round.")
    parser.add_argument("--output-dir", default=str(OUTPUT_DIR))
    # Internal: one round's transaction in a worker process (Redis channel layer).
    parser.add_argument("--push", choices=MODES, help=argparse.SUPPRESS)
    parser.add_argument("--marker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.modes = [mode for mode in args.modes.split(",") if mode]
    unknown = set(args.modes) - set(MODES)
    if unknown:
        parser.error(f"unknown mode(s): {', '.join(sorted(unknown))}")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.push:
        setup_django()
        import logging

        for name in ("feeds", "django_tasks"):  # a failing fan-out task must show
            logging.getLogger(name).addHandler(logging.StreamHandler(sys.stderr))
        print(json.dumps(commit_and_push(args.push, args.marker)))
        return 0

    soft, hard = raise_open_files_limit(2 * args.clients + 512)
    if soft < 2 * args.clients + 64:
        print(f"Open files limit {soft} (hard {hard}) is too low for {args.clients} clients")
        return 1
    # With Redis, the feeds of the throwaway members (ids 1…N again in every run) live under a
    # prefix of this run, removed at the end: left-over entries of an earlier run would make
    # the fan-out see the members as already served and push nothing. The server and the
    # push workers inherit the prefix through the environment.
    os.environ["FEED_REDIS_PREFIX"] = f"bench:ws:{os.getpid()}:feed"
    setup_django()
    from django.conf import settings
    from django.db import connection

    redis = bool(settings.REDIS_URL)
    layer = settings.CHANNEL_LAYERS["default"]["BACKEND"]
    output_dir = Path(args.output_dir)
    with throwaway_database("ws", output_dir) as vendor:
        print(f"Creating {args.clients} members with a session…", flush=True)
        cookies = create_members(args.clients)
        connection.close()  # the server and the worker open their own connections
        port = free_port()
        log_path = output_dir / f"ws-daphne-{vendor}.log"
        print(f"Starting daphne on 127.0.0.1:{port} (log: {log_path.name})…", flush=True)
        server = start_server(port, log_path)
        load_before = machine()["loadavg"]
        try:
            measured = asyncio.run(measure(args, port, cookies, in_server=not redis))
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            if redis:
                from feeds.store import get_store

                get_store().clear()
    where = "a separate worker process" if redis else "the daphne process (in-memory layer)"
    result = {
        "benchmark": "websocket push",
        "vendor": vendor,
        "channel_layer": layer,
        "clients": args.clients,
        "transport": "real TCP sockets to daphne on 127.0.0.1 (RFC 6455 client in asyncio)",
        "commit_in": where,
        "rounds": args.rounds,
        "open_files_limit": soft,
        "target_seconds": TARGET_SECONDS,
        "loadavg_before": load_before,
        "machine": machine(),
        **measured,
    }
    rows = [("clients connected (s to open all)", f"{measured['connect_seconds']:.1f}", "")]
    for mode, entry in measured["modes"].items():
        median, worst = entry["last_client_median_seconds"], entry["last_client_max_seconds"]
        rows.append(
            (
                f"{mode}: commit → last client, median (s)",
                "—" if median is None else f"{median:.3f}",
                f"≤ {TARGET_SECONDS:g} s; {entry['complete_rounds']}/{args.rounds} rounds complete",
            )
        )
        rows.append(
            (f"{mode}: commit → last client, max (s)", "—" if worst is None else f"{worst:.3f}", "")
        )
        rows.append(
            (
                f"{mode}: commit → first client, median (s)",
                "—"
                if entry["first_client_median_seconds"] is None
                else f"{entry['first_client_median_seconds']:.3f}",
                "",
            )
        )
    suffix = "-redis" if redis else ""
    print_table(
        f"WebSocket push — {args.clients} clients, {vendor}, {layer.rsplit('.', 1)[-1]}, "
        f"commit in {where}",
        rows,
    )
    print(f"load average: {result['machine']['loadavg']}")
    write_report(f"ws-{vendor}{suffix}", result, output_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
