"""Real servers for the serving tests: the web process of ``make serve`` (gunicorn with the
configuration of deploy/, uvicorn workers) on the test database, and what the tests need to
look at it from outside: HTTP requests, bursts, its worker processes, its connections.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


@dataclass
class Reply:
    status: int
    headers: dict[str, str] = field(default_factory=dict)  # names in lower case
    body: str = ""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url(application_name: str) -> str:
    """The test database as a DATABASE_URL; the server's connections carry
    `application_name`, so pg_stat_activity tells them from the test's own."""
    from django.db import connection

    db = connection.settings_dict
    user = quote(db["USER"] or "")
    password = f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else ""
    return (
        f"postgres://{user}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/"
        f"{db['NAME']}?application_name={quote(application_name)}"
    )


def server_env(application_name: str, **overrides: str) -> dict[str, str]:
    """The environment of a server on the test database and the test's Redis database, with
    the test settings (plain static files, no collectstatic) and the test's SECRET_KEY (so
    sessions made by the test are valid there)."""
    from django.conf import settings

    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"PYTEST_XDIST_WORKER", "DJANGO_ALLOW_ASYNC_UNSAFE", "REDIS_URL"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="cms.settings.test",
        DATABASE_URL=database_url(application_name),
        SECRET_KEY=settings.SECRET_KEY,
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
    )
    if settings.REDIS_URL:
        env["REDIS_URL"] = settings.REDIS_URL  # already the xdist worker's own database
    env.update(overrides)
    return env


def get(url: str, *, headers: dict[str, str] | None = None, timeout: float = 30) -> Reply:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return Reply(response.status, _lower(response.headers), response.read().decode())
    except urllib.error.HTTPError as error:
        return Reply(error.code, _lower(error.headers), error.read().decode())


def _lower(headers) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


def wait_until_up(url: str, process: subprocess.Popen, log: Path, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server stopped:\n{log.read_text()[-3000:]}")
        with contextlib.suppress(OSError):
            if get(url, timeout=5).status < 500:
                return
        time.sleep(0.5)
    raise RuntimeError(f"the server did not answer in {timeout} s:\n{log.read_text()[-3000:]}")


def stop(process: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
    """Signal the process group (like Ctrl+C or a service manager), then wait."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)
    try:
        return process.wait(timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)
        raise


@contextlib.contextmanager
def gunicorn(env: dict[str, str], *, workers: int = 2) -> Iterator[tuple[str, subprocess.Popen]]:
    """The web process of deploy/Procfile on a free port; yields (base URL, master process)."""
    port = free_port()
    # SITE_URL is the server's own origin: the only one its websockets accept (cms/origins.py)
    env = {
        **env,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_CONCURRENCY": str(workers),
        "SITE_URL": f"http://127.0.0.1:{port}",
    }
    with tempfile.NamedTemporaryFile("w+", suffix=".log", delete=False) as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--config",
                "deploy/gunicorn.conf.py",
                "cms.asgi:application",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{url}/", process, Path(log.name))
        # Every worker has booted (the first answer came from one of them).
        deadline = time.monotonic() + 120
        while len(children(process.pid)) < workers and time.monotonic() < deadline:
            time.sleep(0.2)
        yield url, process
    finally:
        stop(process)
        Path(log.name).unlink(missing_ok=True)


def burst(url: str, count: int, **kwargs) -> list[Reply]:
    """`count` requests sent at the same moment, each on its own connection."""
    start = threading.Barrier(count)

    def one(_):
        start.wait()
        try:
            return get(url, **kwargs)
        except OSError as error:  # refused, reset, timed out: reported as status 0
            return Reply(0, {}, str(error))

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(one, range(count)))


@contextlib.contextmanager
def sampling(measure, interval: float = 0.05) -> Iterator[list]:
    """Call `measure` every `interval` seconds in a thread while the block runs; the list
    yielded holds the values (at least one, taken at the end)."""
    from django.db import connection

    values: list = []
    done = threading.Event()

    def run():
        try:
            while not done.wait(interval):
                values.append(measure())
            values.append(measure())
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    try:
        yield values
    finally:
        done.set()
        thread.join()


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        for child in children(todo.pop()):
            found.append(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def socket_owner(server_port: int, client_port: int, pids: list[int]) -> int | None:
    """Which of `pids` holds the server side of the TCP connection from `client_port`."""
    inode = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote = fields[1], fields[2]
        if (
            int(local.rsplit(":", 1)[1], 16) == server_port
            and int(remote.rsplit(":", 1)[1], 16) == client_port
        ):
            inode = fields[9]
    if inode is None:
        return None
    for pid in pids:
        with contextlib.suppress(OSError):
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                with contextlib.suppress(OSError):
                    if os.readlink(fd) == f"socket:[{inode}]":
                        return pid
    return None


def app_connections(application_name: str) -> int:
    """The server's connections to PostgreSQL right now (pg_stat_activity has no ORM model)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s",
            [application_name],
        )
        return cursor.fetchone()[0]
