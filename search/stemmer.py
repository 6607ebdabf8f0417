"""The Snowball French stemmer, for words already folded (lower case, no accents).

A port of snowballstem.org's ``french.sbl`` restricted to unaccented input, because every
backend stems *after* folding accents: PostgreSQL's ``affinites_fr`` text search
configuration runs ``unaccent`` then ``french_stem``, Elasticsearch runs ``asciifolding``
then the French stemmer, and the SQLite FTS5 index stores what this module returns. The
same word therefore gives the same stem on every backend (``tests/search/test_analysis.py``
compares this port with PostgreSQL's ``french_stem`` when PostgreSQL is available).

Rules that only concern accented letters (é, è, ë, ï, ç…) cannot fire on folded words and
are left out.
"""

VOWELS = frozenset("aeiouy")
# Step 4 keeps a final s after these letters (è is folded to e, so it is not among them).
KEEP_WITH_S = frozenset("aious")

_I_VERB_SUFFIXES = sorted(
    [
        "i",
        "ie",
        "ies",
        "ir",
        "ira",
        "irai",
        "iraIent",
        "irais",
        "irait",
        "iras",
        "irent",
        "irez",
        "iriez",
        "irions",
        "irons",
        "iront",
        "is",
        "issaIent",
        "issais",
        "issait",
        "issant",
        "issante",
        "issantes",
        "issants",
        "isse",
        "issent",
        "isses",
        "issez",
        "issiez",
        "issions",
        "issons",
        "it",
    ],
    key=len,
    reverse=True,
)
_VERB_DELETE = frozenset(
    [
        "er",
        "era",
        "erai",
        "eraIent",
        "erais",
        "erait",
        "eras",
        "erez",
        "eriez",
        "erions",
        "erons",
        "eront",
        "ez",
        "iez",
    ]
)
_VERB_A = frozenset(
    [
        "a",
        "ai",
        "aIent",
        "ais",
        "ait",
        "ant",
        "ante",
        "antes",
        "ants",
        "as",
        "asse",
        "assent",
        "asses",
        "assiez",
        "assions",
    ]
)
_VERB_SUFFIXES = sorted(
    ["ions", *_VERB_DELETE, *_VERB_A],
    key=len,
    reverse=True,
)
_STANDARD_SUFFIXES = sorted(
    [
        "ance",
        "iqUe",
        "isme",
        "able",
        "iste",
        "eux",
        "ances",
        "iqUes",
        "ismes",
        "ables",
        "istes",
        "atrice",
        "ateur",
        "ation",
        "atrices",
        "ateurs",
        "ations",
        "logie",
        "logies",
        "usion",
        "ution",
        "usions",
        "utions",
        "ence",
        "ences",
        "ement",
        "ements",
        "if",
        "ive",
        "ifs",
        "ives",
        "eaux",
        "aux",
        "euse",
        "euses",
        "issement",
        "issements",
        "amment",
        "emment",
        "ment",
        "ments",
    ],
    key=len,
    reverse=True,
)
_RESIDUAL_SUFFIXES = ("Ier", "ier", "ion", "e")


def _is_vowel(ch: str) -> bool:
    return ch in VOWELS


def _prelude(word: str) -> list[str]:
    """Mark u and i between vowels, y next to a vowel and u after q as consonants."""
    w = list(word)
    n = len(w)
    for i in range(n):
        ch = w[i]
        if _is_vowel(ch) and i + 1 < n:
            nxt = w[i + 1]
            if nxt == "u" and i + 2 < n and _is_vowel(w[i + 2]):
                w[i + 1] = "U"
                continue
            if nxt == "i" and i + 2 < n and _is_vowel(w[i + 2]):
                w[i + 1] = "I"
                continue
            if nxt == "y":
                w[i + 1] = "Y"
                continue
        if ch == "y" and i + 1 < n and _is_vowel(w[i + 1]):
            w[i] = "Y"
            continue
        if ch == "q" and i + 1 < n and w[i + 1] == "u":
            w[i + 1] = "U"
    return w


def _regions(w: list[str]) -> tuple[int, int, int]:
    n = len(w)
    rv = n
    if (
        n >= 3
        and _is_vowel(w[0])
        and _is_vowel(w[1])
        or n >= 3
        and "".join(w[:3]) in ("par", "col", "tap")
    ):
        rv = 3
    else:
        for i in range(1, n):
            if _is_vowel(w[i]):
                rv = i + 1
                break

    def mark(start: int) -> int:
        # gopast v gopast non-v
        i = start
        while i < n and not _is_vowel(w[i]):
            i += 1
        if i >= n:
            return n
        i += 1
        while i < n and _is_vowel(w[i]):
            i += 1
        if i >= n:
            return n
        return i + 1

    r1 = mark(0)
    r2 = mark(r1) if r1 < n else n
    return rv, r1, r2


class _Word:
    __slots__ = ("w", "rv", "r1", "r2")

    def __init__(self, word: str) -> None:
        self.w = _prelude(word)
        self.rv, self.r1, self.r2 = _regions(self.w)

    @property
    def s(self) -> str:
        return "".join(self.w)

    def ends(self, suffix: str) -> bool:
        return len(self.w) >= len(suffix) and "".join(self.w[-len(suffix) :]) == suffix

    def start_of(self, suffix: str) -> int:
        return len(self.w) - len(suffix)

    def cut(self, length: int) -> None:
        if length:
            del self.w[-length:]

    def replace(self, suffix: str, by: str) -> None:
        self.cut(len(suffix))
        self.w.extend(by)


def _longest(word: _Word, suffixes, limit: int = 0) -> str | None:
    for suffix in suffixes:
        if word.ends(suffix) and word.start_of(suffix) >= limit:
            return suffix
    return None


def _standard_suffix(word: _Word) -> bool | None:
    """Step 1. True: a suffix was removed; False: nothing (go on with step 2a);
    None: -ment and friends were removed and step 2a must run too (Snowball's `fail`)."""
    suffix = _longest(word, _STANDARD_SUFFIXES)
    if suffix is None:
        return False
    start = word.start_of(suffix)
    in_r2 = start >= word.r2
    in_r1 = start >= word.r1
    in_rv = start >= word.rv
    if suffix in (
        "ance",
        "iqUe",
        "isme",
        "able",
        "iste",
        "eux",
        "ances",
        "iqUes",
        "ismes",
        "ables",
        "istes",
    ):
        if not in_r2:
            return False
        word.cut(len(suffix))
        return True
    if suffix in ("atrice", "ateur", "ation", "atrices", "ateurs", "ations"):
        if not in_r2:
            return False
        word.cut(len(suffix))
        if word.ends("ic"):
            if word.start_of("ic") >= word.r2:
                word.cut(2)
            else:
                word.replace("ic", "iqU")
        return True
    if suffix in ("logie", "logies"):
        if not in_r2:
            return False
        word.replace(suffix, "log")
        return True
    if suffix in ("usion", "ution", "usions", "utions"):
        if not in_r2:
            return False
        word.replace(suffix, "u")
        return True
    if suffix in ("ence", "ences"):
        if not in_r2:
            return False
        word.replace(suffix, "ent")
        return True
    if suffix in ("ement", "ements"):
        if not in_rv:
            return False
        word.cut(len(suffix))
        if word.ends("iv"):
            if word.start_of("iv") >= word.r2:
                word.cut(2)
                if word.ends("at") and word.start_of("at") >= word.r2:
                    word.cut(2)
        elif word.ends("eus"):
            if word.start_of("eus") >= word.r2:
                word.cut(3)
            elif word.start_of("eus") >= word.r1:
                word.replace("eus", "eux")
        elif (word.ends("abl") or word.ends("iqU")) and word.start_of("abl") >= word.r2:
            word.cut(3)
        return True
    if suffix in ("if", "ive", "ifs", "ives"):
        if not in_r2:
            return False
        word.cut(len(suffix))
        if word.ends("at") and word.start_of("at") >= word.r2:
            word.cut(2)
            if word.ends("ic"):
                if word.start_of("ic") >= word.r2:
                    word.cut(2)
                else:
                    word.replace("ic", "iqU")
        return True
    if suffix == "eaux":
        word.replace(suffix, "eau")
        return True
    if suffix == "aux":
        if not in_r1:
            return False
        word.replace(suffix, "al")
        return True
    if suffix in ("euse", "euses"):
        if in_r2:
            word.cut(len(suffix))
            return True
        if in_r1:
            word.replace(suffix, "eux")
            return True
        return False
    if suffix in ("issement", "issements"):
        if not in_r1 or start == 0 or _is_vowel(word.w[start - 1]):
            return False
        word.cut(len(suffix))
        return True
    if suffix == "amment":
        if not in_rv:
            return False
        word.replace(suffix, "ant")
        return None
    if suffix == "emment":
        if not in_rv:
            return False
        word.replace(suffix, "ent")
        return None
    # ment, ments: preceded by a vowel in RV
    if start >= 1 and _is_vowel(word.w[start - 1]) and start - 1 >= word.rv:
        word.cut(len(suffix))
        return None
    return False


def _i_verb_suffix(word: _Word) -> bool:
    suffix = _longest(word, _I_VERB_SUFFIXES, limit=word.rv)
    if suffix is None:
        return False
    start = word.start_of(suffix)
    if start - 1 < word.rv or _is_vowel(word.w[start - 1]) or word.w[start - 1] == "H":
        return False
    word.cut(len(suffix))
    return True


def _verb_suffix(word: _Word) -> bool:
    suffix = _longest(word, _VERB_SUFFIXES, limit=word.rv)
    if suffix is None:
        return False
    start = word.start_of(suffix)
    if suffix == "ions":
        if start < word.r2:
            return False
        word.cut(4)
        return True
    word.cut(len(suffix))
    if suffix in _VERB_A and word.ends("e") and word.start_of("e") >= word.rv:
        word.cut(1)
    return True


def _residual_suffix(word: _Word) -> None:
    w = word.w
    if len(w) >= 2 and w[-1] == "s" and w[-2] not in KEEP_WITH_S:
        word.cut(1)
    suffix = _longest(word, _RESIDUAL_SUFFIXES, limit=word.rv)
    if suffix is None:
        return
    start = word.start_of(suffix)
    if suffix == "ion":
        if start >= word.r2 and start - 1 >= word.rv and w[start - 1] in ("s", "t"):
            word.cut(3)
    elif suffix in ("ier", "Ier"):
        word.replace(suffix, "i")
    else:  # e
        word.cut(1)


def _un_double(word: _Word) -> None:
    for ending in ("enn", "onn", "ett", "ell", "eill"):
        if word.ends(ending):
            word.cut(1)
            return


def stem(token: str) -> str:
    """The Snowball French stem of a folded word ("romans" → "roman")."""
    if len(token) < 2 or not token.isalpha():
        return token
    word = _Word(token)
    step1 = _standard_suffix(word)
    done = step1 is True
    if not done:
        done = _i_verb_suffix(word) or _verb_suffix(word)
    if done:
        if word.w and word.w[-1] == "Y":
            word.w[-1] = "i"
    else:
        # Steps 1, 2a and 2b all failed (even when step 1 removed -ment: Snowball's `fail`).
        _residual_suffix(word)
    _un_double(word)
    return word.s.replace("I", "i").replace("U", "u").replace("Y", "y")
