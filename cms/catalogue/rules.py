"""Subject → interest rules (SubjectRule rows), compiled once per import into a matcher.

Comparisons are folded (vocab.fold: no accents, no case, punctuation runs as one space), so
"science-fiction" matches the subject "Science fiction" and "SCIENCE-FICTION".

* subject_equals: a subject, folded, is exactly the pattern, folded;
* subject_contains: the pattern appears in a subject *as whole words* ("art" matches
  "Art contemporain" and "Histoire de l'art", not "Départements");
* dewey_prefix: the record's Dewey number starts with the pattern ("8" matches 843.914,
  "741.5" matches 741.5944);
* genre (optional, any rule): some subject must also contain the genre, as whole words. So
  Dewey "8" + genre "science-fiction" → Imaginaire › Science-fiction only for literature.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from cms.models import SubjectRule

from .vocab import fold


def _dewey(value: str) -> str:
    return "".join(c for c in value if c.isdigit() or c == ".")


def _contains_words(haystack: str, needle: str) -> bool:
    return f" {needle} " in f" {haystack} "


@dataclass(frozen=True, slots=True)
class CompiledRule:
    match: str
    pattern: str  # folded (or Dewey digits)
    genre: str  # folded, "" if none
    interest_id: int


class InterestMatcher:
    """Gives the interest ids a record's subjects and Dewey class map to."""

    def __init__(self, rules: Iterable[CompiledRule]) -> None:
        self.equals: dict[str, list[CompiledRule]] = defaultdict(list)
        self.contains: list[CompiledRule] = []
        self.dewey: list[CompiledRule] = []
        for rule in rules:
            if not rule.pattern:
                continue
            if rule.match == SubjectRule.Match.SUBJECT_EQUALS:
                self.equals[rule.pattern].append(rule)
            elif rule.match == SubjectRule.Match.SUBJECT_CONTAINS:
                self.contains.append(rule)
            elif rule.match == SubjectRule.Match.DEWEY_PREFIX:
                self.dewey.append(rule)

    @classmethod
    def from_rules(cls, rules: Iterable[SubjectRule]) -> "InterestMatcher":
        return cls(
            CompiledRule(
                match=rule.match,
                pattern=_dewey(rule.pattern)
                if rule.match == SubjectRule.Match.DEWEY_PREFIX
                else fold(rule.pattern),
                genre=fold(rule.genre),
                interest_id=rule.interest_id,
            )
            for rule in rules
        )

    @classmethod
    def from_db(cls) -> "InterestMatcher":
        return cls.from_rules(SubjectRule.objects.all())

    def __bool__(self) -> bool:
        return bool(self.equals or self.contains or self.dewey)

    def match(self, subjects: Sequence[str], dewey: str = "") -> set[int]:
        folded = [fold(s) for s in subjects]
        folded = [s for s in folded if s]
        candidates: list[CompiledRule] = []
        for subject in folded:
            candidates.extend(self.equals.get(subject, ()))
            candidates.extend(r for r in self.contains if _contains_words(subject, r.pattern))
        number = _dewey(dewey)
        if number:
            candidates.extend(r for r in self.dewey if number.startswith(r.pattern))
        return {
            rule.interest_id
            for rule in candidates
            if not rule.genre or any(_contains_words(s, rule.genre) for s in folded)
        }
