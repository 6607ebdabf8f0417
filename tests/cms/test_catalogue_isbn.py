"""ISBN / EAN / ISSN validation and normalisation."""

import pytest

from cms.catalogue.isbn import (
    is_valid_isbn,
    isbn13_to_isbn10,
    isbn_variants,
    issn_to_ean13,
    normalise_isbn,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("978-2-07-036822-8", "9782070368228"),
        ("9782070368228", "9782070368228"),
        ("2-07-036822-X", "9782070368228"),  # ISBN-10 with X check digit
        ("2-07-036822-x", "9782070368228"),
        ("207036822X", "9782070368228"),
        ("2070360024", "9782070360024"),  # ISBN-10 → 978 + recomputed check digit
        ("2-07-036002-4", "9782070360024"),
        ("ISBN 978 2 07 036822 8", "9782070368228"),
        ("ISBN-13: 978-2-07-036822-8", "9782070368228"),
        ("2-07-036822-X (br.)", "9782070368228"),  # Koha 010$a qualifier
        ("978-2-07-036822-8 : 7,50 EUR", "9782070368228"),
        ("2226036172 12 EUR", "9782226036179"),  # a price after a space is not part of it
        ("979-10-90636-07-1", "9791090636071"),  # 979 prefix
        ("3259190371927", "3259190371927"),  # EAN-13 of a CD
        ("0 12345 67890 5", "0012345678905"),  # UPC-A → EAN-13
        ("  978‐2‐07‐036822‐8  ", "9782070368228"),  # Unicode hyphens
    ],
)
def test_valid_numbers_are_normalised_to_13_digits(text, expected):
    assert normalise_isbn(text) == expected
    assert is_valid_isbn(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("978-2-07-036822-9", "ISBN-13/EAN-13 invalide (clé de contrôle fausse)"),
        ("2070368228", "ISBN-10 invalide (clé de contrôle fausse)"),  # its check digit is X
        ("2-07-036822-5", "ISBN-10 invalide"),
        ("97820703682", "longueur incorrecte (11 chiffres au lieu de 10 ou 13)"),
        ("12345", "longueur incorrecte"),
        ("X070368228", "absent ou illisible"),
        ("978207036822X", "mal formé"),
        ("", "absent ou illisible"),
        ("pas un isbn", "absent ou illisible"),
    ],
)
def test_invalid_numbers_raise_a_french_value_error(text, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        normalise_isbn(text)
    assert not is_valid_isbn(text)


def test_isbn10_of_an_isbn13():
    assert isbn13_to_isbn10("9782070368228") == "207036822X"
    assert isbn13_to_isbn10("9791090636071") == ""  # 979 has no ISBN-10
    assert isbn13_to_isbn10("3259190371927") == ""


def test_variants_for_search():
    assert isbn_variants("2-07-036822-X") == ["9782070368228", "207036822X"]
    assert isbn_variants("978-2-07-036002-4") == ["9782070360024", "2070360024"]
    assert isbn_variants("9791090636071") == ["9791090636071"]
    assert isbn_variants("Dune") == []
    assert isbn_variants("978-2-07-036822-9") == []


def test_issn_becomes_its_ean13():
    assert issn_to_ean13("0395-2037") == "9770395203003"
    assert issn_to_ean13("ISSN 0395-2037") == "9770395203003"
    assert issn_to_ean13("2049-3630") == "9772049363002"
    with pytest.raises(ValueError, match="ISSN invalide"):
        issn_to_ean13("0395-2038")
    with pytest.raises(ValueError, match="ISSN mal formé"):
        issn_to_ean13("39520")
