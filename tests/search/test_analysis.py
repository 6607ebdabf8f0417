"""French analysis: folding, stop words, elisions, stemming, ISBNs, query parsing."""

import pytest
from django.db import connection

from search.analysis import analyze, fold, isbn_terms, parse_query, prefix_terms, stem, title_key


def test_fold_removes_accents_case_and_ligatures():
    assert fold("Œuvres COMPLÈTES à Noël") == "oeuvres completes a noel"
    assert fold("ÉTÉ") == fold("été") == "ete"


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("romans", "roman"),
        ("roman", "roman"),
        ("policiers", "polici"),
        ("policier", "polici"),
        ("etrangers", "etranger"),  # Snowball: hence the singular/plural query groups
        ("etranger", "etrang"),
        ("chevaux", "cheval"),
        ("mangas", "mang"),
        ("sorcieres", "sorcier"),
        ("fiction", "fiction"),
        ("1984", "1984"),
    ],
)
def test_snowball_french_stems(word, expected):
    assert stem(word) == expected


def test_plural_and_singular_share_a_stem():
    for singular, plural in [("roman", "romans"), ("bande", "bandes"), ("dessinee", "dessinees")]:
        assert stem(singular) == stem(plural)
    for word in ("etranger", "etrangers", "policier", "policiers"):
        other = word[:-1] if word.endswith("s") else word + "s"
        assert set(parse_query(word).groups[0]) == {stem(word), stem(other)}


def test_elisions_and_stop_words_disappear():
    assert analyze("L'Étranger") == ["etrang"]
    assert analyze("l’étranger") == ["etrang"]
    assert analyze("Qu'il est beau, le roman d'aujourd'hui") == ["beau", "roman", "aujourd", "hui"]
    assert analyze("Les Misérables") == ["miser"]
    assert analyze("à la plage et au soleil") == ["plag", "soleil"]


def test_isbn_terms_with_or_without_hyphens():
    expected = ["9782070360024", "2070360024"]
    assert isbn_terms("978-2-07-036002-4") == expected
    assert isbn_terms("9782070360024") == expected
    assert isbn_terms("2-07-036002-4") == expected
    assert isbn_terms("ISBN 978 2 07 036002 4") == expected
    assert isbn_terms("978-2-07-036002-5") == []  # wrong check digit: not an ISBN


def test_parse_query_recognises_isbns_and_words():
    q = parse_query("978-2-07-036002-4")
    assert q.isbns == ["9782070360024", "2070360024"] and q.terms == []
    q = parse_query("Les romans de l'étranger")
    assert q.words == ["romans", "etranger"] and not q.isbns
    # each word matches its own stem and its singular's / plural's
    assert q.groups == [["roman"], ["etrang", "etranger"]]


@pytest.mark.parametrize(
    "text",
    [
        '"',
        "*",
        "(",
        ")",
        ":",
        "NEAR",
        "AND -",
        'roman" OR "x',
        "a*b(c):d",
        "-roman",
        "^",
        "'",
        "{col}:x",
    ],
)
def test_fts_syntax_is_plain_text(text):
    q = parse_query(text)
    for group in q.groups:
        for term in group:
            assert term.isalnum()


def test_stop_word_only_query_keeps_the_title():
    q = parse_query("Nous")
    assert q.groups == [] and q.title_key == "nous" and not q.is_empty


def test_prefix_terms_keep_the_last_word_as_typed():
    assert prefix_terms("Victor Hu") == ["victor", "hu"]
    assert prefix_terms("la") == ["la"]
    assert prefix_terms("le petit pr") == ["le", "petit", "pr"]
    assert title_key("L'Étranger !") == "l etranger"


WORDS = [
    "romans",
    "policiers",
    "étrangère",
    "étrangers",
    "bandes",
    "dessinées",
    "sorcières",
    "chevaux",
    "histoires",
    "marseillaise",
    "provençale",
    "cuisinière",
    "aventures",
    "mangas",
    "science-fiction",
    "nouvelles",
    "contes",
    "mystérieuse",
    "enquêtes",
    "royaumes",
    "dragons",
    "voyageurs",
    "planètes",
    "galactique",
    "empereur",
    "jardinage",
    "randonnées",
    "photographie",
    "philosophiques",
    "musicales",
    "orchestres",
    "animations",
    "heureusement",
    "rapidement",
    "éternellement",
    "généreuses",
    "généreux",
    "nationalité",
    "activités",
]


@pytest.mark.postgres
@pytest.mark.django_db
def test_python_analysis_matches_postgresql_affinites_fr():
    """The SQLite index (Python analysis) and PostgreSQL's configuration agree word for word."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL=postgres://…)")
    with connection.cursor() as cursor:
        for word in WORDS + ["L'Étranger", "d'aujourd'hui", "à l'été", "Misérables"]:
            cursor.execute("SELECT tsvector_to_array(to_tsvector('affinites_fr', %s))", [word])
            lexemes = set(cursor.fetchone()[0])
            lexemes = {lexeme for lexeme in lexemes if "-" not in lexeme}  # compound forms
            assert lexemes == set(analyze(word)), word
