"""Search benchmark: relevance, latency and indexing throughput on the configured database.

    .venv/bin/python -m tests.bench.search_bench --items 100000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python -m tests.bench.search_bench --items 100000

On a throwaway database (SQLite: a file in var/bench/; PostgreSQL: its own test database),
created and migrated, then destroyed:

1. relevance: the demo catalogue (about 1,950 real works) and the judged query set of
   tests/search/judged.py → nDCG@10 and MRR;
2. adds --items synthetic items (cms.catalogue.generator, bulk-inserted with holdings and
   interests) and rebuilds the whole index → rebuild throughput (items/s); beside it, the
   Wagtail database backend's add_bulk on a sample (what the catalogue would cost there);
3. search with facets (a page of hits hydrated, counts of every facet) p50 / p95 over a mix
   of queries and filters, autocomplete p50 — each beside a naive ``icontains`` query doing
   the same job on the same data, with the ratio.

Prints a table and writes var/bench/search-<vendor>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

QUERIES = [
    # (query, filters as a dict for search.backends.base.Filters)
    ("mer", {}),
    ("étoile perdue", {}),
    ("jardin secret", {}),
    ("la forêt sauvage", {}),
    ("Martin", {}),
    ("Anne Dubois", {}),
    ("Giono, Jean", {}),
    ("voyage planète", {}),
    ("orage", {"available": True}),
    ("lumière", {"doc_types": ("livre",)}),
    ("science-fiction", {}),
    ("romans policiers", {}),
    ("cuisine provençale", {}),
    ("mangas", {"audiences": ("ado",)}),
    ("jazz", {"years": ("2000-2009",)}),
    ("l'étranger", {}),
    ("harry potter", {}),
    ("simenon maigret", {}),
    ("jardinnage", {}),
    ("montagne", {"branches": "first", "available": True}),
    ("astronomie", {"languages": ("fre",)}),
    ("rivière mémoire", {}),
    ("9782070360024", {}),
    ("", {"doc_types": ("bd",), "available": True}),
]
PREFIXES = [
    "ma",
    "mar",
    "le ch",
    "jard",
    "vict",
    "harr",
    "sci",
    "la mer",
    "gio",
    "pag",
    "ast",
    "dun",
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--repeat", type=int, default=5, help="Runs of each query (after a warm-up)."
    )
    parser.add_argument(
        "--naive-sample",
        type=int,
        default=1000,
        help="Items indexed row by row through the ORM for the rebuild baseline.",
    )
    parser.add_argument(
        "--engines",
        default="database,framework",
        help="Database search engines measured side by side on the same data "
        "(search.backends: database, framework).",
    )
    parser.add_argument("--output-dir", default=str(ROOT / "var" / "bench"))
    parser.add_argument(
        "--keep-db",
        metavar="NAME",
        help="PostgreSQL: generate into database NAME and keep it; a later run with the same "
        "NAME reuses it (skips relevance and generation, rebuilds unless --skip-rebuild). "
        "Drop it by hand when done.",
    )
    parser.add_argument(
        "--skip-rebuild",
        action="store_true",
        help="With --keep-db on a reused database: search the index as it is.",
    )
    parser.add_argument(
        "--skip-naive",
        action="store_true",
        help="Leave out the naive icontains queries (quicker iterations; no ratios).",
    )
    return parser.parse_args(argv)


# --- data -----------------------------------------------------------------------------------

GENERATOR_INTERESTS = {
    "Science-fiction": "science-fiction",
    "Fantasy": "fantasy",
    "Romans policiers": "polar",
    "Cuisine provençale": "cuisine",
    "Bandes dessinées": "bd-franco-belge",
    "Mangas": "manga",
    "Histoire de Marseille": "histoire-locale",
    "Jardinage": "nature-et-jardinage",
    "Randonnée": "voyages",
    "Musique classique": "musique-classique",
    "Jazz": "jazz",
    "Cinéma d'animation": "cinema-d-animation",
    "Jeux vidéo": "jeux-video",
    "Astronomie": "sciences",
    "Photographie": "arts-et-photo",
}


def generate_items(count: int, seed: int, batch: int = 2000) -> float:
    """Bulk-insert `count` synthetic items with holdings and interests; returns seconds."""
    from django.db import transaction

    from cms.catalogue.generator import generate_records
    from cms.models import Branch, CatalogueItem, Holding, Interest

    branches = dict(Branch.objects.exclude(code="").values_list("code", "pk"))
    interests = dict(Interest.objects.values_list("slug", "pk"))
    through = CatalogueItem.interests.through
    started = time.perf_counter()
    records = generate_records(count, seed=seed, branch_codes=sorted(branches))
    pending: list = []

    def flush(rows):
        with transaction.atomic():
            items = CatalogueItem.objects.bulk_create(
                [
                    CatalogueItem(
                        record_id=r.record_id,
                        title=r.title,
                        authors=" ; ".join(r.authors),
                        doc_type=r.doc_type,
                        isbn=r.isbn,
                        year=r.year,
                        publisher=r.publisher,
                        language=r.language,
                        summary=r.summary,
                        subjects=r.subjects,
                        audience=r.audience,
                    )
                    for r in rows
                ]
            )
            Holding.objects.bulk_create(
                Holding(
                    item_id=item.pk,
                    branch_id=branches[h.branch_code],
                    status=h.status,
                    sort_order=n,
                )
                for item, r in zip(items, rows, strict=True)
                for n, h in enumerate(r.holdings)
            )
            through.objects.bulk_create(
                through(catalogueitem_id=item.pk, interest_id=interests[slug])
                for item, r in zip(items, rows, strict=True)
                for slug in {GENERATOR_INTERESTS.get(s) for s in r.subjects} - {None}
                if slug in interests
            )

    for record in records:
        pending.append(record)
        if len(pending) >= batch:
            flush(pending)
            pending = []
            print(f"\r  {CatalogueItem.objects.count():>7} items", end="", flush=True)
    if pending:
        flush(pending)
    print()
    return time.perf_counter() - started


# --- naive baselines ------------------------------------------------------------------------


def naive_search(query: str, filters) -> None:
    """What a site without a search index would do: icontains on every text column for
    every word, then the same facet counts and a page of 20."""
    from django.db.models import Count, Q

    from cms.models import CatalogueItem, HoldingStatus
    from search.analysis import STOP_WORDS

    qs = CatalogueItem.objects.filter(withdrawn=False)
    for word in [w for w in query.replace("'", " ").split() if w.lower() not in STOP_WORDS]:
        qs = qs.filter(
            Q(title__icontains=word)
            | Q(authors__icontains=word)
            | Q(summary__icontains=word)
            | Q(isbn__icontains=word)
        )
    if filters.doc_types:
        qs = qs.filter(doc_type__in=filters.doc_types)
    if filters.languages:
        qs = qs.filter(language__in=filters.languages)
    if filters.audiences:
        qs = qs.filter(audience__in=filters.audiences)
    if filters.branches:
        qs = qs.filter(holdings__branch__in=filters.branches)
    if filters.available:
        qs = qs.filter(holdings__status=HoldingStatus.AVAILABLE)
    qs = qs.distinct()
    qs.count()
    list(qs.values("doc_type").annotate(n=Count("pk", distinct=True)))
    list(qs.values("language").annotate(n=Count("pk", distinct=True)))
    list(qs.values("audience").annotate(n=Count("pk", distinct=True)))
    list(qs.values("holdings__branch").annotate(n=Count("pk", distinct=True)))
    list(qs.values("interests").annotate(n=Count("pk", distinct=True)))
    list(qs.order_by("-year")[:20])


def naive_suggest(prefix: str) -> None:
    from django.db.models import Q

    from cms.models import CatalogueItem

    list(
        CatalogueItem.objects.filter(
            Q(title__icontains=prefix) | Q(authors__icontains=prefix)
        ).values_list("title", flat=True)[:8]
    )


class _RollBack(Exception):
    pass


# a row-by-row ORM writer cannot go faster than this (one round trip per row, several rows
# per item): a higher figure means nothing was written
IMPOSSIBLE_NAIVE_RATE = 50_000


def naive_rebuild_rate(sample: int) -> tuple[float | None, str]:
    """The rebuild's job done the obvious way, on the first `sample` catalogue items: the same
    document builder, then one ORM statement per row (entry, holding branch, interest,
    suggestion) and one per item for its vocabulary. In a transaction rolled back at the end
    (the index is left as the rebuild made it); items/s extrapolated from the sample.
    Returns (rate, label), or (None, why not) when the figure cannot be right."""
    from django.db import transaction

    from search.analysis import add_vocabulary
    from search.backends.database import entry_fields
    from search.documents import KINDS
    from search.models import (
        SearchEntry,
        SearchEntryBranch,
        SearchEntryInterest,
        SearchSuggestion,
        SearchTerm,
    )

    kind = KINDS["catalogue"]
    items = list(kind.queryset().order_by("pk")[:sample])
    if not items:
        return None, "no catalogue item to index"
    ids = [item.pk for item in items]
    written = 0
    seconds = 0.0
    try:
        with transaction.atomic():
            SearchEntry.objects.filter(kind="catalogue", object_id__in=ids).delete()
            started = time.perf_counter()
            documents = [
                doc
                for n in range(0, len(items), 1000)
                for doc in kind.documents(items[n : n + 1000])
            ]
            for doc in documents:
                entry = SearchEntry.objects.create(**entry_fields(doc))
                for branch_id, available in doc.branches.items():
                    SearchEntryBranch.objects.create(
                        entry=entry, branch_id=branch_id, available=available
                    )
                for interest_id in doc.interests:
                    SearchEntryInterest.objects.create(entry=entry, interest_id=interest_id)
                for suggestion in doc.suggestions:
                    SearchSuggestion.objects.update_or_create(
                        kind=suggestion.kind,
                        ref=suggestion.ref[:64],
                        defaults={
                            "key": suggestion.key,
                            "label": suggestion.label[:300],
                            "detail": suggestion.detail[:300],
                            "url": suggestion.url[:500],
                            "weight": suggestion.weight,
                        },
                    )
                words: set[str] = set()
                add_vocabulary(f"{doc.title} {doc.people} {doc.keywords} {doc.body}", words)
                SearchTerm.objects.bulk_create(
                    [SearchTerm(term=w) for w in words if 4 <= len(w) <= 100 and w.isalpha()],
                    ignore_conflicts=True,
                )
            seconds = time.perf_counter() - started
            written = SearchEntry.objects.filter(kind="catalogue", object_id__in=ids).count()
            raise _RollBack
    except _RollBack:
        pass
    if written != len(items) or not seconds:
        return None, f"the row-by-row baseline wrote {written} entries for {len(items)} items"
    rate = len(items) / seconds
    if rate > IMPOSSIBLE_NAIVE_RATE:
        return None, f"the row-by-row baseline measured an impossible {rate:,.0f} items/s"
    return rate, f"naive row-by-row ORM indexing, {len(items):,} items, extrapolated"


# --- main -----------------------------------------------------------------------------------


def _database_exists(name: str) -> bool:
    """Asked of the server's `postgres` maintenance database: the bench's may not exist yet."""
    import psycopg
    from django.db import connection

    db = connection.settings_dict
    with psycopg.connect(
        dbname="postgres",
        user=db["USER"] or None,
        password=db["PASSWORD"] or None,
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        autocommit=True,
    ) as maintenance:
        found = maintenance.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return found.fetchone() is not None


def main(argv=None) -> int:
    args = parse_args(argv)
    out_dir = Path(args.output_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.test")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))

    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    vendor = connection.vendor
    if args.keep_db:
        if vendor != "postgresql":
            print("--keep-db: PostgreSQL only", file=sys.stderr)
            return 2
        reused = _database_exists(args.keep_db)
        setup_test_environment()
        connection.settings_dict.setdefault("TEST", {})["NAME"] = args.keep_db
        print(f"{'Reusing' if reused else 'Creating'} database {args.keep_db}…", flush=True)
        connection.creation.create_test_db(verbosity=0, keepdb=True, serialize=False)
        try:
            result = run(args, vendor, reuse=reused)
        finally:
            connection.close()
            teardown_test_environment()
    else:
        test_settings = connection.settings_dict.setdefault("TEST", {})
        test_settings["NAME"] = (
            str(out_dir / "search-bench.sqlite3")
            if vendor == "sqlite"
            else f"bench_search_{os.getpid()}"  # never a concurrent run's database
        )
        setup_test_environment()
        print(f"Creating a throwaway {vendor} database (migrations)…", flush=True)
        old_name = connection.creation.create_test_db(
            verbosity=0, autoclobber=True, serialize=False
        )
        try:
            result = run(args, vendor)
        finally:
            connection.close()
            connection.creation.destroy_test_db(old_name, verbosity=0)
            teardown_test_environment()
    path = out_dir / f"search-{vendor}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(f"\nWritten {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return 0


def run(args, vendor: str, reuse: bool = False) -> dict:
    from django.db import connection

    from cms.models import Branch, CatalogueItem
    from search import indexing
    from search.backends import get_backend
    from search.backends.base import Filters
    from tests.search.judged import evaluate, load_judged_catalogue

    backend = get_backend()  # the index writer: every database engine reads the same index
    engines = {name: get_backend(name) for name in args.engines.split(",") if name}
    relevance: dict[str, dict] = {}
    if reuse:
        print("Reused database: relevance and generation skipped.", flush=True)
        demo_items, generate_seconds = None, None
    else:
        print("Relevance: demo catalogue and judged queries…", flush=True)
        demo_items = load_judged_catalogue()
        ids = dict(CatalogueItem.objects.values_list("pk", "record_id"))

        for name, engine in engines.items():

            def ranked(query: str, engine=engine) -> list[str]:
                hits = engine.search(query, page_size=10, hydrate=False).hits
                return [ids[h.object_id] for h in hits if h.kind == "catalogue"]

            relevance[name] = evaluate(ranked)
            relevance[name].pop("rows")

        print(f"Generating {args.items} synthetic items…", flush=True)
        generate_seconds = generate_items(args.items, args.seed)
    total_items = CatalogueItem.objects.count()

    rebuild = None
    if not (reuse and args.skip_rebuild):
        load_rebuild = [round(os.getloadavg()[0], 2)]
        print(f"Rebuilding the index ({total_items} items)…", flush=True)
        started = time.perf_counter()
        documents = indexing.rebuild()
        rebuild_seconds = time.perf_counter() - started
        load_rebuild.append(round(os.getloadavg()[0], 2))
        vacuum_seconds = None
        if vendor == "postgresql":
            # what `search_index --rebuild` (and autovacuum soon after any rebuild) does:
            # planner statistics, visibility map for index-only scans; timed apart
            started = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute("VACUUM (ANALYZE)")
            vacuum_seconds = round(time.perf_counter() - started, 1)
        print(f"Naive baseline: row-by-row ORM indexing of {args.naive_sample} items…", flush=True)
        naive_rate, naive_note = naive_rebuild_rate(args.naive_sample)
        rebuild = {
            "documents": documents,
            "seconds": round(rebuild_seconds, 1),
            "items_per_s": round(documents / rebuild_seconds),
            "then_vacuum_analyze_seconds": vacuum_seconds,
            "load_average_1min": load_rebuild,
            "naive_row_by_row_items_per_s": round(naive_rate) if naive_rate else None,
            "naive_note": naive_note,
            "target_items_per_s": 2000,
        }

    first_branch = Branch.objects.order_by("pk").values_list("pk", flat=True).first()
    cases = []
    for query, raw in QUERIES:
        raw = dict(raw)
        if raw.get("branches") == "first":
            raw["branches"] = (first_branch,)
        cases.append((query, Filters(**raw)))

    naive, suggest_naive = [], []
    if not args.skip_naive:
        print("Naive icontains baselines…", flush=True)
        for query, filters in cases:
            naive += timed(lambda q=query, f=filters: naive_search(q, f), max(2, args.repeat // 2))
        for prefix in PREFIXES:
            suggest_naive += timed(lambda p=prefix: naive_suggest(p), max(2, args.repeat // 2))
    naive = naive or [float("nan")]
    suggest_naive = suggest_naive or [float("nan")]
    naive_p50, naive_p95 = percentile(naive, 0.5), percentile(naive, 0.95)
    auto_naive_p50 = percentile(suggest_naive, 0.5)
    measured = measure(engines, cases, args.repeat)

    print()
    demo = (
        "reused database" if demo_items is None else f"{demo_items} demo + {args.items} generated"
    )
    print(f"Search benchmark — {vendor}, {total_items} catalogue items ({demo})")
    header = "".join(f"{name:>14}" for name in measured)
    print(f"{'measure':<32}{header}{'naive icontains':>18}{'target':>9}")
    targets = {"p50_ms": 25, "p95_ms": 60, "autocomplete_p50_ms": 10}
    for label, key, theirs in (
        ("search with facets p50 (ms)", "p50_ms", naive_p50),
        ("search with facets p95 (ms)", "p95_ms", naive_p95),
        ("autocomplete p50 (ms)", "autocomplete_p50_ms", auto_naive_p50),
    ):
        cells = "".join(f"{m[key]:>14.2f}" for m in measured.values())
        print(f"{label:<32}{cells}{theirs:>18.2f}{targets[key]:>9}")
    if relevance:
        for label, key in (("relevance nDCG@10", "ndcg@10"), ("relevance MRR", "mrr")):
            cells = "".join(f"{relevance[name][key]:>14.3f}" for name in measured)
            print(f"{label:<32}{cells}")
    if rebuild:
        rate, naive_rate = rebuild["items_per_s"], rebuild["naive_row_by_row_items_per_s"]
        if naive_rate:
            print(
                f"{'rebuild (items/s)':<32}{rate:>14,.0f}{naive_rate:>18,.0f}"
                f"{rate / naive_rate:>8.1f}×   (beside: {rebuild['naive_note']})"
            )
        else:
            print(
                f"{'rebuild (items/s)':<32}{rate:>14,.0f}   (no baseline: {rebuild['naive_note']})"
            )
        if rebuild["then_vacuum_analyze_seconds"] is not None:
            print(
                f"  then VACUUM (ANALYZE): {rebuild['then_vacuum_analyze_seconds']} s "
                "(not counted in the rebuild rate)"
            )
        print(
            f"load average (1 min, {os.cpu_count()} CPUs): rebuild {rebuild['load_average_1min']}"
        )
    for name, m in measured.items():
        print(f"\n{name}: load average (1 min, {os.cpu_count()} CPUs) {m['load_average_1min']}")
        print(f"{'query':<28}{'filters':<40}{'total':>8}{'p50 ms':>9}{'max ms':>9}")
        for entry in m["queries"]:
            print(
                f"{entry['query'][:27]:<28}{str(entry['filters'])[:39]:<40}{entry['total']:>8}"
                f"{entry['p50_ms']:>9.1f}{entry['max_ms']:>9.1f}"
            )
        if name in relevance:
            for category, entry in sorted(relevance[name]["by_category"].items()):
                print(
                    f"  {category:<30}nDCG@10 {entry['ndcg']:.3f}  MRR {entry['mrr']:.3f}"
                    f"  (n={entry['n']})"
                )

    return {
        "vendor": vendor,
        "backend": backend.name,
        "items": total_items,
        "generated_items": None if reuse else args.items,
        "demo_items": demo_items,
        "reused_database": reuse,
        "repeat": args.repeat,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "generate_seconds": round(generate_seconds, 1) if generate_seconds else None,
        "naive": {
            "search_with_facets_p50_ms": round(naive_p50, 2),
            "search_with_facets_p95_ms": round(naive_p95, 2),
            "autocomplete_p50_ms": round(auto_naive_p50, 2),
        },
        "targets_postgresql_ms": targets,
        "engines": {name: {**m, "relevance": relevance.get(name)} for name, m in measured.items()},
        "rebuild": rebuild,
    }


def measure(engines: dict, cases, repeat: int) -> dict[str, dict]:
    """Search with facets (a page of hits hydrated, every facet counted) p50 / p95 over the
    cases, and autocomplete p50, for each engine. The engines take turns on each query (the
    same moment of a loaded machine for both), then the figures are per engine."""
    names = list(engines)
    load = [round(os.getloadavg()[0], 2)]
    print(f"Search with facets, {', '.join(names)} in turn…", flush=True)
    timings: dict[str, list[float]] = {name: [] for name in names}
    per_query: dict[str, list[dict]] = {name: [] for name in names}
    for query, filters in cases:
        for engine in engines.values():
            engine.search(query, filters=filters)  # warm-up
        mine: dict[str, list[float]] = {name: [] for name in names}
        for _ in range(repeat):
            for name, engine in engines.items():
                mine[name] += timed(lambda q=query, f=filters, e=engine: e.search(q, filters=f), 1)
        for name, engine in engines.items():
            timings[name] += mine[name]
            per_query[name].append(
                {
                    "query": query,
                    "filters": {k: v for k, v in filters.__dict__.items() if v},
                    "total": engine.search(query, filters=filters, hydrate=False).total,
                    "p50_ms": round(statistics.median(mine[name]), 2),
                    "max_ms": round(max(mine[name]), 2),
                }
            )
    print("Autocomplete…", flush=True)
    suggest: dict[str, list[float]] = {name: [] for name in names}
    for prefix in PREFIXES:
        for engine in engines.values():
            engine.suggest(prefix)
        for _ in range(repeat):
            for name, engine in engines.items():
                suggest[name] += timed(lambda p=prefix, e=engine: e.suggest(p), 1)
    load.append(round(os.getloadavg()[0], 2))
    return {
        name: {
            "p50_ms": round(percentile(timings[name], 0.5), 2),
            "p95_ms": round(percentile(timings[name], 0.95), 2),
            "autocomplete_p50_ms": round(percentile(suggest[name], 0.5), 2),
            "load_average_1min": load,
            "queries": per_query[name],
        }
        for name in names
    }


if __name__ == "__main__":
    sys.exit(main())
