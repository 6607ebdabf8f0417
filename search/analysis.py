"""French text analysis shared by the backends: folding, stop words, stemming, ISBNs.

The pipeline mirrors PostgreSQL's ``affinites_fr`` text search configuration (see the
migration ``0002_vendor_setup``) and the Elasticsearch ``french`` analyzer of
``search/backends/es_documents.py``, so that a word gives the same term everywhere:

1. split on anything that is not a letter or a digit ("l'étranger" → "l", "étranger";
   "science-fiction" → "science", "fiction");
2. drop French stop words, compared before and after folding (the elided articles
   l', d', j', qu'… are stop words: that is how elisions are handled);
3. fold: lower case, no accents ("é" = "e"), œ → oe;
4. stem with Snowball French (PyStemmer, the same Snowball release as PostgreSQL's
   ``french_stem``): "romans" → "roman". Words with a digit are kept as they are (years,
   ISBNs, "r2d2").
"""

import re
import threading
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

import Stemmer

# PyStemmer's stemmers are not thread-safe (a rebuild analyses in a read-ahead thread): one
# per thread.
_stemmers = threading.local()


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The Snowball French stem of a folded word ("romans" → "roman")."""
    stemmer = getattr(_stemmers, "french", None)
    if stemmer is None:
        stemmer = _stemmers.french = Stemmer.Stemmer("french")
    return stemmer.stemWord(word)


__all__ = [
    "STOP_WORDS",
    "ParsedQuery",
    "analyze",
    "fold",
    "isbn_terms",
    "parse_query",
    "prefix_terms",
    "variants",
    "words",
]

# PostgreSQL's tsearch_data/french.stop (the Snowball list), used by every backend.
STOP_WORDS = frozenset(
    [
        "au",
        "aux",
        "avec",
        "ce",
        "ces",
        "dans",
        "de",
        "des",
        "du",
        "elle",
        "en",
        "et",
        "eux",
        "il",
        "je",
        "la",
        "le",
        "leur",
        "lui",
        "ma",
        "mais",
        "me",
        "même",
        "mes",
        "moi",
        "mon",
        "ne",
        "nos",
        "notre",
        "nous",
        "on",
        "ou",
        "par",
        "pas",
        "pour",
        "qu",
        "que",
        "qui",
        "sa",
        "se",
        "ses",
        "son",
        "sur",
        "ta",
        "te",
        "tes",
        "toi",
        "ton",
        "tu",
        "un",
        "une",
        "vos",
        "votre",
        "vous",
        "c",
        "d",
        "j",
        "l",
        "à",
        "m",
        "n",
        "s",
        "t",
        "y",
        "été",
        "étée",
        "étées",
        "étés",
        "étant",
        "étante",
        "étants",
        "étantes",
        "suis",
        "es",
        "est",
        "sommes",
        "êtes",
        "sont",
        "serai",
        "seras",
        "sera",
        "serons",
        "serez",
        "seront",
        "serais",
        "serait",
        "serions",
        "seriez",
        "seraient",
        "étais",
        "était",
        "étions",
        "étiez",
        "étaient",
        "fus",
        "fut",
        "fûmes",
        "fûtes",
        "furent",
        "sois",
        "soit",
        "soyons",
        "soyez",
        "soient",
        "fusse",
        "fusses",
        "fût",
        "fussions",
        "fussiez",
        "fussent",
        "ayant",
        "ayante",
        "ayantes",
        "ayants",
        "eu",
        "eue",
        "eues",
        "eus",
        "ai",
        "as",
        "avons",
        "avez",
        "ont",
        "aurai",
        "auras",
        "aura",
        "aurons",
        "aurez",
        "auront",
        "aurais",
        "aurait",
        "aurions",
        "auriez",
        "auraient",
        "avais",
        "avait",
        "avions",
        "aviez",
        "avaient",
        "eut",
        "eûmes",
        "eûtes",
        "eurent",
        "aie",
        "aies",
        "ait",
        "ayons",
        "ayez",
        "aient",
        "eusse",
        "eusses",
        "eût",
        "eussions",
        "eussiez",
        "eussent",
    ]
    # not in PostgreSQL's list, but "les" is the commonest French word (its stem "le" is
    # dropped from PostgreSQL queries too: search/backends/database.py)
    + ["les"]
)

MAX_QUERY_TERMS = 12
_WORD = re.compile(r"[^\W_]+")
_ISBN_LIKE = re.compile(r"(?<![\w])(?:isbn[\s:-]*)?([0-9][0-9\s\-‐‑–]{8,20}[0-9Xx])(?![\w])", re.I)


def fold(text: str | None) -> str:
    """Lower case, accents removed, ligatures expanded: "Œuvres complètes" → "oeuvres completes"."""
    if not text:
        return ""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return stripped.replace("œ", "oe").replace("æ", "ae").replace("ß", "ss")


def words(text: str | None) -> list[str]:
    """Folded words, stop words kept ("L'Étranger" → ["l", "etranger"])."""
    return _WORD.findall(fold(text))


@lru_cache(maxsize=300_000)
def _index_word(raw: str) -> tuple[str, str] | None:
    """(folded word, term) of a lower-case word, None for a stop word."""
    if raw in STOP_WORDS:
        return None
    word = raw if raw.isascii() else fold(raw)
    if not word or word in STOP_WORDS:
        return None
    return word, _stem_word(word)


def _words(text: str | None) -> list[str]:
    """Folded words without stop words (checked before and after folding, like PostgreSQL)."""
    out = []
    for raw in _WORD.findall((text or "").lower()):
        pair = _index_word(raw)
        if pair is not None:
            out.append(pair[0])
    return out


def _stem_word(word: str) -> str:
    if not word.isascii():  # letters without a decomposition (ø, ł…): keep the folded form
        return word
    return stem(word) if word.isalpha() else word


def _terms(text: str | None) -> list[str]:
    out = []
    for raw in _WORD.findall((text or "").lower()):
        pair = _index_word(raw)
        if pair is not None:
            out.append(pair[1])
    return out


def analyze_for_index(text: str | None, vocabulary: set[str]) -> str:
    """The terms of `text` joined by spaces (an FTS5 column); adds its words to `vocabulary`."""
    out = []
    for raw in _WORD.findall((text or "").lower()):
        pair = _index_word(raw)
        if pair is not None:
            vocabulary.add(pair[0])
            out.append(pair[1])
    return " ".join(out)


@lru_cache(maxsize=300_000)
def _vocabulary_word(raw: str) -> str:
    """The folded form of a lower-case word, "" for a stop word (before or after folding)."""
    if raw in STOP_WORDS:
        return ""
    word = raw if raw.isascii() else fold(raw)
    return "" if word in STOP_WORDS else word


def add_vocabulary(text: str | None, vocabulary: set[str]) -> None:
    """Add the folded words of `text` (stop words left out) to `vocabulary`, as
    analyze_for_index does, without stemming (when the database analyses the text itself)."""
    vocabulary.update(map(_vocabulary_word, set(_WORD.findall((text or "").lower()))))
    vocabulary.discard("")


def variants(word: str) -> list[str]:
    """The word and its singular or plural: Snowball stems "étrangers" as "etranger" but
    "étranger" as "etrang", so a query looks for both forms."""
    if not word.isalpha() or len(word) < 3:
        return [word]
    if word[-1] in "sx" and len(word) > 3:
        return [word, word[:-1]]
    return [word, word + "s"]


def analyze(text: str | None) -> list[str]:
    """Index terms of a text, in order, with repeats (for the SQLite FTS5 columns)."""
    return _terms(text)


def isbn_terms(text: str | None) -> list[str]:
    """The compact forms (13 digits, then the ISBN-10) of every valid ISBN/EAN in `text`."""
    from cms.catalogue.isbn import isbn_variants

    found: list[str] = []
    for match in _ISBN_LIKE.finditer(text or ""):
        for variant in isbn_variants(match.group(1)):
            variant = variant.lower()
            if variant not in found:
                found.append(variant)
    return found


@dataclass
class ParsedQuery:
    """A user query, analysed once for every backend.

    `words`: folded query words without stop words (what typo correction works on);
    `groups`: for each word, the stems that match it (its own and its singular or plural's),
    every group required; `terms`: the first stem of each group; `isbns`: when the query is
    an ISBN (with or without hyphens, 10 or 13 digits), its compact forms (then no words);
    `title_key`: the folded query, to recognise an exact title; `corrections`: typo
    corrections made by a backend {typed: used}.
    """

    text: str
    words: list[str] = field(default_factory=list)
    groups: list[list[str]] = field(default_factory=list)
    isbns: list[str] = field(default_factory=list)
    title_key: str = ""
    corrections: dict[str, str] = field(default_factory=dict)

    @property
    def terms(self) -> list[str]:
        return [group[0] for group in self.groups]

    @property
    def is_empty(self) -> bool:
        return not self.groups and not self.isbns and not self.title_key

    @property
    def corrected_words(self) -> list[str]:
        return [self.corrections.get(word, word) for word in self.words]

    @property
    def corrected_text(self) -> str:
        text = self.text
        for typed, used in self.corrections.items():
            text = re.sub(rf"(?i)(?<!\w){re.escape(typed)}(?!\w)", used, fold(text))
        return text

    def apply_corrections(self, corrections: dict[str, str]) -> None:
        self.corrections.update(corrections)
        self.groups = _groups(self.corrected_words)


def _groups(words_: list[str]) -> list[list[str]]:
    groups: list[list[str]] = []
    for word in words_:
        group: list[str] = []
        for variant in variants(word):
            term = _stem_word(variant)
            if term not in group:
                group.append(term)
        if group not in groups:
            groups.append(group)
    return groups


def title_key(text: str | None) -> str:
    """A title compared whole: folded words joined by single spaces."""
    return " ".join(words(text))[:255]


def parse_query(text: str | None) -> ParsedQuery:
    """Analyse a query; FTS syntax characters (" * ( ) : - NEAR AND…) are plain separators."""
    text = (text or "").strip()
    query = ParsedQuery(text=text, title_key=title_key(text))
    if not text:
        return query
    stripped = _ISBN_LIKE.sub(" ", text)
    isbns = isbn_terms(text)
    if isbns and not _WORD.findall(stripped.replace("isbn", "").replace("ISBN", "")):
        query.isbns = isbns
        return query
    seen: list[str] = []
    for word in _words(text):
        if word not in seen:
            seen.append(word)
    query.words = seen[:MAX_QUERY_TERMS]
    query.groups = _groups(query.words)
    return query


def prefix_terms(text: str | None) -> list[str]:
    """Folded words of a prefix typed in the search box, for suggestions: no stemming, stop
    words kept ("le ch" must find "Le Château…"), the last word is a prefix
    ("victor hu" → ["victor", "hu"])."""
    return words(text)[:MAX_QUERY_TERMS]
