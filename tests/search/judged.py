"""The judged query set over the demo catalogue (community/demo/catalogue_a.csv, _b.csv).

Each query lists the record ids a librarian would expect, graded 2 (what was asked for) or
1 (also relevant). Judgments were made by reading the records, not by running the search.
Categories: accents / case / elisions, typos, plurals and stemming, authors in both
orders, ISBNs with and without hyphens, interests and subjects.

The demo CSV carries no ISBN: `ISBNS` gives a few records valid ISBNs (set by
`load_judged_catalogue`) so that ISBN queries can be judged too.

Used by tests/search/test_relevance.py (floors) and tests/bench/search_bench.py (report).
"""

from __future__ import annotations

import math

from cms.catalogue.isbn import ean13_check_digit


def _isbn(body12: str) -> str:
    return body12 + ean13_check_digit(body12)


ISBNS = {
    "DEMO-A0569": "9782070360024",  # L'Étranger, Folio
    "DEMO-A0008": _isbn("978226632048"),  # Dune
    "DEMO-A0936": _isbn("978207040850"),  # Le Petit Prince
    "DEMO-A1021": _isbn("978287706174"),  # La Gloire de mon père
}


def _hyphenate(isbn13: str) -> str:
    return f"{isbn13[:3]}-{isbn13[3]}-{isbn13[4:7]}-{isbn13[7:12]}-{isbn13[12]}"


SIMENON = [f"DEMO-A{n:04d}" for n in range(316, 330)]
TOLKIEN = [f"DEMO-A{n:04d}" for n in range(144, 149)]
HUGO = [f"DEMO-A{n:04d}" for n in range(515, 522)]
CAMUS = [f"DEMO-A{n:04d}" for n in range(569, 573)]
VARGAS = [f"DEMO-A{n:04d}" for n in range(330, 340)]
IZZO = [f"DEMO-A{n:04d}" for n in range(1050, 1055)]
MILES = [f"DEMO-B{n:04d}" for n in range(1, 7)]
RAP_MARSEILLE = [f"DEMO-B{n:04d}" for n in range(67, 88)]
VAMPIRES = [
    "DEMO-A0238",
    "DEMO-A0245",
    "DEMO-A0258",
    "DEMO-A0270",
    "DEMO-A0271",
    "DEMO-A0274",
    "DEMO-A0282",
    "DEMO-A0293",
    "DEMO-A0312",
    "DEMO-A0313",
    "DEMO-A0336",
    "DEMO-A0891",
]
ROBOTS = ["DEMO-A0004", "DEMO-A0005", "DEMO-A0006", "DEMO-A0142", "DEMO-A0861", "DEMO-A0862"]
DYSTOPIAS_SF = [
    "DEMO-A0021",
    "DEMO-A0027",
    "DEMO-A0029",
    "DEMO-A0030",
    "DEMO-A0039",
    "DEMO-A0043",
    "DEMO-A0074",
    "DEMO-A0077",
    "DEMO-A0095",
    "DEMO-A0096",
    "DEMO-A0097",
    "DEMO-A0098",
    "DEMO-A0131",
]
JAZZ_VOCAL = [
    "DEMO-B0009",
    "DEMO-B0016",
    "DEMO-B0018",
    "DEMO-B0023",
    "DEMO-B0045",
    "DEMO-B0046",
    "DEMO-B0057",
    "DEMO-B0058",
    "DEMO-B0059",
    "DEMO-B0060",
    "DEMO-B0061",
    "DEMO-B0062",
    "DEMO-B0063",
]
MIYAZAKI = [
    "DEMO-A0854",
    "DEMO-B0408",
    "DEMO-B0409",
    "DEMO-B0412",
    "DEMO-B0413",
    "DEMO-B0417",
    "DEMO-B0422",
    "DEMO-B0425",
    "DEMO-B0432",
    "DEMO-B0440",
]


def _all(ids, grade=1):
    return dict.fromkeys(ids, grade)


# (category, query, {record id: grade})
JUDGED: list[tuple[str, str, dict[str, int]]] = [
    # accents, case, elisions
    ("accents", "l'etranger", {"DEMO-A0569": 2}),
    ("accents", "L’ÉCUME DES JOURS", {"DEMO-A0514": 2}),
    ("accents", "les miserables", {"DEMO-A0515": 2, "DEMO-B0384": 2}),  # novel and film
    ("accents", "notre dame de paris", {"DEMO-A0516": 2}),
    ("accents", "therese raquin", {"DEMO-A0522": 2}),
    ("accents", "le chateau de ma mere", {"DEMO-A1022": 2, "DEMO-B0314": 2}),
    ("accents", "nausicaa", {"DEMO-A0854": 2, "DEMO-B0408": 2}),
    ("accents", "l'homme qui plantait des arbres", {"DEMO-A1037": 2}),
    ("accents", "cleo de 5 a 7", {"DEMO-B0353": 2}),
    ("accents", "LE PETIT PRINCE", {"DEMO-A0936": 2, "DEMO-B0445": 2}),
    # typos
    ("typos", "fondaton", {"DEMO-A0001": 2, "DEMO-A0002": 1, "DEMO-A0003": 1}),
    ("typos", "harry poter", {"DEMO-A0230": 2, "DEMO-A0231": 2, "DEMO-A0937": 2}),
    ("typos", "germinl", {"DEMO-A0526": 2}),
    ("typos", "simenom", _all(SIMENON)),
    ("typos", "tolkein", _all(TOLKIEN)),
    ("typos", "shakespear hamlet", {"DEMO-A0636": 2}),
    ("typos", "miyasaki", _all(MIYAZAKI)),
    ("typos", "vingt mille lieux sous les mers", {"DEMO-A0060": 2}),
    ("typos", "fahrenheit 541", {"DEMO-A0027": 2}),
    # plurals and stemming
    ("plurals", "vampires", _all(VAMPIRES)),
    ("plurals", "vampire", _all(VAMPIRES)),
    ("plurals", "les robots", {**_all(ROBOTS), "DEMO-A0004": 2}),
    (
        "plurals",
        "souvenirs d'enfance",
        {**_all(["DEMO-A1021", "DEMO-A1022", "DEMO-A1023", "DEMO-A1024"], 2), "DEMO-A0599": 1},
    ),
    (
        "plurals",
        "symphonies",
        _all(
            [
                "DEMO-B0165",
                "DEMO-B0166",
                "DEMO-B0175",
                "DEMO-B0178",
                "DEMO-B0182",
                "DEMO-B0183",
                "DEMO-B0198",
            ]
        ),
    ),
    ("plurals", "romans noirs marseille", {**_all(IZZO[:3], 2), **_all(IZZO[3:])}),
    (
        "plurals",
        "huis clos",
        {
            **_all(
                [
                    "DEMO-A0118",
                    "DEMO-A0261",
                    "DEMO-A0266",
                    "DEMO-A0343",
                    "DEMO-A0345",
                    "DEMO-A0397",
                    "DEMO-A0704",
                ]
            ),
            "DEMO-A0574": 2,
        },
    ),
    # authors, both orders
    ("authors", "Camus, Albert", _all(CAMUS)),
    ("authors", "Albert Camus", _all(CAMUS)),
    ("authors", "Victor Hugo", _all(HUGO)),
    ("authors", "Hugo, Victor", _all(HUGO)),
    ("authors", "Fred Vargas", _all(VARGAS)),
    (
        "authors",
        "agatha christie poirot",
        {
            **_all(["DEMO-A0394", "DEMO-A0395", "DEMO-A0396", "DEMO-A0398", "DEMO-A0399"], 2),
            **_all(["DEMO-A0397", "DEMO-A0400", "DEMO-A0401"]),
        },
    ),
    ("authors", "Jean-Claude Izzo", _all(IZZO)),
    ("authors", "miles davis", _all(MILES)),
    ("authors", "Taniguchi", _all([f"DEMO-A{n:04d}" for n in range(865, 870)])),
    (
        "authors",
        "Pagnol",
        _all(
            [f"DEMO-A{n:04d}" for n in range(1021, 1028)]
            + [f"DEMO-B{n:04d}" for n in range(302, 310)]
        ),
    ),
    # ISBNs
    ("isbn", _hyphenate(ISBNS["DEMO-A0569"]), {"DEMO-A0569": 2}),
    ("isbn", ISBNS["DEMO-A0569"], {"DEMO-A0569": 2}),
    ("isbn", "2-07-036002-4", {"DEMO-A0569": 2}),
    ("isbn", _hyphenate(ISBNS["DEMO-A0008"]), {"DEMO-A0008": 2}),
    ("isbn", ISBNS["DEMO-A0936"], {"DEMO-A0936": 2}),
    ("isbn", "ISBN " + _hyphenate(ISBNS["DEMO-A1021"]), {"DEMO-A1021": 2}),
    # interests and subjects
    (
        "interests",
        "science-fiction dystopie",
        {**_all(DYSTOPIAS_SF), "DEMO-A0027": 2, "DEMO-A0029": 2, "DEMO-A0030": 2},
    ),
    ("interests", "jazz vocal", _all(JAZZ_VOCAL)),
    ("interests", "rap marseillais", _all(RAP_MARSEILLE)),
    (
        "interests",
        "cinema provence",
        _all([f"DEMO-B{n:04d}" for n in [*range(305, 310), *range(311, 316), 333]], 2),
    ),
    ("interests", "manga cuisine", {"DEMO-A0868": 2}),
    ("interests", "bande dessinée gaulois", _all(["DEMO-A0684", "DEMO-A0685", "DEMO-A0686"], 2)),
    ("interests", "musique baroque violon", _all(["DEMO-B0157", "DEMO-B0202"], 2)),
    # titles
    ("titles", "Ravage", {"DEMO-A0064": 2}),
    ("titles", "germinal zola", {"DEMO-A0526": 2}),
    ("titles", "dune", {"DEMO-A0008": 2, "DEMO-A0009": 1, "DEMO-A0010": 1}),
]


def ndcg_at(ranked: list[str], judged: dict[str, int], k: int = 10) -> float:
    dcg = sum((2 ** judged.get(rid, 0) - 1) / math.log2(i + 2) for i, rid in enumerate(ranked[:k]))
    ideal = sorted(judged.values(), reverse=True)[:k]
    idcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def reciprocal_rank(ranked: list[str], judged: dict[str, int], k: int = 10) -> float:
    for i, rid in enumerate(ranked[:k]):
        if judged.get(rid, 0) > 0:
            return 1.0 / (i + 1)
    return 0.0


def load_judged_catalogue() -> int:
    """The demo branches, interests and catalogue (with their holdings), plus ISBNs; then
    the search index. Returns the number of catalogue items."""
    from cms.models import CatalogueItem
    from community.demo.library import load_catalogue
    from community.demo.loader import load_branches, load_interests
    from search import indexing

    load_interests()
    load_branches()
    load_catalogue()
    for record_id, isbn in ISBNS.items():
        CatalogueItem.objects.filter(record_id=record_id).update(isbn=isbn)
    indexing.rebuild()
    return CatalogueItem.objects.count()


def evaluate(search) -> dict:
    """Run every judged query with `search(query) -> [record ids]`: metrics overall and per
    category, and the queries that missed."""
    rows = []
    for category, query, judged in JUDGED:
        ranked = search(query)
        rows.append(
            {
                "category": category,
                "query": query,
                "ndcg": ndcg_at(ranked, judged),
                "rr": reciprocal_rank(ranked, judged),
                "top": ranked[:3],
            }
        )
    by_category: dict[str, dict] = {}
    for row in rows:
        entry = by_category.setdefault(row["category"], {"n": 0, "ndcg": 0.0, "mrr": 0.0})
        entry["n"] += 1
        entry["ndcg"] += row["ndcg"]
        entry["mrr"] += row["rr"]
    for entry in by_category.values():
        entry["ndcg"] /= entry["n"]
        entry["mrr"] /= entry["n"]
    return {
        "queries": len(rows),
        "ndcg@10": sum(r["ndcg"] for r in rows) / len(rows),
        "mrr": sum(r["rr"] for r in rows) / len(rows),
        "by_category": by_category,
        "rows": rows,
    }
