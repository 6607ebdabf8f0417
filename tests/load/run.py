"""``make load``: the rush scenario (tests/load/locustfile.py) against ``make serve``, in steps.

    python -m tests.load.run --url http://127.0.0.1:8000 --steps 15,20,40,80 --step-seconds 60

1. When nothing answers at ``--url``, starts ``make serve`` there (production settings, over
   plain HTTP: ``PLAIN_HTTP=1``, a throwaway SECRET_KEY and ALLOWED_HOSTS unless set) against
   DATABASE_URL / REDIS_URL, and stops it at the end like Ctrl+C does. A server already
   running there is used as it is (it must use the same DATABASE_URL, for the seeding).
2. Seeds the database: the demo network (``load_demo``) and the load-test members
   (tests/load/seed.py).
3. For each step (number of simulated users): ramps up, lets ``--warmup`` seconds pass,
   then measures ``--step-seconds``: requests/s, p50/p95/p99 and errors per page kind, the
   web workers' CPU, the machine's, and PostgreSQL connections (pg_stat_activity).
4. Stops the load and times how long the site takes to answer normally again (the home
   page, 200 in less than a second).
5. Prints Markdown tables (for the README) and writes them with the raw figures to
   var/load/. ``--profile`` samples one web worker with py-spy during the last step and
   says where its time goes. ``--websockets N`` holds N members' websockets open during the
   steps (tests/load/sockets.py) and reports how many the server kept. ``--check`` (CI)
   fails on any error, a slow recovery or a websocket lost.

The load generator runs on the same machine as the server: its CPU is reported too.
"""

# ruff: noqa: E402, I001  (locust patches the standard library for gevent: it comes first)
from __future__ import annotations

import locust
import gevent
from locust.env import Environment

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import re
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

from tests.load import locustfile

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "var" / "load"
RECOVERY_LIMIT = 5.0  # seconds after the load stops
NORMAL_ANSWER = 1.0  # a normal answer of the home page takes less than this
PROJECT = ("cms/", "community/", "feeds/", "search/")


# --- The server ------------------------------------------------------------------------------


def answer(url: str, timeout: float = 5) -> tuple[int, float]:
    """(status, seconds) of one GET; status 0 when nothing answered."""
    started = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    except OSError:
        status = 0
    return status, time.monotonic() - started


def trial_env(url: str) -> dict[str, str]:
    env = dict(os.environ)
    if not env.get("DATABASE_URL"):
        sys.exit("make load: set DATABASE_URL (and REDIS_URL): the database to serve and seed.")
    host = urlsplit(url).hostname or "127.0.0.1"
    env.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    env.setdefault("ALLOWED_HOSTS", f"{host},localhost")
    env.setdefault("PLAIN_HTTP", "1")
    env["DJANGO_SETTINGS_MODULE"] = "cms.settings.production"
    return env


def start_serve(url: str, env: dict[str, str]) -> subprocess.Popen:
    parts = urlsplit(url)
    log = (OUTPUT / "serve.log").open("w")
    print(f"Starting make serve on {url} (log: var/load/serve.log)…", flush=True)
    process = subprocess.Popen(
        ["make", "--no-print-directory", "serve", f"HOST={parts.hostname}", f"PORT={parts.port}"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"make serve stopped (exit {process.returncode}): see var/load/serve.log")
        if answer(f"{url}/", timeout=3)[0] == 200:
            return process
        gevent.sleep(1)
    stop_serve(process)
    sys.exit("make serve did not answer within 10 minutes: see var/load/serve.log")


def stop_serve(process: subprocess.Popen) -> float | None:
    """Ctrl+C to the whole process set; returns how long it took to stop (None: killed)."""
    started = time.monotonic()
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGINT)
    try:
        process.wait(60)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        return None
    return time.monotonic() - started


def seed(env: dict[str, str], members: int) -> None:
    print(f"Seeding the demo network and {members} load-test members (var/load/seed.log)…")
    command = [sys.executable, "-m", "tests.load.seed", "--members", str(members)]
    with (OUTPUT / "seed.log").open("w") as log:
        if subprocess.run(command, cwd=ROOT, env=env, stdout=log, stderr=log).returncode:
            sys.exit("Seeding failed: see var/load/seed.log")


# --- What the machine does -------------------------------------------------------------------


def processes() -> dict[int, tuple[int, str]]:
    """{pid: (parent pid, command line)} of every process."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
            found[int(entry.name)] = (int(stat.rsplit(")", 1)[1].split()[1]), cmdline)
    return found


def web_workers() -> list[int]:
    """The gunicorn workers serving cms.asgi: children of the gunicorn master, childless
    (the master may itself be the child of the shell honcho started)."""
    table = processes()
    serving = {pid for pid, (_, cmd) in table.items() if "gunicorn" in cmd and "cms.asgi" in cmd}
    parents = {table[pid][0] for pid in serving}
    return sorted(pid for pid in serving if table[pid][0] in serving and pid not in parents)


WARM_UP = [
    "/",
    "/agenda/",
    "/communautes/",
    "/mediatheques/",
    "/actualites/",
    "/recherche/?q=jazz",
    "/api/recherche/suggestions/?q=man",
    "/fil/decouvrir/?commune=Aubagne",
    "/comptes/login/",
]


def warm_up(url: str) -> None:
    """A worker's first requests load templates, URL patterns, translations and the communes
    index: a few rounds of every kind of page, in parallel so that every worker gets some."""
    from gevent.pool import Pool

    pool = Pool(4)
    rounds = 3 * max(len(web_workers()), 1)
    for _ in range(rounds):
        pool.map(lambda path: answer(f"{url}{path}", timeout=30), WARM_UP)


def cpu_seconds(pids: list[int]) -> float:
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    ticks = os.sysconf("SC_CLK_TCK")
    return (sum(fields) - idle) / ticks, sum(fields) / ticks


def own_cpu() -> float:
    usage = os.times()
    return usage.user + usage.system


def pg_connections(env: dict[str, str]) -> int | None:
    """Connections to the served database now (psql's own excluded)."""
    query = "SELECT count(*) - 1 FROM pg_stat_activity WHERE datname = current_database()"
    url = env.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return None
    with contextlib.suppress(OSError, subprocess.SubprocessError, ValueError):
        out = subprocess.run(
            ["psql", url.split("?")[0], "-Atc", query], capture_output=True, text=True, timeout=10
        )
        return int(out.stdout.strip())
    return None


class Sampler:
    """PostgreSQL connections every 2 s, in a greenlet."""

    def __init__(self, env):
        self.env = env
        self.values: list[int] = []
        self.greenlet = gevent.spawn(self._run)

    def _run(self):
        while True:
            value = pg_connections(self.env)
            if value is not None:
                self.values.append(value)
            gevent.sleep(2)

    def reset(self) -> None:
        self.values = []

    def stop(self) -> None:
        self.greenlet.kill()


# --- One step --------------------------------------------------------------------------------


def measure_step(env: Environment, users: int, warmup: float, seconds: float, sampler) -> dict:
    env.runner.start(users, spawn_rate=max(5, users / 5))
    while env.runner.user_count < users:
        gevent.sleep(0.5)
    gevent.sleep(warmup)
    # Errors of the ramp-up (a member's login refused…) are reported too, then stats restart.
    ramp_errors = [
        {"page": f"{e.name} (ramp-up)", "error": str(e.error), "count": e.occurrences}
        for e in env.stats.errors.values()
    ]
    env.stats.reset_all()
    sampler.reset()
    workers = web_workers()
    web_before, (busy_before, total_before), own_before = (
        cpu_seconds(workers),
        machine_busy(),
        own_cpu(),
    )
    started = time.monotonic()
    gevent.sleep(seconds)
    elapsed = time.monotonic() - started
    busy_after, total_after = machine_busy()
    cpus = os.cpu_count() or 1
    rows = {}
    for (name, _method), entry in sorted(env.stats.entries.items()):
        if "(index, once)" in name or entry.num_requests == 0:
            continue
        rows[name] = stats_row(entry, elapsed)
    return {
        "users": users,
        "seconds": round(elapsed, 1),
        "all": stats_row(env.stats.total, elapsed),
        "pages": rows,
        "errors": ramp_errors
        + [
            {"page": e.name, "error": str(e.error), "count": e.occurrences}
            for e in env.stats.errors.values()
        ],
        "web_workers": len(workers),
        "web_cpu_percent": round(100 * (cpu_seconds(workers) - web_before) / elapsed),
        "machine_cpu_percent": round(
            100 * (busy_after - busy_before) / max(total_after - total_before, 1e-9)
        ),
        "load_generator_cpu_percent": round(100 * (own_cpu() - own_before) / elapsed),
        "cpus": cpus,
        "pg_connections_max": max(sampler.values) if sampler.values else None,
    }


def stats_row(entry, elapsed: float) -> dict:
    def pct(q):
        return round(entry.get_response_time_percentile(q)) if entry.num_requests else None

    return {
        "requests": entry.num_requests,
        "rps": round(entry.num_requests / elapsed, 1),
        "p50": pct(0.5),
        "p95": pct(0.95),
        "p99": pct(0.99),
        "errors": entry.num_failures,
    }


def recovery(url: str) -> dict:
    """Seconds from the end of the load until the home page answers 200 in under a second."""
    started = time.monotonic()
    attempts = []
    while time.monotonic() - started < 30:
        status, took = answer(f"{url}/", timeout=5)
        attempts.append((status, round(took * 1000)))
        if status == 200 and took < NORMAL_ANSWER:
            return {"seconds": round(time.monotonic() - started, 2), "attempts": attempts}
        gevent.sleep(0.2)
    return {"seconds": None, "attempts": attempts}


# --- Open websockets ---------------------------------------------------------------------------


def open_websockets(url: str, count: int, members: int) -> subprocess.Popen:
    print(f"Opening {count} websockets (members' pages left open)…", flush=True)
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.load.sockets", "--url", url, "--count", str(count)]
        + ["--members", str(members)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    ready = json.loads(process.stdout.readline() or "{}")
    print(f"  {ready.get('ready', 0)} open, {ready.get('refused', 0)} refused", flush=True)
    return process


def close_websockets(process: subprocess.Popen) -> dict:
    process.send_signal(signal.SIGTERM)
    out, _ = process.communicate(timeout=120)
    lines = [line for line in out.splitlines() if line.strip()]
    return json.loads(lines[-1]) if lines else {}


# --- Profile ---------------------------------------------------------------------------------


def start_profile(seconds: float) -> tuple[subprocess.Popen, Path, int] | None:
    workers = web_workers()
    if not workers:
        print("No gunicorn worker found to profile.")
        return None
    pid = workers[0]
    output = OUTPUT / f"profile-{pid}.txt"
    py_spy = Path(sys.executable).parent / "py-spy"
    process = subprocess.Popen(
        [str(py_spy), "record", "--pid", str(pid), "--duration", str(int(seconds))]
        + ["--rate", "50", "--nonblocking", "--gil", "--format", "raw", "--output", str(output)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    return process, output, pid


def summarise_profile(path: Path) -> dict:
    """Where one worker's samples were: by innermost area, and the project's functions
    (inclusive: the share of samples in which they are on the stack)."""
    own, inclusive, total = Counter(), Counter(), 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        count = int(count)
        total += count
        frames = stack.split(";")
        own[area(frames[-1])] += count
        seen = set()
        for frame in frames:
            name = frame.strip()
            if any(f"({p}" in name or f"/{p}" in name for p in PROJECT) and name not in seen:
                seen.add(name)
                inclusive[re.sub(r":\d+\)$", ")", name)] += count
    share = {k: round(100 * v / max(total, 1), 1) for k, v in own.most_common()}
    top = [(k, round(100 * v / max(total, 1), 1)) for k, v in inclusive.most_common(15)]
    return {"samples": total, "innermost": share, "project_functions": top}


AREAS = [
    ("psycopg", "PostgreSQL driver and waiting on PostgreSQL"),
    ("redis", "Redis client and waiting on Redis"),
    ("django/template", "template rendering"),
    ("django/db/", "ORM (query building, model instances)"),
    ("django/utils/translation", "translation"),
    ("wagtail", "Wagtail"),
    ("modelsearch", "Wagtail search"),
    ("django/", "Django, other"),
    ("uvicorn", "uvicorn (HTTP, websockets)"),
    ("asgiref", "asgiref (threads for sync code)"),
    ("threading.py", "threads (waiting)"),
    ("asyncio", "asyncio event loop"),
]


def area(frame: str) -> str:
    for marker, label in AREAS:
        if marker in frame:
            return label
    if any(f"({p}" in frame or f"/{p}" in frame for p in PROJECT):
        return "project code"
    return "other (Python standard library, other packages)"


# --- Report ----------------------------------------------------------------------------------


def fmt(value) -> str:
    return "–" if value is None else f"{value:,}".replace(",", " ")


def report(result: dict) -> str:
    lines = [
        f"Load test of {result['date']} on {result['machine']}; load average before "
        f"{result['loadavg_before']}, after {result['loadavg_after']}.",
        f"Server: {result['server']}.",
        "",
        "| users | requests/s | p50 all | p95 all | p99 all | p95 `/fil/` | errors | "
        "web workers CPU | machine CPU | load generator CPU | PostgreSQL connections (max) |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for step in result["steps"]:
        total, feed = step["all"], step["pages"].get("feed", {})
        lines.append(
            f"| {step['users']} | {total['rps']} | {fmt(total['p50'])} ms | "
            f"{fmt(total['p95'])} ms | {fmt(total['p99'])} ms | {fmt(feed.get('p95'))} ms | "
            f"{total['errors']} | {step['web_cpu_percent']} % ({step['web_workers']} workers) | "
            f"{step['machine_cpu_percent']} % | {step['load_generator_cpu_percent']} % | "
            f"{fmt(step['pg_connections_max'])} |"
        )
    rec = result["recovery"]
    lines += [
        "",
        "After the load stopped: "
        + (
            f"the home page answered normally after {rec['seconds']} s."
            if rec["seconds"] is not None
            else "the home page did NOT answer normally within 30 s."
        ),
    ]
    if result.get("websockets"):
        held = result["websockets"]
        lines.append(
            f"Websockets held open through the steps: {held.get('opened', 0)} opened, "
            f"{held.get('refused', 0)} refused, {held.get('closed_by_server', 0)} closed by the "
            "server."
        )
    if result.get("stopped_in") is not None:
        lines.append(f"make serve stopped on Ctrl+C in {result['stopped_in']:.1f} s.")
    soaked = result["steps"][0].get("soak") if result["steps"] else None
    if soaked:
        lines += [
            "",
            f"Soak, {result['steps'][0]['users']} users for {result['steps'][0]['seconds']} s: "
            f"task queue {soaked['queue_before']} → {soaked['queue_after']} waiting.",
            "",
            "| process | pid | RSS after warm-up | RSS at the end | growth |",
            "|---|---|---|---|---|",
        ]
        for process in soaked["processes"]:
            lines.append(
                f"| {process['role']} | {process['pid']} | {fmt(process['rss_mib_after_warmup'])}"
                f" MiB | {fmt(process['rss_mib_end'])} MiB | {fmt(process['growth_percent'])} % |"
            )
    last = result["steps"][-1]
    lines += [
        "",
        f"Per page kind at {last['users']} users:",
        "",
        "| page | requests/s | p50 | p95 | p99 | errors |",
        "|---|---|---|---|---|---|",
    ]
    for name, row in last["pages"].items():
        lines.append(
            f"| {name} | {row['rps']} | {fmt(row['p50'])} ms | {fmt(row['p95'])} ms | "
            f"{fmt(row['p99'])} ms | {row['errors']} |"
        )
    errors = [e for step in result["steps"] for e in step["errors"]]
    if errors:
        lines += ["", "Errors:"] + [f"- {e['page']}: {e['error']} ({e['count']})" for e in errors]
    if result.get("profile"):
        profile = result["profile"]
        lines += [
            "",
            f"Where one web worker's time went at {last['users']} users "
            f"(py-spy, {profile['samples']} samples):",
            "",
            "| innermost frame in | share of samples |",
            "|---|---|",
        ]
        lines += [f"| {k} | {v} % |" for k, v in profile["innermost"].items()]
        lines += ["", "| project function (on the stack) | share of samples |", "|---|---|"]
        lines += [f"| `{k}` | {v} % |" for k, v in profile["project_functions"]]
    return "\n".join(lines)


# --- Soak: memory and queue over a long run ---------------------------------------------------


def server_processes() -> dict[int, str]:
    """{pid: role} of the long-lived server processes: web workers, task workers (not RQ's
    per-task work-horses, which come and go) and the scheduler."""
    table = processes()
    found = dict.fromkeys(web_workers(), "web worker")
    for pid, (parent, cmd) in table.items():
        if "run_task_worker" in cmd and "run_task_worker" not in table.get(parent, (0, ""))[1]:
            found[pid] = "task worker"
        elif "run_scheduler" in cmd and "run_scheduler" not in table.get(parent, (0, ""))[1]:
            found[pid] = "scheduler"
    return found


def rss_kib(pid: int) -> int | None:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return None


def queue_depth(url: str) -> int | None:
    """Tasks waiting, as /readyz reports them."""
    with contextlib.suppress(Exception):
        with urllib.request.urlopen(f"{url}/readyz", timeout=5) as response:
            detail = json.load(response)["checks"]["task_queue"]["detail"]
        return int(re.search(r"\((\d+) waiting\)", detail).group(1))
    return None


def soak(environment: Environment, url: str, users: int, warmup: float, seconds: float, sampler):
    """Run `users` for `warmup` then `seconds`; each server process's RSS right after the
    warm-up and at the end, and the task queue's depth at both moments."""
    environment.runner.start(users, spawn_rate=max(5, users / 5))
    while environment.runner.user_count < users:
        gevent.sleep(0.5)
    gevent.sleep(warmup)
    roles = server_processes()
    before = {pid: rss_kib(pid) for pid in roles}
    depth_before = queue_depth(url)
    step = measure_step(environment, users, 0, seconds, sampler)
    after = {pid: rss_kib(pid) for pid in roles}
    step["soak"] = {
        "queue_before": depth_before,
        "queue_after": queue_depth(url),
        "processes": [
            {
                "pid": pid,
                "role": roles[pid],
                "rss_mib_after_warmup": round(before[pid] / 1024, 1) if before[pid] else None,
                "rss_mib_end": round(after[pid] / 1024, 1) if after[pid] else None,
                "growth_percent": round(100 * (after[pid] - before[pid]) / before[pid], 1)
                if before[pid] and after[pid]
                else None,
            }
            for pid in sorted(roles)
        ],
    }
    return step


def soak_problems(step: dict) -> list[str]:
    problems = []
    for process in step["soak"]["processes"]:
        if process["rss_mib_end"] is None:
            problems.append(f"{process['role']} {process['pid']} did not last the soak")
        elif process["growth_percent"] > SOAK_RSS_GROWTH_LIMIT:
            problems.append(
                f"{process['role']} {process['pid']} grew {process['growth_percent']} % "
                f"({process['rss_mib_after_warmup']} → {process['rss_mib_end']} MiB)"
            )
    before, after = step["soak"]["queue_before"], step["soak"]["queue_after"]
    if before is None or after is None or after > before + SOAK_QUEUE_SLACK:
        problems.append(f"task queue grew from {before} to {after}")
    return problems


SOAK_RSS_GROWTH_LIMIT = 10.0  # percent: memory flat
SOAK_QUEUE_SLACK = 10  # tasks: a queue that is being emptied, not growing


def main() -> int:
    parser = argparse.ArgumentParser(description="The rush scenario against make serve.")
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--steps", default="15,20,40,80", help="users per step")
    parser.add_argument("--step-seconds", type=float, default=60)
    parser.add_argument("--warmup", type=float, default=10, help="seconds before measuring")
    parser.add_argument("--members", type=int, default=40, help="load-test member accounts")
    parser.add_argument("--no-seed", action="store_true", help="the data is already there")
    parser.add_argument("--profile", action="store_true", help="py-spy one worker, last step")
    parser.add_argument("--websockets", type=int, default=0, help="open websockets to hold")
    parser.add_argument("--check", action="store_true", help="fail on errors or slow recovery")
    parser.add_argument(
        "--soak",
        type=float,
        default=0,
        help="seconds of one long step at the first --steps value: RSS and queue compared",
    )
    args = parser.parse_args()
    url = args.url.rstrip("/")
    steps = [int(s) for s in args.steps.split(",")]
    OUTPUT.mkdir(parents=True, exist_ok=True)
    os.environ["LOAD_MEMBERS"] = str(args.members)
    locustfile.MEMBER_ACCOUNTS = args.members

    env = trial_env(url)
    loadavg_before = [round(v, 2) for v in os.getloadavg()]
    serve = None if answer(f"{url}/", timeout=3)[0] == 200 else start_serve(url, env)
    result: dict = {}
    sockets = None
    try:
        if not args.no_seed:
            seed(env, args.members)
        warm_up(url)
        sockets = open_websockets(url, args.websockets, args.members) if args.websockets else None
        environment = Environment(
            user_classes=[locustfile.Visitor, locustfile.Member], host=url, events=locust.events
        )
        environment.create_local_runner()
        sampler = Sampler(env)
        measured = []
        profile = None
        if args.soak:
            steps = []
            print(f"Soak: {args.steps.split(',')[0]} users for {args.soak:g} s…", flush=True)
            measured.append(
                soak(
                    environment, url, int(args.steps.split(",")[0]), args.warmup, args.soak, sampler
                )
            )
            for process in measured[-1]["soak"]["processes"]:
                print(
                    f"  {process['role']} {process['pid']}: {process['rss_mib_after_warmup']} → "
                    f"{process['rss_mib_end']} MiB ({process['growth_percent']} %)"
                )
            print(
                f"  task queue: {measured[-1]['soak']['queue_before']} → "
                f"{measured[-1]['soak']['queue_after']} waiting",
                flush=True,
            )
        for index, users in enumerate(steps):
            print(f"Step {index + 1}/{len(steps)}: {users} users…", flush=True)
            if args.profile and index == len(steps) - 1:
                gevent.spawn_later(
                    args.warmup + 5,
                    lambda: measured_profile.append(start_profile(args.step_seconds - 10)),
                )
            measured.append(
                measure_step(environment, users, args.warmup, args.step_seconds, sampler)
            )
            step = measured[-1]
            print(
                f"  {step['all']['rps']} requests/s, p95 {step['all']['p95']} ms, "
                f"{step['all']['errors']} errors",
                flush=True,
            )
        environment.runner.quit()
        rec = recovery(url)
        sampler.stop()
        held = close_websockets(sockets) if sockets else None
        if measured_profile and measured_profile[0]:
            process, output, _pid = measured_profile[0]
            process.wait(60)
            if output.exists():
                profile = summarise_profile(output)
            else:
                print(f"py-spy wrote nothing: {process.stderr.read().strip()}")
        workers = web_workers()
        result = {
            "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            "machine": f"{os.cpu_count()} CPUs, {platform.platform(terse=True)}, "
            f"Python {platform.python_version()}",
            "loadavg_before": loadavg_before,
            "server": server_description(env, len(workers)),
            "steps": measured,
            "recovery": rec,
            "websockets": held,
            "profile": profile,
        }
    finally:
        if sockets is not None and sockets.poll() is None:
            sockets.kill()
        if serve is not None:
            stopped = stop_serve(serve)
            result["stopped_in"] = stopped
            print("make serve stopped." if stopped is not None else "make serve had to be killed.")
    result["loadavg_after"] = [round(v, 2) for v in os.getloadavg()]
    text = report(result)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    (OUTPUT / f"load-{stamp}.json").write_text(json.dumps(result, indent=2))
    (OUTPUT / f"load-{stamp}.md").write_text(text + "\n")
    print("\n" + text + f"\n\n(written to var/load/load-{stamp}.md and .json)")
    if args.check:
        problems = []
        errors = sum(e["count"] for step in result["steps"] for e in step["errors"])
        if errors:
            problems.append(f"{errors} errors")
        if result["recovery"]["seconds"] is None or result["recovery"]["seconds"] > RECOVERY_LIMIT:
            problems.append(f"no normal answer within {RECOVERY_LIMIT} s after the load")
        held = result.get("websockets") or {}
        if held.get("refused") or held.get("closed_by_server"):
            problems.append("websockets refused or closed by the server")
        if serve is not None and result.get("stopped_in") is None:
            problems.append("make serve did not stop on Ctrl+C")
        if args.soak:
            problems += soak_problems(result["steps"][0])
        if problems:
            print("make load: FAILED: " + ", ".join(problems))
            return 1
        print("make load: 0 errors, the site answered normally right after the load.")
    return 0


measured_profile: list = []


def server_description(env: dict[str, str], workers: int) -> str:
    names = [
        "WEB_CONCURRENCY",
        "WEB_REQUESTS_PER_WORKER",
        "DB_POOL_MAX_SIZE",
        "WEB_QUEUE_TIMEOUT",
        "DB_POOL_TIMEOUT",
    ]
    settings = ", ".join(f"{n}={env[n]}" for n in names if env.get(n))
    redis = "Redis" if env.get("REDIS_URL") else "no Redis"
    return f"make serve, {workers} web workers (gunicorn + uvicorn), PostgreSQL + {redis}" + (
        f", {settings}" if settings else ", default settings"
    )


if __name__ == "__main__":
    sys.exit(main())
