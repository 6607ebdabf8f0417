"""``make prod-check``: the production layout started on this machine and checked through
nginx, then stopped.

    DATABASE_URL=postgres://…/affinites_prodcheck REDIS_URL=redis://127.0.0.1:6379/5 \\
        python -m tests.ops.prod_check

Installs nginx (Debian) when missing, makes a self-signed certificate in a temporary folder,
starts gunicorn (uvicorn workers), an RQ task worker, the scheduler and nginx
(tests/ops/stack.py), then checks over HTTPS through the proxy: a page and a static file,
the HTTP→HTTPS redirect, /healthz and /readyz, a login, a websocket push made by a
background task (a member's post fanned out by the task worker to another member's open
page), the metrics, and that a second scheduler stands by. Prints each check and exits
non-zero on the first failure. Uses DATABASE_URL for itself: the demo network and test
members are loaded into it.
"""

from __future__ import annotations

import json
import os
import re
import ssl
import sys
import time

import requests
from websockets.sync.client import connect

from tests.ops.stack import Stack


class CheckFailed(AssertionError):
    pass


def check(label: str, condition: bool, detail: str = "") -> None:
    print(
        f"  {'ok ' if condition else 'FAIL'} {label}{': ' + detail if detail else ''}", flush=True
    )
    if not condition:
        raise CheckFailed(f"{label}: {detail}")


def login(stack: Stack, email: str, password: str) -> requests.Session:
    session = requests.Session()
    form = session.get(f"{stack.origin}/comptes/login/", verify=str(stack.cert), timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
    answer = session.post(
        f"{stack.origin}/comptes/login/",
        data={"login": email, "password": password, "csrfmiddlewaretoken": token.group(1)},
        headers={"Referer": f"{stack.origin}/comptes/login/"},
        verify=str(stack.cert),
        timeout=10,
        allow_redirects=False,
    )
    check(f"login of {email}", answer.status_code == 302, f"status {answer.status_code}")
    return session


def post_in_community(stack: Stack, session: requests.Session, community: int, body: str) -> None:
    url = f"{stack.origin}/communautes/{community}/publier/"
    form = session.get(url, verify=str(stack.cert), timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
    answer = session.post(
        url,
        data={"body": body, "csrfmiddlewaretoken": token.group(1) if token else ""},
        headers={"Referer": url},
        verify=str(stack.cert),
        timeout=15,
        allow_redirects=False,
    )
    check(
        "a member posts through the proxy",
        answer.status_code in (302, 303),
        str(answer.status_code),
    )


def open_websocket(stack: Stack, session: requests.Session):
    context = ssl.create_default_context(cafile=str(stack.cert))
    cookies = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
    return connect(
        f"wss://localhost:{stack.ports.https}/ws/fil/",
        ssl=context,
        additional_headers={"Cookie": cookies, "Origin": stack.origin},
        open_timeout=10,
    )


def task_queue_depth(stack: Stack) -> int:
    ready = requests.get(f"{stack.origin}/readyz", verify=str(stack.cert), timeout=10).json()
    return int(re.search(r"\((\d+) waiting\)", ready["checks"]["task_queue"]["detail"]).group(1))


def wait_for_queue(stack: Stack, timeout: float = 240) -> int:
    deadline = time.monotonic() + timeout
    waiting = task_queue_depth(stack)
    while waiting and time.monotonic() < deadline:
        time.sleep(2)
        waiting = task_queue_depth(stack)
    return waiting


def run_checks(stack: Stack, seeded: dict) -> None:
    verify = str(stack.cert)
    home = requests.get(f"{stack.origin}/", verify=verify, timeout=15)
    check("home page over HTTPS through nginx", home.status_code == 200, str(home.status_code))
    check("request id from nginx", len(home.headers.get("X-Request-ID", "")) == 32)
    check("HSTS", "max-age=" in home.headers.get("Strict-Transport-Security", ""))
    css = re.search(r'href="(/static/[^"]+\.css)"', home.text)
    check("a stylesheet is linked", css is not None)
    static = requests.get(f"{stack.origin}{css.group(1)}", verify=verify, timeout=10)
    check(
        "static file served by nginx, cached a year",
        static.status_code == 200 and "immutable" in static.headers.get("Cache-Control", ""),
        f"{static.status_code} {static.headers.get('Cache-Control')}",
    )
    plain = requests.get(
        f"http://127.0.0.1:{stack.ports.http}/agenda/", allow_redirects=False, timeout=5
    )
    check(
        "plain HTTP redirects to HTTPS",
        plain.status_code == 301 and plain.headers["Location"].startswith("https://"),
        str(plain.status_code),
    )
    big = requests.post(
        f"{stack.origin}/comptes/login/", data=b"x" * (26 * 1024 * 1024), verify=verify, timeout=30
    )
    check("a body above 25 MB refused by nginx", big.status_code == 413, str(big.status_code))
    health = requests.get(f"{stack.origin}/healthz", verify=verify, timeout=5)
    check("/healthz", health.status_code == 200 and health.json()["status"] == "ok")
    ready = requests.get(f"{stack.origin}/readyz", verify=verify, timeout=10)
    check("/readyz: database, Redis, task queue", ready.status_code == 200, ready.text[:300])
    waiting = wait_for_queue(stack)
    check("the task worker drained the queue (demo data indexing)", waiting == 0, f"{waiting} left")

    reader_email, author_email = seeded["emails"][:2]
    reader = login(stack, reader_email, seeded["password"])
    feed = reader.get(f"{stack.origin}/fil/", verify=verify, timeout=15)
    check("the member's feed", feed.status_code == 200, str(feed.status_code))
    author = login(stack, author_email, seeded["password"])

    with open_websocket(stack, reader) as socket:
        check("websocket /ws/fil/ upgraded through nginx", True)
        socket.send(json.dumps({"type": "ping"}))
        check("websocket answers", json.loads(socket.recv(10)).get("type") == "pong")
        started = time.monotonic()
        post_in_community(stack, author, seeded["community"], f"Vérification {time.time():.0f}")
        pushed = None
        while time.monotonic() - started < 30:
            try:
                message = json.loads(socket.recv(max(0.1, 30 - (time.monotonic() - started))))
            except TimeoutError:
                break
            if message.get("type") == "feed.new":
                pushed = message
                break
        check(
            "the post fanned out by the task worker (RQ) and pushed to the open page",
            pushed is not None,
            f"{time.monotonic() - started:.1f} s" if pushed else "no push within 30 s",
        )
        metrics = requests.get(f"{stack.origin}/metrics", verify=verify, timeout=10)
        check("metrics for this machine through nginx", metrics.status_code == 200)
        check(
            "metrics count the open websocket",
            re.search(r"^affinites_websocket_connections 1\.0$", metrics.text, re.M) is not None,
        )
        check(
            "metrics count the member's feed by view and status",
            re.search(
                r'^affinites_http_requests_total\{method="GET",status="200",view="feeds:feed"\} '
                r"[1-9]",
                metrics.text,
                re.M,
            )
            is not None,
        )
        check("fan-out lag published", "affinites_fanout_lag_seconds " in metrics.text)

    second = stack.start_scheduler("scheduler-2")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and "standing by" not in stack.log("scheduler-2"):
        time.sleep(0.5)
    check(
        "a second scheduler stands by (lock held by the first)",
        "standing by" in stack.log("scheduler-2") and second.poll() is None,
    )
    stack.stop("scheduler-2")


def main() -> int:
    database_url = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("REDIS_URL", "")
    if not database_url.startswith("postgres") or not redis_url:
        print(
            "prod-check: set DATABASE_URL (PostgreSQL, a database of its own: the demo network "
            "is loaded into it) and REDIS_URL, e.g.\n"
            "  DATABASE_URL=postgres://postgres@127.0.0.1:5432/affinites_prodcheck "
            "REDIS_URL=redis://127.0.0.1:6379/5 make prod-check"
        )
        return 2
    stack = Stack(database_url, redis_url)
    print(f"Production layout in {stack.folder} (logs there)", flush=True)
    started = time.monotonic()
    try:
        seeded = stack.prepare()
        stack.up()
        print(
            f"Started in {time.monotonic() - started:.0f} s: nginx on {stack.origin} "
            f"(and http://127.0.0.1:{stack.ports.http}), gunicorn {stack.web_workers} workers "
            f"on 127.0.0.1:{stack.ports.app}, a task worker, the scheduler",
            flush=True,
        )
        run_checks(stack, seeded)
    except (CheckFailed, Exception) as error:
        print(f"prod-check failed: {error}", flush=True)
        for name in ("web", "worker-1", "scheduler", "nginx"):
            print(f"--- last lines of {name}.log\n" + "\n".join(stack.log(name).splitlines()[-15:]))
        return 1
    finally:
        stopped = stack.down()
        print("Stopped: " + ", ".join(f"{n} {s:.1f} s" for n, s in stopped.items()), flush=True)
    print("prod-check: every check passed.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
