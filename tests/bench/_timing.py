"""What the feed and websocket benchmarks share: Django on a throwaway database, percentiles,
the machine's state (load average, CPUs), the JSON report and the printed table.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import resource
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUTPUT_DIR = ROOT / "var" / "bench"


def percentile(values: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks (q in [0, 1])."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def machine() -> dict:
    """Where the figures were measured: the load average matters on a shared machine."""
    one, five, fifteen = os.getloadavg()
    return {
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "cpus": os.cpu_count(),
        "loadavg": [round(one, 2), round(five, 2), round(fifteen, 2)],
    }


def raise_open_files_limit(needed: int) -> tuple[int, int]:
    """Raise the soft RLIMIT_NOFILE to `needed` (up to the hard limit); returns (soft, hard)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
        soft = wanted
    return soft, hard


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.test")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


@contextlib.contextmanager
def throwaway_database(label: str, output_dir: Path = OUTPUT_DIR) -> Iterator[str]:
    """Create and migrate a database of its own (SQLite: a file in var/bench/; PostgreSQL:
    ``bench_<label>_<pid>`` on the configured server), yield the vendor, destroy it."""
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    output_dir.mkdir(parents=True, exist_ok=True)
    vendor = connection.vendor
    test_settings = connection.settings_dict.setdefault("TEST", {})
    test_settings["NAME"] = (
        str(output_dir / f"{label}-bench.sqlite3")
        if vendor == "sqlite"
        else f"bench_{label}_{os.getpid()}"  # never a concurrent run's database
    )
    setup_test_environment()
    print(f"Creating a throwaway {vendor} database (migrations)…", flush=True)
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        yield vendor
    finally:
        connection.close()
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


def database_url() -> str:
    """A DATABASE_URL for the database Django is connected to (to hand to a subprocess)."""
    from django.db import connection

    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(settings['NAME']).resolve()}"
    credentials = settings["USER"] or ""
    if settings.get("PASSWORD"):
        credentials += f":{settings['PASSWORD']}"
    host = settings.get("HOST") or "127.0.0.1"
    port = f":{settings['PORT']}" if settings.get("PORT") else ""
    at = f"{credentials}@" if credentials else ""
    return f"postgres://{at}{host}{port}/{settings['NAME']}"


def write_report(name: str, result: dict, output_dir: Path = OUTPUT_DIR) -> Path:
    output_dir.mkdir(parents=True, exist_ok=True)
    path = output_dir / f"{name}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    print(f"\nWritten {shown}")
    return path


def print_table(title: str, rows: Sequence[tuple[str, str, str]]) -> None:
    """rows: (measure, value, target or comment)."""
    width = max([len(row[0]) for row in rows] + [30]) + 2
    print()
    print(title)
    print(f"{'measure':<{width}}{'value':>16}   target / note")
    for label, value, note in rows:
        print(f"{label:<{width}}{value:>16}   {note}")
