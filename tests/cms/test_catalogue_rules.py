"""Subject → interest rules: folding, whole words, Dewey prefixes with a genre."""

import pytest

from cms.catalogue.rules import CompiledRule, InterestMatcher
from cms.catalogue.vocab import fold
from cms.models import SubjectRule

EQUALS = SubjectRule.Match.SUBJECT_EQUALS
CONTAINS = SubjectRule.Match.SUBJECT_CONTAINS
DEWEY = SubjectRule.Match.DEWEY_PREFIX


def matcher(*rules):
    return InterestMatcher.from_rules(
        SubjectRule(match=m, pattern=p, genre=g, interest_id=i) for m, p, g, i in rules
    )


def test_fold():
    assert fold("Science-Fiction") == "science fiction"
    assert fold("  ÉCOLOGIE  urbaine ") == "ecologie urbaine"
    assert fold("Œuvres d'art") == "oeuvres d art"


def test_equals_is_accent_case_and_punctuation_insensitive():
    m = matcher((EQUALS, "Science-fiction", "", 1))
    assert m.match(["SCIENCE FICTION"]) == {1}
    assert m.match(["Science-fiction américaine"]) == set()


def test_contains_matches_whole_words_only():
    m = matcher((CONTAINS, "art", "", 1), (CONTAINS, "bandes dessinées", "", 2))
    assert m.match(["Histoire de l'art"]) == {1}
    assert m.match(["Art contemporain"]) == {1}
    assert m.match(["Départements"]) == set()
    assert m.match(["Bandes dessinees -- Humour"]) == {2}


def test_dewey_prefix_with_and_without_genre():
    m = matcher((DEWEY, "8", "science-fiction", 1), (DEWEY, "641.5", "", 2), (DEWEY, "84", "", 3))
    assert m.match(["Science fiction"], "843.914") == {1, 3}
    assert m.match(["Romans"], "843.914") == {3}
    assert m.match(["Science-fiction"], "530") == set()  # not literature
    assert m.match([], "641.594") == {2}
    assert m.match([], "641") == set()
    assert m.match(["Cuisine"], "") == set()


def test_genre_applies_to_subject_rules_too():
    m = matcher((CONTAINS, "romans", "fantasy", 7))
    assert m.match(["Romans", "Fantasy"]) == {7}
    assert m.match(["Romans"]) == set()


def test_empty_matcher_is_falsy():
    assert not InterestMatcher([])
    assert InterestMatcher([CompiledRule(EQUALS, "x", "", 1)])


@pytest.mark.django_db
def test_from_db(taxonomy):
    SubjectRule.objects.create(match=CONTAINS, pattern="Fantasy", interest=taxonomy["fantasy"])
    SubjectRule.objects.create(
        match=DEWEY, pattern="8", genre="science-fiction", interest=taxonomy["sf"]
    )
    m = InterestMatcher.from_db()
    assert m.match(["Fantasy épique"], "843") == {taxonomy["fantasy"].pk}
    assert m.match(["Science-fiction"], "813.54") == {taxonomy["sf"].pk}
