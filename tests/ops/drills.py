"""Failure drills on the production layout (tests/ops/stack.py), each printing what was lost
(must be nothing) and the time to recover:

    python -m tests.ops.drills redis     [--outage 30]   # Redis stopped, then started again
    python -m tests.ops.drills postgres                  # PostgreSQL restarted
    python -m tests.ops.drills worker                    # task worker killed mid-fan-out
    python -m tests.ops.drills facebook                  # …and mid-Facebook-send

Neither touches the machine's own services: ``redis`` starts its own redis-server
(port 8151, append-only file in a temporary folder) and ``postgres`` its own cluster
(initdb under /tmp, port 8152, run as the postgres user). Traffic runs throughout: visitors'
pages, a member's feed, a member posting. Needs DATABASE_URL (PostgreSQL) for ``redis``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import requests

from tests.ops.prod_check import login, open_websocket, wait_for_queue
from tests.ops.stack import Stack, wait_for_port

REDIS_PORT = int(os.environ.get("DRILL_REDIS_PORT", "8151"))
PG_PORT = int(os.environ.get("DRILL_PG_PORT", "8152"))
PAGES = ["/", "/agenda/", "/communautes/", "/recherche/?q=roman"]


@dataclass
class Traffic:
    """Visitors and a member browsing in a loop; every answer's status is counted."""

    stack: Stack
    member: requests.Session
    statuses: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    slow_failures: int = 0
    running: bool = True

    def _loop(self, session: requests.Session, paths: list[str]) -> None:
        index = 0
        while self.running:
            path = paths[index % len(paths)]
            index += 1
            started = time.monotonic()
            try:
                answer = session.get(
                    f"{self.stack.origin}{path}", verify=str(self.stack.cert), timeout=15
                )
                self.statuses[answer.status_code] += 1
                if answer.status_code >= 500 and answer.status_code != 503:
                    self.errors.append(f"{answer.status_code} {path}")
                if answer.status_code == 503 and time.monotonic() - started > 6:
                    self.slow_failures += 1
            except requests.RequestException as error:
                self.statuses["no answer"] += 1
                self.errors.append(f"{path}: {type(error).__name__}")
            time.sleep(0.2)

    def start(self) -> None:
        for session, paths in ((requests.Session(), PAGES), (self.member, ["/fil/", "/"])):
            threading.Thread(target=self._loop, args=(session, paths), daemon=True).start()

    def stop(self) -> None:
        self.running = False
        time.sleep(0.5)


def wait_until(predicate, timeout: float, step: float = 0.5) -> float | None:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        try:
            if predicate():
                return time.monotonic() - started
        except Exception:
            pass
        time.sleep(step)
    return None


def ready(stack: Stack) -> bool:
    answer = requests.get(f"{stack.origin}/readyz", verify=str(stack.cert), timeout=5)
    return answer.status_code == 200


def post_reached_feed(stack: Stack, session: requests.Session, text: str) -> bool:
    page = session.get(f"{stack.origin}/fil/", verify=str(stack.cert), timeout=10)
    return page.status_code == 200 and text in page.text


def report(name: str, lost: list[str], recovered: float | None, traffic: Traffic) -> bool:
    print(f"\n== Drill {name}")
    print(f"  answers during the drill: {dict(traffic.statuses)}")
    print(f"  errors shown (500 or no answer): {len(traffic.errors)} {traffic.errors[:5]}")
    print(f"  lost: {len(lost)} {lost}")
    took = f"{recovered:.1f} s" if recovered is not None else "NOT RECOVERED"
    print(f"  time to recover: {took}")
    ok = not lost and recovered is not None and not traffic.errors
    print(f"  {'PASS' if ok else 'FAIL'}")
    return ok


# --- Redis -------------------------------------------------------------------------------------


def start_redis(folder: Path) -> subprocess.Popen:
    process = subprocess.Popen(
        ["redis-server", "--port", str(REDIS_PORT), "--bind", "127.0.0.1", "--dir", str(folder),
         "--appendonly", "yes", "--save", "", "--daemonize", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    wait_for_port(REDIS_PORT, 10)
    return process


def redis_drill(database_url: str, outage: float) -> bool:
    folder = Path(os.environ.get("TMPDIR", "/tmp")) / f"affinites-drill-redis-{os.getpid()}"
    folder.mkdir(exist_ok=True)
    redis = start_redis(folder)
    stack = Stack(database_url, f"redis://127.0.0.1:{REDIS_PORT}/0")
    try:
        seeded = stack.prepare()
        stack.up(scheduler_interval=5)
        wait_for_queue(stack)
        reader_email = seeded["emails"][0]
        reader = login(stack, reader_email, seeded["password"])
        traffic = Traffic(stack, reader)
        traffic.start()
        time.sleep(2)
        print(f"Stopping Redis for {outage:g} s…", flush=True)
        redis.terminate()
        redis.wait(10)
        time.sleep(min(3.0, outage / 2))
        text = f"Pendant la panne {time.time():.0f}"
        # A librarian publishes during the outage: its fan-out task waits in PostgreSQL.
        published = stack.publish(reader_email, text)
        print(f"  published during the outage: {published.returncode == 0}", flush=True)
        time.sleep(max(0.0, outage - min(3.0, outage / 2)))
        redis = start_redis(folder)
        print("Redis is back.", flush=True)
        recovered = wait_until(lambda: ready(stack), 60)
        in_feed = wait_until(lambda: post_reached_feed(stack, reader, text), 90)
        with open_websocket(stack, reader) as socket:
            socket.send('{"type": "ping"}')
            socket.recv(10)
        traffic.stop()
        lost = [] if in_feed is not None else [f"the post made during the outage ({text})"]
        total = None if recovered is None or in_feed is None else max(recovered, in_feed)
        return report(f"Redis stopped {outage:g} s", lost, total, traffic)
    finally:
        stack.down()
        redis.terminate()
        shutil.rmtree(folder, ignore_errors=True)


# --- A task worker killed mid-task ------------------------------------------------------------


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def worker_drill(database_url: str, redis_url: str, publications: int = 8, kills: int = 2) -> bool:
    """A librarian publishes `publications` announcements at once; while the task worker
    fans them out, its process running a task (RQ's work-horse) is killed (SIGKILL) `kills`
    times. Every announcement must still reach the member's feed."""
    stack = Stack(database_url, redis_url)
    try:
        seeded = stack.prepare()
        stack.up(scheduler_interval=5)
        wait_for_queue(stack)
        reader_email = seeded["emails"][0]
        reader = login(stack, reader_email, seeded["password"])
        worker = stack.processes["worker-1"].pid
        killed: list[int] = []

        def killer() -> None:
            deadline = time.monotonic() + 120
            while len(killed) < kills and time.monotonic() < deadline:
                for horse in children(worker):
                    if horse not in killed:
                        os.kill(horse, signal.SIGKILL)
                        killed.append(horse)
                        time.sleep(0.3)  # the next task, not the same one's cleanup
                        break
                time.sleep(0.005)

        traffic = Traffic(stack, reader)
        traffic.start()
        thread = threading.Thread(target=killer, daemon=True)
        thread.start()
        stamp = f"{time.time():.0f}"
        titles = [f"Diffusion interrompue {stamp} n° {n}" for n in range(1, publications + 1)]
        started = time.monotonic()
        stack.publish(reader_email, *titles)
        thread.join(130)
        print(f"  task processes killed mid-task: {len(killed)}", flush=True)

        def all_in_feed() -> bool:
            page = reader.get(f"{stack.origin}/fil/", verify=str(stack.cert), timeout=10)
            return all(title in page.text for title in titles)

        done = wait_until(all_in_feed, 120)
        traffic.stop()
        page = reader.get(f"{stack.origin}/fil/", verify=str(stack.cert), timeout=10).text
        lost = [title for title in titles if title not in page]
        recovered = None if done is None else time.monotonic() - started
        return (
            report(f"task worker killed {len(killed)} times mid-fan-out", lost, recovered, traffic)
            and len(killed) == kills
        )
    finally:
        stack.down()


# --- A task worker killed in the middle of a Facebook send ------------------------------------

FACEBOOK_PAGE = ("104857600000001", "Médiathèques des Bouches-du-Rhône")
FACEBOOK_LEASE = 20  # seconds: the drill's FACEBOOK_SEND_LEASE_SECONDS (5 min in production)


def facebook_drill(
    database_url: str, redis_url: str, publications: int = 6, delay: float = 4.0
) -> bool:
    """A librarian publishes `publications` announcements ticked for Facebook. The local Graph
    stand-in (tests/feeds/fake_graph.py, a thread of this process) holds every first
    ``POST /{page}/feed`` for `delay` seconds; every other one has already written the post
    (Facebook committed, its answer is late), the others write nothing (the request is
    lost). While each request is in flight, the task's process (RQ's work-horse) is killed.
    RQ runs the task again (the row is still claimed: nothing sent); once the claim's lease
    expires the scheduler's ``syndication_resume`` hands the row to the worker, which looks
    for its marker on the Page and adopts the post, or creates it. At the end the Page
    holds exactly one post per announcement and every outbox row is sent."""
    from tests.feeds.fake_graph import FakeGraph

    graph = FakeGraph().start()
    token = graph.add_page(*FACEBOOK_PAGE)
    for number in range(publications):
        graph.fail("POST", r"/feed$", delay=delay, after=number % 2 == 0, drop=number % 2 == 1)
    stack = Stack(
        database_url,
        redis_url,
        settings={
            "FACEBOOK_GRAPH_URL": graph.url,
            "FACEBOOK_APP_SECRET": "",
            "FACEBOOK_CONNECT_TIMEOUT": "2",
            "FACEBOOK_READ_TIMEOUT": "10",  # the lease must outlast a request
            "FACEBOOK_SEND_LEASE_SECONDS": str(FACEBOOK_LEASE),
        },
    )
    try:
        seeded = stack.prepare()
        stack.connect_facebook(FACEBOOK_PAGE[0], FACEBOOK_PAGE[1], token)
        stack.up(scheduler_interval=5)
        wait_for_queue(stack)
        reader_email = seeded["emails"][0]
        reader = login(stack, reader_email, seeded["password"])
        worker = stack.processes["worker-1"].pid
        killed: list[int] = []

        def creations() -> int:
            return len(graph.calls("POST", r"/feed$"))

        def killer() -> None:
            # Each of the first `publications` creations: kill the process sending it while
            # the stand-in holds the request.
            deadline = time.monotonic() + 120
            while len(killed) < publications and time.monotonic() < deadline:
                if creations() > len(killed):
                    horses = children(worker)
                    for horse in horses:
                        os.kill(horse, signal.SIGKILL)
                    killed.append(horses[0] if horses else 0)
                time.sleep(0.01)

        traffic = Traffic(stack, reader)
        traffic.start()
        thread = threading.Thread(target=killer, daemon=True)
        thread.start()
        stamp = f"{time.time():.0f}"
        titles = [f"Envoi interrompu {stamp} n° {n:02d}" for n in range(1, publications + 1)]
        started = time.monotonic()
        published = stack.publish(reader_email, *titles, facebook=True)
        if published.returncode != 0:
            print(published.stderr[-2000:], flush=True)
        thread.join(130)
        sends_killed = sum(1 for pid in killed if pid)
        print(f"  task processes killed mid-send: {sends_killed}", flush=True)

        def posts_by_title() -> Counter:
            first_lines = (post["message"].split("\n\n")[0] for post in graph.live_posts())
            return Counter(line for line in first_lines if line in titles)

        def settled() -> bool:
            if set(posts_by_title()) != set(titles):
                return False
            return stack.outbox(*titles) == {"sent": publications}

        done = wait_until(settled, 60 + 4 * FACEBOOK_LEASE, step=2)
        recovered = None if done is None else time.monotonic() - started
        traffic.stop()
        posted = posts_by_title()
        outbox = stack.outbox(*titles)
        lost = [title for title in titles if not posted[title]]
        duplicates = [f"{title} ×{posted[title]}" for title in titles if posted[title] > 1]
        print(f"  posts on the Page: {sum(posted.values())} for {publications} announcements")
        print(f"  duplicates: {len(duplicates)} {duplicates}")
        print(f"  outbox rows: {outbox}")
        ok = report(
            f"task worker killed {sends_killed} times mid-Facebook-send", lost, recovered, traffic
        )
        return (
            ok
            and not duplicates
            and sends_killed == publications
            and outbox == {"sent": publications}
        )
    finally:
        stack.down()
        graph.stop()


# --- PostgreSQL ---------------------------------------------------------------------------------


def pg_bin(name: str) -> str:
    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (folder / name).exists():
            return str(folder / name)
    return shutil.which(name) or name


def as_postgres(*command: str) -> None:
    subprocess.run(["runuser", "-u", "postgres", "--", *command], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip


def postgres_drill(redis_url: str) -> bool:
    data = Path(f"/tmp/affinites-drill-pg-{os.getpid()}")
    data.mkdir()
    shutil.chown(data, "postgres", "postgres")
    as_postgres(pg_bin("initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync")
    pg_ctl = pg_bin("pg_ctl")
    options = f"-p {PG_PORT} -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off"
    as_postgres(pg_ctl, "-D", str(data), "-o", options, "-w", "-l", f"{data}/log", "start")
    subprocess.run(["createdb", "-h", "127.0.0.1", "-p", str(PG_PORT), "-U", "postgres", "drill"],
                   check=True)  # fmt: skip
    stack = Stack(f"postgres://postgres@127.0.0.1:{PG_PORT}/drill", redis_url)
    try:
        seeded = stack.prepare()
        stack.up(scheduler_interval=5)
        wait_for_queue(stack)
        reader = login(stack, seeded["emails"][0], seeded["password"])
        traffic = Traffic(stack, reader)
        traffic.start()
        time.sleep(2)
        print("Restarting PostgreSQL…", flush=True)
        restart_started = time.monotonic()
        as_postgres(pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop")
        time.sleep(3)
        as_postgres(pg_ctl, "-D", str(data), "-o", options, "-w", "-l", f"{data}/log", "start")
        back = wait_until(lambda: ready(stack), 60)
        recovered = None if back is None else time.monotonic() - restart_started
        feed_ok = wait_until(lambda: post_reached_feed(stack, reader, ""), 30)
        traffic.stop()
        lost = [] if feed_ok is not None else ["the member's feed no longer answers"]
        print(f"  503 answers slower than 6 s: {traffic.slow_failures}")
        ok = report("PostgreSQL restarted", lost, recovered, traffic)
        return ok and traffic.slow_failures == 0
    finally:
        stack.down()
        subprocess.run(["runuser", "-u", "postgres", "--", pg_ctl, "-D", str(data), "-m",
                        "immediate", "stop"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        shutil.rmtree(data, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("drill", choices=["redis", "postgres", "worker", "facebook"])
    parser.add_argument("--outage", type=float, default=30.0, help="Redis outage, seconds")
    args = parser.parse_args(argv)
    if args.drill in ("worker", "facebook"):
        database_url, redis_url = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL")
        if not database_url.startswith("postgres") or not redis_url:
            print(f"drills {args.drill}: set DATABASE_URL (PostgreSQL, of its own) and REDIS_URL")
            return 2
        drill = worker_drill if args.drill == "worker" else facebook_drill
        return 0 if drill(database_url, redis_url) else 1
    if args.drill == "redis":
        database_url = os.environ.get("DATABASE_URL", "")
        if not database_url.startswith("postgres"):
            print("drills redis: set DATABASE_URL (PostgreSQL, a database of its own)")
            return 2
        return 0 if redis_drill(database_url, args.outage) else 1
    redis_url = os.environ.get("REDIS_URL", "")
    if not redis_url:
        print("drills postgres: set REDIS_URL (a Redis database of its own)")
        return 2
    return 0 if postgres_drill(redis_url) else 1


if __name__ == "__main__":
    sys.exit(main())
