"""Place matching for how people type: short names, abbreviations, typos, the network first.

`match` says which commune a text names, or what it may have meant ("Vouliez-vous dire
Marseille ?"); `rank` orders every plausible commune, best first (autocomplete, and the
hit-rate measure of ``tests/cms/test_place_matching.py``).

How a text is read:

1. a postcode ("13400"), a postcode with a name ("Aix 13090", "13008 Marseille"), an
   arrondissement ("Marseille 5e", "Marseille 13005", "Lyon 3") are looked up directly;
2. otherwise names are compared folded (:func:`cms.geo.data.normalize`: case, accents,
   hyphens, apostrophes, "St"/"Ste"/"Sts" → "Saint"/"Sainte"/"Saints"), after expanding the
   abbreviations people write in addresses ("s/" → "sur", "Pce" → "Provence", "Mt" →
   "Mont", "ND" → "Notre-Dame"…);
3. candidates are the communes whose name is the text (with or without its article, or a
   former name), whose name starts with it, or one of whose words does ("Pennes",
   "Ciotat"); they are ranked by **area** first — the network's départements, then the
   neighbouring ones, then the rest of France (`Area`) — then by how well they match, then
   by population. So "Aix" is Aix-en-Provence for a network in the Bouches-du-Rhône, and
   Aix (Corrèze) is offered as the other possibility;
4. the text names a commune when the best area holds an exact match, or a single commune
   starting with it (three characters at least: "Aubag" → Aubagne); several are a choice
   to offer;
5. when nothing starts with the text, names one or two typing mistakes away are
   suggestions, never an answer ("Marseile" → "Vouliez-vous dire Marseille ?"): an
   optimal string alignment distance (rapidfuzz), which counts a swap of two neighbouring
   letters as one mistake, on the names without spaces (so a missing or extra space or
   hyphen costs nothing), and on the first letters of longer names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import OSA

from cms.geo.data import Commune, Index, normalize, strip_article

EXACT, PREFIX, WORD_PREFIX = 0, 1, 2
MIN_PREFIX_TO_RESOLVE = 3
MAX_FUZZY_RESULTS = 50

# Abbreviations written in addresses, expanded in the query only (normalised words). The
# beginnings of words ("Prov", "Chat") are not here: they already find the names by prefix,
# and "Prov" may be the start of Provins.
_QUERY_ABBREVIATIONS = {
    "pce": "provence",
    "mt": "mont",
    "mts": "monts",
    "nd": "notre dame",
    "gd": "grand",
    "gde": "grande",
    "gds": "grands",
    "vx": "vieux",
    "ss": "sous",
}
_SLASH_ABBREVIATIONS = re.compile(r"\b(s|ss)\s*/\s*", re.IGNORECASE)  # "Fos s/ Mer"
_POSTCODE = re.compile(r"^\d{5}$")
_POSTCODE_IN_TEXT = re.compile(r"^(?:(\d{5}) (.+)|(.+) (\d{5}))$")
_CEDEX = re.compile(r"(?:^| )cedex(?: \d{1,3})?$")
_ARRONDISSEMENT = re.compile(
    r"^(paris|marseille|lyon) 0?(\d{1,2}) ?(?:er|e|eme|ieme|em|me)?(?: arr(?:ondissement)?)?$"
)


@dataclass(frozen=True)
class Area:
    """Where a network is: the départements of its branches, then their neighbours."""

    home: frozenset[str] = frozenset()
    near: frozenset[str] = frozenset()

    def tier(self, department: str) -> int:
        """0 for the network's départements, 1 for their neighbours, 2 for the rest."""
        if department in self.home:
            return 0
        return 1 if department in self.near else 2


NOWHERE = Area()


@dataclass(frozen=True)
class PlaceMatch:
    """What a typed text names: `commune` when it is clear, `suggestions` otherwise.

    When `commune` is set, `suggestions` are the other communes the text could name (Aix in
    Corrèze beside Aix-en-Provence); when it is not, they are what to offer instead
    ("Vouliez-vous dire … ?"), best first, and `typo` says they were found by spelling.
    """

    query: str
    commune: Commune | None = None
    suggestions: tuple[Commune, ...] = field(default_factory=tuple)
    typo: bool = False

    @property
    def found(self) -> bool:
        return self.commune is not None


def department_of(insee: str) -> str:
    """The département of an INSEE code: ``"13"``, ``"2A"``, ``"974"``."""
    insee = (insee or "").strip().upper()
    return insee[:3] if insee.startswith("97") else insee[:2]


def expand_query(text: str) -> str:
    """Fold *text* like the names, with the abbreviations of addresses written in full."""
    text = _SLASH_ABBREVIATIONS.sub(
        lambda m: "sur " if m.group(1).lower() == "s" else "sous ", text
    )
    words = normalize(text).split()
    return " ".join(_QUERY_ABBREVIATIONS.get(word, word) for word in words)


class Matcher:
    """Lookup structures for `match` and `rank`, built once over the index."""

    def __init__(self, index: Index) -> None:
        self.index = index
        communes = index.communes
        # Names without spaces, for spelling mistakes (arrondissements: their city stands).
        compact: dict[str, list[int]] = {}
        for table in (index.by_name, index.by_alias):
            for name, ids in table.items():
                for idx in ids:
                    if idx not in index.parent:
                        compact.setdefault(name.replace(" ", ""), []).append(idx)
        self.compact_names = list(compact)
        self.compact_ids = [tuple(dict.fromkeys(compact[n])) for n in self.compact_names]
        self.department = [c.department for c in communes]

    # --- candidates --------------------------------------------------------------------

    def _exact(self, name: str) -> set[int]:
        found: set[int] = set()
        for table in (self.index.by_name, self.index.by_alias):
            for key in (name, strip_article(name)):
                found.update(table.get(key, ()))
        return found

    def _prefixed(self, name: str) -> dict[int, int]:
        """{commune: PREFIX or WORD_PREFIX} for names, or inner words, starting with *name*.

        The names are indexed with and without their article, so the article the text
        carries is only dropped when nothing matches with it ("Les Saintes-Maries").
        """
        index = self.index
        found: dict[int, int] = {}
        for key in dict.fromkeys((name, strip_article(name))):
            lo, hi = index.prefix_range(index.prefix_keys, key)
            for pos in range(lo, hi):
                idx = index.prefix_ids[pos]
                kind = PREFIX if index.prefix_full[pos] else WORD_PREFIX
                if kind < found.get(idx, WORD_PREFIX + 1):
                    found[idx] = kind
            if found:
                break
        return found

    def candidates(self, name: str, area: Area) -> list[tuple[tuple, int]]:
        """[(rank key, commune)] of the names equal to or starting with *name*, best first.

        Whole names (exact or starting with the text) come before inner words ("Valence" is
        Valence, not Castelnau-Valence next door); then the area's tier, how the name
        matches, and the population.
        """
        population = self.index.population
        kinds = self._prefixed(name)
        for idx in self._exact(name):
            kinds[idx] = EXACT
        ranked = [
            (
                (kind == WORD_PREFIX, area.tier(self.department[idx]), kind, -population[idx], idx),
                idx,
            )
            for idx, kind in kinds.items()
        ]
        ranked.sort()
        return ranked

    def misspelt(self, name: str, area: Area, *, whole_names_only: bool = False) -> list[int]:
        """Communes whose name is one or two typing mistakes away from *name*, best first
        (or whose first letters are one mistake away, unless *whole_names_only*)."""
        compact = name.replace(" ", "")
        if len(compact) < 4:
            return []
        allowed = 1 if len(compact) < 8 else 2
        best: dict[int, tuple] = {}

        def consider(choices: list[int], texts: list[str], partial: int, cutoff: int) -> None:
            hits = process.extract(
                compact, texts, scorer=OSA.distance, score_cutoff=cutoff, limit=MAX_FUZZY_RESULTS
            )
            for _text, distance, position in hits:
                for idx in self.compact_ids[choices[position]]:
                    tier = area.tier(self.department[idx])
                    key = (distance, tier, partial, -self.index.population[idx], idx)
                    if idx not in best or key < best[idx]:
                        best[idx] = key

        # Only names of a length within reach can be that close.
        length = len(compact)
        positions = [
            p
            for size in range(length - allowed, length + allowed + 1)
            for p in self._of_length(size)
        ]
        consider(positions, [self.compact_names[p] for p in positions], 0, allowed)
        if length >= 5 and not whole_names_only:
            # The first letters of a longer name ("Marsiel" → Marseille), first letter right.
            positions = self._longer(length, compact[0])
            heads = [self.compact_names[p][:length] for p in positions]
            consider(positions, heads, 1, 1)
        return sorted(best, key=best.__getitem__)

    @lru_cache(maxsize=64)  # noqa: B019 (one matcher for the process's life)
    def _of_length(self, length: int) -> tuple[int, ...]:
        """Positions in `compact_names` of the names of *length* letters."""
        return tuple(p for p, n in enumerate(self.compact_names) if len(n) == length)

    @lru_cache(maxsize=1024)  # noqa: B019
    def _longer(self, length: int, first: str) -> tuple[int, ...]:
        """Positions of the names longer than *length* starting with the letter *first*."""
        return tuple(
            p for p, n in enumerate(self.compact_names) if len(n) > length and n[0] == first
        )

    # --- reading a text ----------------------------------------------------------------

    def _arrondissement(self, name: str) -> int | None:
        m = _ARRONDISSEMENT.match(name)
        if not m:
            return None
        number = int(m.group(2))
        suffix = "er" if number == 1 else "e"
        ids = self.index.by_name.get(f"{m.group(1)} {number}{suffix} arrondissement")
        return ids[0] if ids else self.index.by_name[m.group(1)][0]

    def _in_postcode(self, postcode: str, name: str, area: Area) -> PlaceMatch | None:
        index = self.index
        ids = index.by_postcode.get(postcode, [])
        if not ids:
            return None
        for idx in ids:  # "Marseille 13005": the arrondissement of that postcode
            parent = index.parent.get(idx)
            if name in index.names[idx] or (parent is not None and name in index.names[parent]):
                return PlaceMatch(name, index.communes[idx])
        here = set(ids) | {index.parent[i] for i in ids if i in index.parent}
        for _key, idx in self.candidates(name, area):  # "Aix 13090"
            if idx in here:
                return PlaceMatch(name, index.communes[idx])
        misspelt = [idx for idx in self.misspelt(name, area) if idx in here]
        # The postcode is surer than a name it does not serve ("Mrs 13008").
        return PlaceMatch(name, index.communes[misspelt[0] if misspelt else ids[0]])

    def match(self, text: str, area: Area, limit: int) -> PlaceMatch:
        index = self.index
        compact = text.replace(" ", "")
        if _POSTCODE.match(compact):
            ids = index.by_postcode.get(compact, [])
            communes = [index.communes[i] for i in ids]
            return PlaceMatch(text, communes[0] if communes else None, tuple(communes[1:limit]))
        name = _CEDEX.sub("", expand_query(text)).strip()
        if not name:
            return PlaceMatch(text)
        arrondissement = self._arrondissement(name)
        if arrondissement is not None:
            return PlaceMatch(text, index.communes[arrondissement])
        both = _POSTCODE_IN_TEXT.match(name)
        if both:
            postcode = both.group(1) or both.group(4)
            name = both.group(2) or both.group(3)
            found = self._in_postcode(postcode, name, area)
            if found is not None:
                return PlaceMatch(text, found.commune)

        ranked = self.candidates(name, area)
        if ranked:
            found = self._decide(text, name, ranked, limit)
            best_tier = ranked[0][0][1]
            if best_tier == 0 or not area.home:
                return found
            # A name of far away may be a typing mistake for one of the network's area
            # ("Cabanes" is in the Tarn; Cabannes is here): offer those first.
            nearby = [
                index.communes[idx]
                for idx in self.misspelt(name, area, whole_names_only=True)
                if area.tier(self.department[idx]) < best_tier
            ]
            chosen = found.commune
            if nearby and best_tier == 2 and area.tier(nearby[0].department) == 0:
                # A commune of the network's own départements one mistake away is likelier
                # than a far one: offer both instead of answering.
                nearby += [chosen] if chosen is not None else []
                chosen = None
            others = nearby + [c for c in found.suggestions if c not in nearby]
            return PlaceMatch(text, chosen, tuple(others[:limit]), chosen is None)
        guesses = self.misspelt(name, area)
        guesses += [i for i in self._without_trailing_words(name, area) if i not in guesses]
        return PlaceMatch(text, None, tuple(index.communes[i] for i in guesses[:limit]), True)

    def _without_trailing_words(self, name: str, area: Area) -> list[int]:
        """Communes of the area named by the text less its last words ("Tarascon sur
        Rhône", "Mallemort de Provence"): suggestions, since the rest names nothing."""
        words = name.split()
        for end in range(len(words) - 1, 0, -1):
            head = " ".join(words[:end])
            if len(head) < MIN_PREFIX_TO_RESOLVE:
                break
            found = [idx for idx in self._exact(head) if area.tier(self.department[idx]) < 2]
            if found:
                return sorted(
                    found, key=lambda i: (area.tier(self.department[i]), -self.index.population[i])
                )
        return []

    def _decide(self, text: str, name: str, ranked, limit: int) -> PlaceMatch:
        """The commune *ranked* names if its best group holds one clear answer."""
        index = self.index
        best = ranked[0][0][:2]  # (inner word?, tier)
        group = [idx for key, idx in ranked if key[:2] == best]
        chosen = None
        if ranked[0][0][2] == EXACT:
            chosen = ranked[0][1]
        elif len(name.replace(" ", "")) >= MIN_PREFIX_TO_RESOLVE:
            # Arrondissements stand for their city: "Marseil" names Marseille alone.
            cities = {index.parent.get(idx, idx) for idx in group}
            if len(cities) == 1:
                chosen = cities.pop()
        others = [
            # After a clear answer, its exact homonyms elsewhere come first.
            (chosen is not None and key[2] != EXACT, position, idx)
            for position, (key, idx) in enumerate(ranked)
            if idx != chosen
        ]
        others.sort()
        communes = tuple(index.communes[idx] for _e, _p, idx in others[: max(limit, 0)])
        return PlaceMatch(text, index.communes[chosen] if chosen is not None else None, communes)

    def rank(self, text: str, area: Area, limit: int) -> list[Commune]:
        """Every plausible commune for *text*, best first (what `match` would offer)."""
        found = self.match(text, area, limit)
        ordered = ([found.commune] if found.commune else []) + list(found.suggestions)
        if found.commune is not None and len(ordered) < limit and not found.typo:
            # After an arrondissement or a postcode, the communes starting with the text.
            name = expand_query(text)
            extra = [self.index.communes[i] for _key, i in self.candidates(name, area)]
            ordered += [c for c in extra if c not in ordered]
        return ordered[:limit]


@lru_cache(maxsize=1)
def matcher() -> Matcher:
    from cms.geo import _index

    return Matcher(_index())


@lru_cache(maxsize=64)
def area_of(departments: frozenset[str], near_km: float = 15.0) -> Area:
    """The `Area` of these départements: themselves, then every département with a commune
    within *near_km* of one of theirs (their neighbours, and a few close by across a corner).
    """
    from cms.geo import _index, haversine_km

    index = _index()
    home = frozenset(d for d in departments if d)
    if not home:
        return NOWHERE
    cell = 0.25  # degrees; larger than near_km in latitude and, in France, in longitude
    grid: dict[tuple[int, int], list[Commune]] = {}
    for commune in index.communes:
        grid.setdefault((int(commune.lat // cell), int(commune.lon // cell)), []).append(commune)
    near: set[str] = set()
    for commune in index.communes:
        if commune.department not in home:
            continue
        row, col = int(commune.lat // cell), int(commune.lon // cell)
        for dr in (-1, 0, 1):
            for dc in (-1, 0, 1):
                for other in grid.get((row + dr, col + dc), ()):
                    if (
                        other.department not in home
                        and other.department not in near
                        and haversine_km(commune.lat, commune.lon, other.lat, other.lon) <= near_km
                    ):
                        near.add(other.department)
    return Area(home, frozenset(near))


def area_for(departments: Iterable[str]) -> Area:
    return area_of(frozenset(departments))
