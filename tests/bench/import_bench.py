"""Catalogue import benchmark: throughput and memory, on the configured database.

    .venv/bin/python -m tests.bench.import_bench --records 20000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python -m tests.bench.import_bench

What it does, on a throwaway test database (created and migrated, then destroyed; on
SQLite a file in var/bench/, not the in-memory default, so that RSS measures the importer
and not the database):

1. creates 12 branches with codes and a few subject → interest rules;
2. writes a synthetic UNIMARC file of --records records (cms.catalogue.generator);
3. imports it (all created), then imports it again (all unchanged), then imports a file
   with the same record ids and other content (all updated, unless --no-update-run);
4. reports records/s for each run, and peak RSS (ru_maxrss) plus current RSS after 10,000
   records and at the end of the first import: if memory does not grow with the file,
   the two are close.

Prints a table and writes var/bench/import-<vendor>.json.
"""

import argparse
import json
import os
import platform
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHECKPOINT = 10_000


def _rss_now_mb() -> float:
    try:
        with open("/proc/self/statm") as statm:
            pages = int(statm.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 1e6
    except (OSError, ValueError):
        return float("nan")


def _rss_peak_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1e6 if sys.platform == "darwin" else peak / 1e3


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--no-update-run", action="store_true", help="Skip the all-updated run.")
    parser.add_argument("--output-dir", default=str(ROOT / "var" / "bench"))
    parser.add_argument(
        "--tasks",
        choices=["queued", "immediate"],
        default="queued",
        help="Background tasks (the site search's index sync after each batch): queued in "
        "the database as in production (default), or run inline as in the tests.",
    )
    return parser.parse_args(argv)


def _setup_fixtures():
    from cms.models import Branch, Interest, SubjectRule

    branches = []
    for n in range(1, 13):
        branches.append(
            Branch(
                name=f"Médiathèque {n}",
                slug=f"mediatheque-{n}",
                code=f"B{n:02d}",
                address="1 place de la Mairie",
                postcode="13000",
                commune="Marseille",
                latitude=43.3 + n / 100,
                longitude=5.4,
            )
        )
    Branch.objects.bulk_create(branches)
    imaginaire = Interest.objects.create(name="Imaginaire")
    rules = [
        (
            "dewey_prefix",
            "8",
            "science-fiction",
            Interest.objects.create(name="SF", parent=imaginaire),
        ),
        (
            "dewey_prefix",
            "8",
            "fantasy",
            Interest.objects.create(name="Fantasy", parent=imaginaire),
        ),
        ("subject_contains", "bandes dessinées", "", Interest.objects.create(name="BD")),
        ("subject_contains", "mangas", "", Interest.objects.create(name="Mangas")),
        ("subject_contains", "cuisine", "", Interest.objects.create(name="Cuisine")),
        ("subject_equals", "jazz", "", Interest.objects.create(name="Jazz")),
        ("dewey_prefix", "52", "", Interest.objects.create(name="Astronomie")),
        ("subject_contains", "jeux vidéo", "", Interest.objects.create(name="Jeux vidéo")),
    ]
    SubjectRule.objects.bulk_create(
        SubjectRule(match=m, pattern=p, genre=g, interest=i) for m, p, g, i in rules
    )
    return [b.code for b in branches]


def _run_import(path: Path, label: str, batch_size: int) -> dict:
    from cms.catalogue import import_catalogue

    marks: dict = {}

    def progress(records: int, position) -> None:
        if records >= CHECKPOINT and "rss_peak_at_10k_mb" not in marks:
            marks["rss_peak_at_10k_mb"] = round(_rss_peak_mb(), 1)
            marks["rss_now_at_10k_mb"] = round(_rss_now_mb(), 1)

    print(f"  {label}…", flush=True)
    load_before = os.getloadavg()[0]
    started, cpu_started = time.perf_counter(), time.process_time()
    summary = import_catalogue(path, "unimarc", progress=progress, batch_size=batch_size)
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    return {
        "run": label,
        "records": summary.read,
        "created": summary.created,
        "updated": summary.updated,
        "unchanged": summary.unchanged,
        "rejected": summary.rejected_count,
        "warnings": summary.warning_count,
        "seconds": round(seconds, 2),
        "records_per_s": round(summary.read / seconds) if seconds else None,
        "cpu_seconds": round(cpu_seconds, 2),
        "records_per_cpu_s": round(summary.read / cpu_seconds) if cpu_seconds else None,
        "load_average_1min": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        **marks,
        "rss_peak_end_mb": round(_rss_peak_mb(), 1),
        "rss_now_end_mb": round(_rss_now_mb(), 1),
    }


def _write_file(path: Path, count: int, seed: int, codes: list[str]) -> dict:
    from cms.catalogue.generator import generate_records, write_unimarc

    started = time.perf_counter()
    with open(path, "wb") as stream:
        write_unimarc(generate_records(count, seed=seed, branch_codes=codes), stream)
    return {
        "file": str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path),
        "bytes": path.stat().st_size,
        "seconds": round(time.perf_counter() - started, 2),
    }


def main(argv=None) -> int:
    args = parse_args(argv)
    out_dir = Path(args.output_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.test")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))

    import django
    from django.conf import settings

    if args.tasks == "queued":
        # As deployed: index syncs scheduled by the search package become rows for the worker.
        settings.TASKS = {
            "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
        }
    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    vendor = connection.vendor
    test_settings = connection.settings_dict.setdefault("TEST", {})
    if vendor == "sqlite":
        test_settings["NAME"] = str(out_dir / f"bench-{os.getpid()}.sqlite3")
    else:  # never the test suite's test_<name>, which a concurrent pytest run may be using
        test_settings["NAME"] = f"bench_import_{os.getpid()}"
    setup_test_environment()
    print(f"Creating a throwaway {vendor} database (migrations)…", flush=True)
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    runs, files = [], {}
    try:
        codes = _setup_fixtures()
        main_file = out_dir / f"import-{args.records}.mrc"
        print(f"Writing {args.records} UNIMARC records to {main_file}…", flush=True)
        files["first"] = _write_file(main_file, args.records, args.seed, codes)
        rss_before = {
            "rss_peak_mb": round(_rss_peak_mb(), 1),
            "rss_now_mb": round(_rss_now_mb(), 1),
        }
        print("Importing:", flush=True)
        runs.append(_run_import(main_file, "first import (all new)", args.batch_size))
        runs.append(_run_import(main_file, "re-import (all unchanged)", args.batch_size))
        if not args.no_update_run:
            other = out_dir / f"import-{args.records}-changed.mrc"
            files["changed"] = _write_file(other, args.records, args.seed + 1, codes)
            runs.append(_run_import(other, "import of changed records", args.batch_size))
            other.unlink()
        main_file.unlink()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()

    result = {
        "vendor": vendor,
        "database_version": ".".join(map(str, connection.Database.sqlite_version_info))
        if vendor == "sqlite"
        else str(connection.pg_version if hasattr(connection, "pg_version") else ""),
        "records": args.records,
        "batch_size": args.batch_size,
        "tasks": args.tasks,
        "search_backends_updated": sorted(
            name
            for name, conf in settings.WAGTAILSEARCH_BACKENDS.items()
            if conf.get("AUTO_UPDATE", True)
        ),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "files": files,
        "before_import": rss_before,
        "runs": runs,
    }
    header = (
        f"{'run':<28}{'records':>9}{'created':>9}{'updated':>9}{'unchanged':>10}"
        f"{'wall s':>9}{'rec/s':>8}{'CPU s':>8}{'rec/CPU s':>10}{'load':>12}"
    )
    print()
    print(
        f"Catalogue import benchmark — {vendor}, {args.records} records, "
        f"batch {args.batch_size}, tasks {args.tasks}, search backends updated: "
        + ", ".join(result["search_backends_updated"])
    )
    print(header)
    print("-" * len(header))
    for run in runs:
        load = "→".join(f"{x:.1f}" for x in run["load_average_1min"])
        print(
            f"{run['run']:<28}{run['records']:>9}{run['created']:>9}{run['updated']:>9}"
            f"{run['unchanged']:>10}{run['seconds']:>9}{run['records_per_s']:>8}"
            f"{run['cpu_seconds']:>8}{run['records_per_cpu_s']:>10}{load:>12}"
        )
    first = runs[0]
    print(
        "(CPU s: this process only; on PostgreSQL the server's work is not in it. "
        "load: 1-minute load average before → after, on this machine's "
        f"{os.cpu_count()} CPUs.)"
    )
    print()
    print(f"Memory (first import): before {rss_before['rss_now_mb']} MB resident;")
    if "rss_now_at_10k_mb" in first:
        print(
            f"  after {CHECKPOINT} records: {first['rss_now_at_10k_mb']} MB resident, "
            f"peak {first['rss_peak_at_10k_mb']} MB"
        )
    print(
        f"  after {first['records']} records: {first['rss_now_end_mb']} MB resident, "
        f"peak {first['rss_peak_end_mb']} MB"
    )
    target = out_dir / f"import-{vendor}.json"
    target.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"\nWritten {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
