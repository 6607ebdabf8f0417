"""Feed page A/B benchmark: the feed page of a baseline commit (A) and of the current code (B)
timed in one run, on the same generated dataset, on PostgreSQL (+ Redis when given).

    .venv/bin/python -m tests.bench.feed_ab                       # make bench-feed-ab
    .venv/bin/python -m tests.bench.feed_ab --baseline 201ad7d --rounds 6 \\
        --pg-url postgres://postgres@127.0.0.1:5432/postgres --redis-url redis://127.0.0.1:6379/14
    .venv/bin/python -m tests.bench.feed_ab --regenerate          # a new dataset

1. The baseline's code: ``--baseline-dir`` (a checkout of ``--baseline``, e.g. a detached
   ``git worktree``), or else ``git archive`` of the commit extracted under var/bench/feed-ab/.
2. Database A (``--db-prefix``\\ ``_a``): migrated and filled by the *baseline's* code
   (``manage.py migrate`` then ``manage.py generate_dataset``, feed_bench's default scale).
   Kept between runs: a database whose comment names the same baseline, scale and seed is
   reused (``--regenerate`` drops and rebuilds it).
3. Database B (``_b``): ``CREATE DATABASE … TEMPLATE`` A, then ``manage.py migrate`` by the
   current code, afresh on every run (seconds; B then always matches the current code's
   migrations). Both are ANALYZEd then. Both stay after the run.
4. Timing: each side is a long-lived subprocess (its code first on PYTHONPATH, its database
   in DATABASE_URL, its own Redis prefix for the feed store) importing *its*
   ``tests.bench.feed_bench`` (``tests/bench/_feed_ab_worker.py``): the same sampled members
   (same seed) get their feeds built, then ``time_pages`` times their ``/fil/`` page, the
   trivial view and the empty layout as in feed_bench, ``--chunk`` members at a time, the
   sides taking turns (A B, B A, A B…) so a drift of the machine's load reaches both alike;
   ``--rounds`` passes over the sample. Then each side counts the queries of a feed page at
   two page sizes.

Prints a table (p50/p95 of each side over all rounds, new ÷ old, feed ÷ layout, queries,
load average) with the guards of issue 17, and writes var/bench/feed-ab.json. The databases
stay (re-run the timing alone when the machine is quiet).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from tests.bench._timing import OUTPUT_DIR, ROOT, machine, percentile, print_table, write_report

GUARDS = {"new_over_old": 1.25, "feed_over_layout": 5.0, "p50_ms": 30.0, "p95_ms": 80.0}
WORKER = Path(__file__).with_name("_feed_ab_worker.py")
DATASET_FIELDS = ("members", "items", "events", "announcements", "interactions", "seed")


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="201ad7d", help="Commit measured as A.")
    parser.add_argument(
        "--baseline-dir",
        default="",
        help="A checkout of the baseline (default: git archive under var/bench/feed-ab/).",
    )
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
        help="Any database of the PostgreSQL server (A and B are created beside it).",
    )
    parser.add_argument("--db-prefix", default="feedab", help="Databases <prefix>_a, <prefix>_b.")
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", ""))
    parser.add_argument("--regenerate", action="store_true", help="Drop A and B and rebuild.")
    parser.add_argument("--rounds", type=int, default=4, help="Rounds per side.")
    parser.add_argument("--sample", type=int, default=100, help="Members whose page is timed.")
    parser.add_argument(
        "--chunk", type=int, default=10, help="Members timed on one side before the other's turn."
    )
    parser.add_argument("--page-sizes", default="10,40")
    parser.add_argument("--members", type=int, default=50_000)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=5_000)
    parser.add_argument("--announcements", type=int, default=10_000)
    parser.add_argument("--interactions", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--output-dir", default=str(OUTPUT_DIR))
    return parser.parse_args(argv)


# --- the two checkouts -----------------------------------------------------------------


def git(*args: str, cwd: Path = ROOT) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout.strip()


def baseline_checkout(args, commit: str) -> Path:
    """The baseline's code: --baseline-dir (checked to be at the commit), or an extract of it."""
    if args.baseline_dir:
        path = Path(args.baseline_dir).resolve()
        head = git("rev-parse", "HEAD", cwd=path)
        if head != commit:
            sys.exit(f"{path} is at {head[:10]}, not at the baseline {commit[:10]}.")
        return path
    path = Path(args.output_dir).resolve() / "feed-ab" / commit[:12]
    marker = path / ".feed-ab-commit"
    if not (marker.exists() and marker.read_text().strip() == commit):
        print(f"Extracting the baseline {commit[:10]} into {path}…", flush=True)
        path.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(
            ["git", "archive", "--format=tar", commit], cwd=ROOT, check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(path)], input=archive, check=True)
        marker.write_text(commit)
    return path


def side_env(code: Path, database_url: str, redis_url: str, redis_prefix: str) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "PYTHONPATH", "FEED_STORE"}
    }
    env.update(
        PYTHONPATH=str(code),
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="cms.settings.test",
        FEED_REDIS_PREFIX=redis_prefix,
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def run(command: list[str], code: Path, env: dict, capture: bool = False) -> str:
    done = subprocess.run(
        command, cwd=code, env=env, check=False, text=True, capture_output=capture
    )
    if done.returncode:
        if capture:
            sys.stderr.write(done.stdout[-4000:] + done.stderr[-4000:])
        sys.exit(f"{' '.join(command[:3])}… failed in {code} (exit {done.returncode}).")
    return done.stdout if capture else ""


# --- the two databases -----------------------------------------------------------------


def database_url(server_url: str, name: str) -> str:
    parts = urlsplit(server_url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


class Server:
    """Administration of the PostgreSQL server (create, copy, comment, drop databases)."""

    def __init__(self, url: str) -> None:
        import psycopg

        self.connection = psycopg.connect(
            database_url(url, urlsplit(url).path.lstrip("/") or "postgres"), autocommit=True
        )

    def comment(self, name: str) -> str | None:
        """The database's comment; None when it does not exist."""
        row = self.connection.execute(
            "SELECT coalesce(shobj_description(oid, 'pg_database'), '') FROM pg_database "
            "WHERE datname = %s",
            [name],
        ).fetchone()
        return None if row is None else row[0]

    def execute(self, sql: str, *names: str) -> None:
        from psycopg import sql as psql

        self.connection.execute(psql.SQL(sql).format(*(psql.Identifier(n) for n in names)))

    def set_comment(self, name: str, text: str) -> None:
        from psycopg import sql as psql

        self.connection.execute(
            psql.SQL("COMMENT ON DATABASE {} IS {}").format(
                psql.Identifier(name), psql.Literal(text)
            )
        )

    def drop(self, name: str) -> None:
        self.execute("DROP DATABASE IF EXISTS {} WITH (FORCE)", name)


def dataset_label(commit: str, args) -> str:
    scale = " ".join(f"{name}={getattr(args, name)}" for name in DATASET_FIELDS)
    return f"feed-ab dataset by {commit}: {scale}"


def prepare_databases(args, server: Server, base: Path, commit: str) -> tuple[str, str]:
    """Database A generated by the baseline (reused when its comment matches), B a fresh copy
    of it migrated by the current code. Returns their URLs."""
    name_a, name_b = f"{args.db_prefix}_a", f"{args.db_prefix}_b"
    url_a, url_b = database_url(args.pg_url, name_a), database_url(args.pg_url, name_b)
    label = dataset_label(commit, args)
    if args.regenerate or server.comment(name_a) != label:
        server.drop(name_b)
        server.drop(name_a)
        server.execute("CREATE DATABASE {}", name_a)
        env = side_env(base, url_a, "", "feedab:setup")
        print(f"A: migrating {name_a} with the baseline's code…", flush=True)
        run([sys.executable, "manage.py", "migrate", "-v0"], base, env)
        print(f"A: generating the dataset ({label.split(': ', 1)[1]})…", flush=True)
        started = time.perf_counter()
        sizes = [f"--{name}={getattr(args, name)}" for name in DATASET_FIELDS]
        run([sys.executable, "manage.py", "generate_dataset", *sizes], base, env)
        print(f"A: generated in {time.perf_counter() - started:.0f} s", flush=True)
        server.set_comment(name_a, label)
    else:
        print(f"A: reusing {name_a} ({label})", flush=True)
    # B is copied afresh on every run (seconds), so it always holds the current code's
    # migrations, whatever happened to them since the last run (a renumbering at a merge)
    server.drop(name_b)
    print(f"B: copying {name_a} into {name_b}…", flush=True)
    server.execute("CREATE DATABASE {} TEMPLATE {}", name_b, name_a)
    print(f"B: migrating {name_b} with the current code…", flush=True)
    run(
        [sys.executable, "manage.py", "migrate", "-v0"],
        ROOT,
        side_env(ROOT, url_b, "", "feedab:setup"),
    )
    for url in (url_a, url_b):  # both sides' plans on statistics of the same age
        analyze(url)
    return url_a, url_b


def analyze(url: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("ANALYZE")


# --- timing -----------------------------------------------------------------------------


class Side:
    """A long-lived worker process of one side (``_feed_ab_worker.py``): JSON lines both ways."""

    def __init__(self, name: str, code: Path, env: dict, args) -> None:
        self.name = name
        command = [sys.executable, str(WORKER), "--sample", str(args.sample)]
        self.process = subprocess.Popen(
            [*command, "--seed", str(args.seed)],
            cwd=code,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.ready = self.read()

    def read(self) -> dict:
        for line in self.process.stdout:
            if line.startswith("@@"):
                return json.loads(line[2:])
        sys.exit(f"Side {self.name}'s worker stopped (exit {self.process.wait()}).")

    def ask(self, command: dict) -> dict:
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        return self.read()

    def close(self) -> None:
        if self.process.poll() is None:
            self.ask({"quit": True})
            self.process.wait()


def summarise(side: Side, rounds: list[dict], queries: dict) -> dict:
    """p50 / p95 over all the rounds (and per round) of one side."""
    feed = [ms for r in rounds for ms in r["feed_ms"]]
    layout = [ms for r in rounds for ms in r["layout_ms"]]
    trivial = [ms for r in rounds for ms in r["trivial_ms"]]
    return {
        "feed_p50": percentile(feed, 0.5),
        "feed_p95": percentile(feed, 0.95),
        "layout_p50": percentile(layout, 0.5),
        "layout_p95": percentile(layout, 0.95),
        "trivial_p50": percentile(trivial, 0.5),
        "build_p50": percentile(side.ready["build_ms"], 0.5),
        "round_feed_p50": [round(percentile(r["feed_ms"], 0.5), 2) for r in rounds],
        "round_layout_p50": [round(percentile(r["layout_ms"], 0.5), 2) for r in rounds],
        "entries_shown": sorted({n for r in rounds for n in r["entries"]}),
        "queries": queries,
        "feed_store": side.ready["feed_store"],
        "content_kinds": side.ready["content_kinds"],
        "pages_timed": len(feed),
    }


def measure(sides: dict[str, Side], args) -> tuple[dict, list[float]]:
    """Rounds of every sampled member, `--chunk` members at a time, the sides alternating
    chunk by chunk (A B, B A, A B…): a drift of the machine's load reaches both alike."""
    rounds: dict[str, list[dict]] = {"A": [], "B": []}
    loads: list[float] = []
    chunks = [
        list(range(start, min(start + args.chunk, args.sample)))
        for start in range(0, args.sample, args.chunk)
    ]
    turn = 0
    for n in range(args.rounds):
        started = time.perf_counter()
        merged: dict[str, dict[str, list]] = {"A": {}, "B": {}}
        for chunk in chunks:
            for name in ("A", "B") if turn % 2 == 0 else ("B", "A"):
                pages = sides[name].ask({"time": chunk})
                loads.append(pages.pop("load"))
                for key, values in pages.items():
                    merged[name].setdefault(key, []).extend(values)
            turn += 1
        for name in rounds:
            rounds[name].append(merged[name])
        a, b = (percentile(rounds[name][-1]["feed_ms"], 0.5) for name in ("A", "B"))
        print(
            f"  round {n + 1}: feed p50 A {a:.1f} ms, B {b:.1f} ms ({b / a:.2f}×), "
            f"load {loads[-1]:.2f} ({time.perf_counter() - started:.0f} s)",
            flush=True,
        )
    return rounds, loads


def main(argv=None) -> int:
    args = parse_args(argv)
    commit = git("rev-parse", f"{args.baseline}^{{commit}}")
    current = git("rev-parse", "HEAD")
    dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    base = baseline_checkout(args, commit)
    server = Server(args.pg_url)
    url_a, url_b = prepare_databases(args, server, base, commit)
    server.connection.close()

    # each side its own Redis prefix for the feed store (emptied when its worker stops)
    env_a = side_env(base, url_a, args.redis_url, f"feedab:{os.getpid()}:a")
    env_b = side_env(ROOT, url_b, args.redis_url, f"feedab:{os.getpid()}:b")
    print(f"Sampling {args.sample} members and building their feeds on each side…", flush=True)
    sides = {"A": Side("A", base, env_a, args)}
    try:
        sides["B"] = Side("B", ROOT, env_b, args)
        if sides["A"].ready["members"] != sides["B"].ready["members"]:
            sys.exit("The two sides did not sample the same members.")
        print(
            f"Timing {args.rounds} rounds of {args.sample} members per side, "
            f"{args.chunk} at a time, alternately:",
            flush=True,
        )
        rounds, loads = measure(sides, args)
        sizes = [int(size) for size in args.page_sizes.split(",")][:2]
        queries = {name: side.ask({"queries": sizes})["queries"] for name, side in sides.items()}
    finally:
        for side in sides.values():
            side.close()
    a = summarise(sides["A"], rounds["A"], queries["A"])
    b = summarise(sides["B"], rounds["B"], queries["B"])
    sizes = [str(size) for size in sizes]

    def constant(summary: dict) -> bool:
        small, large = (summary["queries"].get(size, []) for size in sizes)
        kinds = summary["content_kinds"]  # as feed_bench: one hydration query per kind at most
        return bool(small) and max(large) <= max(small) + kinds

    def queries_text(summary: dict) -> str:
        return " → ".join(
            "/".join(str(n) for n in sorted(set(summary["queries"].get(size, []))))
            for size in sizes
        )

    ratio_p50, ratio_p95 = b["feed_p50"] / a["feed_p50"], b["feed_p95"] / a["feed_p95"]
    round_ratios = [
        round(new / old, 2)
        for new, old in zip(b["round_feed_p50"], a["round_feed_p50"], strict=True)
    ]
    paired = [  # the same member's page on both sides, timed a few seconds apart
        new / old
        for r_a, r_b in zip(rounds["A"], rounds["B"], strict=True)
        for old, new in zip(r_a["feed_ms"], r_b["feed_ms"], strict=True)
    ]
    paired_median = percentile(paired, 0.5)
    over_layout = {name: s["feed_p50"] / s["layout_p50"] for name, s in (("A", a), ("B", b))}

    def met(ok: bool) -> str:
        return "met" if ok else "NOT met"

    rows = [
        (
            "feed page p50 (ms)",
            f"{a['feed_p50']:.1f} / {b['feed_p50']:.1f}",
            f"{met(b['feed_p50'] <= GUARDS['p50_ms'])} (≤ {GUARDS['p50_ms']:g} ms)",
        ),
        (
            "feed page p95 (ms)",
            f"{a['feed_p95']:.1f} / {b['feed_p95']:.1f}",
            f"{met(b['feed_p95'] <= GUARDS['p95_ms'])} (≤ {GUARDS['p95_ms']:g} ms)",
        ),
        (
            "new ÷ old, feed p50",
            f"{ratio_p50:.2f}×",
            f"{met(ratio_p50 <= GUARDS['new_over_old'])} (≤ {GUARDS['new_over_old']:g}×); "
            f"per round {round_ratios}",
        ),
        (
            "new ÷ old, same member, median",
            f"{paired_median:.2f}×",
            "each member's page on both sides, a few seconds apart",
        ),
        (
            "new ÷ old, feed p95",
            f"{ratio_p95:.2f}×",
            f"{met(ratio_p95 <= GUARDS['new_over_old'])} (≤ {GUARDS['new_over_old']:g}×)",
        ),
        (
            "empty layout p50 (ms)",
            f"{a['layout_p50']:.1f} / {b['layout_p50']:.1f}",
            "base.html alone, same member",
        ),
        (
            "feed ÷ layout, p50",
            f"{over_layout['A']:.2f}× / {over_layout['B']:.2f}×",
            f"{met(over_layout['B'] <= GUARDS['feed_over_layout'])} "
            f"(≤ {GUARDS['feed_over_layout']:g}×)",
        ),
        ("trivial view p50 (ms)", f"{a['trivial_p50']:.2f} / {b['trivial_p50']:.2f}", ""),
        (
            f"SQL queries per page, size {' → '.join(sizes)}",
            f"{queries_text(a)} / {queries_text(b)}",
            f"{met(constant(b))} (constant)",
        ),
        ("feed build p50 (ms)", f"{a['build_p50']:.1f} / {b['build_p50']:.1f}", "per member"),
    ]
    print_table(
        f"Feed A/B — A = {commit[:10]}, B = {current[:10]}{' (+ changes)' if dirty else ''}; "
        f"PostgreSQL{' + Redis' if args.redis_url else ''} ({a['feed_store']} store), "
        f"{args.members} members, {args.rounds}×{args.sample} pages per side; value: A / B",
        rows,
    )
    print(
        f"load average during the rounds: {min(loads):.2f}–{max(loads):.2f}; now {machine()['loadavg']}"
    )
    result = {
        "benchmark": "feed page A/B",
        "baseline": commit,
        "current": current,
        "current_has_uncommitted_changes": dirty,
        "databases": [url_a.rsplit("/", 1)[1], url_b.rsplit("/", 1)[1]],
        "redis": bool(args.redis_url),
        "dataset": {name: getattr(args, name) for name in DATASET_FIELDS},
        "rounds": args.rounds,
        "chunk": args.chunk,
        "sample": args.sample,
        "A": a,
        "B": b,
        "new_over_old_p50": round(ratio_p50, 3),
        "new_over_old_p95": round(ratio_p95, 3),
        "new_over_old_p50_per_round": round_ratios,
        "new_over_old_same_member_median": round(paired_median, 3),
        "feed_over_layout_p50": {name: round(v, 3) for name, v in over_layout.items()},
        "queries_constant": {"A": constant(a), "B": constant(b)},
        "guards": GUARDS,
        "loadavg_rounds": [min(loads), max(loads)],
        "machine": machine(),
    }
    write_report("feed-ab", result, Path(args.output_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
