"""Data file format, text normalisation and in-memory indexes for :mod:`cms.geo`.

The data file ``communes.tsv.gz`` is produced by ``python -m cms.geo.build`` (see that
module for sources and licences). It is a gzip-compressed, tab-separated file with a
header row and one row per commune (or arrondissement municipal)::

    insee name department postcodes other_postcodes lat lon population approximate parent aliases

``postcodes`` (the commune's official postcodes) and ``other_postcodes`` (further postcodes
La Poste uses for some of its addresses) are space-separated, ``approximate`` is ``1`` or ``0``, ``parent`` is the
INSEE code of the city for an arrondissement municipal (Paris, Lyon, Marseille), and
``aliases`` is a ``|``-separated list of former names (communes déléguées / associées).

Only the standard library is used at run time.
"""

from __future__ import annotations

import csv
import gzip
import re
import unicodedata
from bisect import bisect_left
from dataclasses import dataclass
from pathlib import Path

DATA_FILE = Path(__file__).with_name("communes.tsv.gz")
COLUMNS = (
    "insee",
    "name",
    "department",
    "postcodes",
    "other_postcodes",
    "lat",
    "lon",
    "population",
    "approximate",
    "parent",
    "aliases",
)
# Words that never start an autocomplete entry in the middle of a name ("sur", "la" …).
_STOP_WORDS = "a au aux d de des du en et l la le les lez pres s sous sur"
STOP_WORDS = frozenset(_STOP_WORDS.split())
_ARTICLES = ("les ", "le ", "la ", "l ")
_EXPAND = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_NON_WORD = re.compile(r"[\W_]+")
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss"})


@dataclass(frozen=True, slots=True)
class Commune:
    """A French commune or arrondissement municipal, with a point to place it on a map."""

    insee: str
    name: str
    postcodes: tuple[str, ...]
    lat: float
    lon: float
    department: str
    approximate: bool


def normalize(text: str) -> str:
    """Fold *text* for comparisons: lower case, no accents, words separated by one space.

    Hyphens, apostrophes and other punctuation become spaces and the abbreviations
    "st"/"ste" are expanded to "saint"/"sainte".
    """
    text = unicodedata.normalize("NFKD", (text or "").translate(_LIGATURES))
    text = _NON_WORD.sub(" ", _COMBINING.sub("", text).lower())
    return " ".join(_EXPAND.get(word, word) for word in text.split())


def strip_article(name: str) -> str:
    """Return a normalised name without its leading article ("les saintes …" -> "saintes …")."""
    for article in _ARTICLES:
        if name.startswith(article) and len(name) > len(article):
            return name[len(article) :]
    return name


def read_rows(path: Path = DATA_FILE) -> list[dict[str, str]]:
    """Read the raw rows of the data file."""
    with gzip.open(path, "rt", encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        return list(reader)


class Index:
    """All communes and the lookup structures built over them (built once, read-only)."""

    def __init__(self, rows: list[dict[str, str]]) -> None:
        self.communes: list[Commune] = []
        self.population: list[int] = []
        self.by_insee: dict[str, int] = {}
        self.by_name: dict[str, list[int]] = {}
        self.by_alias: dict[str, list[int]] = {}
        self.names: list[frozenset[str]] = []  # every normalised name of each commune
        self.parent: dict[int, int] = {}  # arrondissement municipal -> its city
        postcode_map: dict[str, list[int]] = {}
        secondary: set[tuple[str, int]] = set()  # (postcode, idx) not official
        parents: dict[int, str] = {}
        prefixes: list[tuple[str, int, int]] = []  # (text from a word start, inner?, idx)
        for idx, row in enumerate(rows):
            official, other = row["postcodes"].split(), row["other_postcodes"].split()
            commune = Commune(
                insee=row["insee"],
                name=row["name"],
                postcodes=tuple(sorted(official + other)),
                lat=float(row["lat"]),
                lon=float(row["lon"]),
                department=row["department"],
                approximate=row["approximate"] == "1",
            )
            self.communes.append(commune)
            self.population.append(int(row["population"] or 0))
            self.by_insee[commune.insee] = idx
            if row["parent"]:
                parents[idx] = row["parent"]
            for code in commune.postcodes:
                postcode_map.setdefault(code, []).append(idx)
            secondary.update((code, idx) for code in other)
            norm = normalize(commune.name)
            names = {norm, strip_article(norm)}
            for name in names:
                self.by_name.setdefault(name, []).append(idx)
            aliases = set()
            for alias in filter(None, row["aliases"].split("|")):
                alias = normalize(alias)
                aliases |= {alias, strip_article(alias)} - names
            for name in aliases:
                self.by_alias.setdefault(name, []).append(idx)
            self.names.append(frozenset(names | aliases))
            words = norm.split()
            prefixes.append((norm, 0, idx))
            for i in range(1, len(words)):
                if words[i] not in STOP_WORDS:
                    # Past a leading article ("les saintes maries …") is still the name.
                    inner = 0 if i == 1 and words[0] + " " in _ARTICLES else 1
                    prefixes.append((" ".join(words[i:]), inner, idx))

        pop = self.population
        self.parent = {
            i: self.by_insee[code] for i, code in parents.items() if code in self.by_insee
        }
        self.parent_cities = set(self.parent.values())

        for table in (self.by_name, self.by_alias):
            for ids in table.values():
                ids.sort(key=lambda i: -pop[i])
        # Communes whose official postcode it is come first, arrondissements before the
        # city that contains them, then the most populous.
        self.by_postcode = {
            code: sorted(
                ids, key=lambda i: ((code, i) in secondary, i in self.parent_cities, -pop[i])
            )
            for code, ids in postcode_map.items()
        }
        self.postcodes = sorted(self.by_postcode)
        prefixes.sort()
        # Parallel lists: text from a word start, whether that is the whole name, commune.
        self.prefix_keys = [key for key, _, _ in prefixes]
        self.prefix_full = [inner == 0 for _, inner, _ in prefixes]
        self.prefix_ids = [idx for _, _, idx in prefixes]

    def prefix_range(self, keys: list[str], prefix: str) -> tuple[int, int]:
        """Bounds of the entries of sorted *keys* that start with *prefix*."""
        lo = bisect_left(keys, prefix)
        hi = bisect_left(keys, prefix + "\uffff", lo)
        return lo, hi
