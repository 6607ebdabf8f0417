"""ISBN, EAN and ISSN: validation and normalisation to 13 digits.

Library systems store ISBNs in every shape: "978-2-07-036822-8", "2070368228",
"2-07-036822-X (br.)", "ISBN 978 2 07 036822 8". The catalogue keeps one form, 13 digits
without separators, so that an ISBN-10 and its ISBN-13 compare equal:

* an ISBN-10 (check digit 0-9 or X, modulo 11) becomes 978 + its first 9 digits + a
  recomputed EAN check digit;
* an ISBN-13 / EAN-13 (any prefix: books, DVDs, CDs, games) is checked modulo 10;
* a 12-digit UPC-A (American CDs/DVDs) becomes its EAN-13 (a leading 0);
* an ISSN (magazines, UNIMARC 011 / MARC21 022) becomes its EAN-13: 977 + the first 7
  digits + "00" + check digit (the GS1 rule for serials).

Invalid input raises ValueError with a French message (it ends up in import reports read by
librarians).
"""

import re

from django.utils.translation import gettext

__all__ = [
    "ean13_check_digit",
    "is_valid_isbn",
    "isbn13_to_isbn10",
    "isbn_variants",
    "issn_to_ean13",
    "normalise_isbn",
]

# A leading "ISBN", "ISBN-13:", "EAN" … then the number, then anything ("(br.)", ": 12 EUR").
_PREFIX = re.compile(r"^\s*(?:ISBN|EAN|GTIN)(?:[\s-]*1[03])?\s*:?\s*", re.IGNORECASE)
_NUMBER = re.compile(r"[0-9][0-9\s\-‐‑–]*[0-9Xx]?")
_SEPARATORS = re.compile(r"[\s\-‐‑–]")


def ean13_check_digit(first12: str) -> str:
    """The EAN-13 check digit of 12 digits (weights 1, 3, 1, 3…)."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(first12))
    return str((10 - total % 10) % 10)


def _isbn10_check_digit(first9: str) -> str:
    total = sum(int(d) * (10 - i) for i, d in enumerate(first9))
    check = (11 - total % 11) % 11
    return "X" if check == 10 else str(check)


def _candidates(text: str) -> list[str]:
    """Compact forms of the number at the start of `text`, longest first.

    "978 2 07 036822 8" is one number written with spaces, but in "2070368228 12 EUR" the
    number stops before "12": every whitespace-delimited prefix is a candidate.
    """
    text = _PREFIX.sub("", str(text or ""))
    match = _NUMBER.match(text.strip())
    if not match:
        return []
    tokens = match.group().split()
    candidates = []
    for end in range(len(tokens), 0, -1):
        candidates.append(_SEPARATORS.sub("", "".join(tokens[:end])).upper())
    return candidates


def _normalise_compact(digits: str, raw: str) -> str:
    if len(digits) == 10:
        if not digits[:9].isdigit() or not (digits[9].isdigit() or digits[9] == "X"):
            raise ValueError(gettext("malformed ISBN-10: “%(value)s”") % {"value": raw})
        if _isbn10_check_digit(digits[:9]) != digits[9]:
            raise ValueError(
                gettext("invalid ISBN-10 (wrong check digit): “%(value)s”") % {"value": raw}
            )
        body = "978" + digits[:9]
        return body + ean13_check_digit(body)
    if "X" in digits:
        raise ValueError(gettext("malformed ISBN/EAN: “%(value)s”") % {"value": raw})
    if len(digits) == 12:  # UPC-A is an EAN-13 starting with 0
        digits = "0" + digits
    if len(digits) == 13:
        if ean13_check_digit(digits[:12]) != digits[12]:
            raise ValueError(
                gettext("invalid ISBN-13/EAN-13 (wrong check digit): “%(value)s”") % {"value": raw}
            )
        return digits
    raise ValueError(
        gettext("ISBN/EAN of the wrong length (%(digits)d digits instead of 10 or 13): “%(value)s”")
        % {"digits": len(digits), "value": raw}
    )


def normalise_isbn(text: str) -> str:
    """Return the 13-digit form of an ISBN-10, ISBN-13, EAN-13 or UPC-A; ValueError if invalid."""
    raw = str(text or "").strip()
    candidates = _candidates(raw)
    if not candidates:
        raise ValueError(gettext("ISBN/EAN missing or unreadable: “%(value)s”") % {"value": raw})
    errors = []
    # An ISBN (10 or 13) before a 12-digit UPC: "2226036172 12 EUR" is an ISBN-10 and a
    # price, even if "222603617212" happens to have a valid UPC check digit.
    candidates.sort(key=lambda digits: len(digits) not in (10, 13))
    for digits in candidates:
        try:
            return _normalise_compact(digits, raw)
        except ValueError as exc:
            # A checksum error on a number of the right length says more than a length error.
            errors.append(({10: 0, 13: 0, 12: 1}.get(len(digits), 2), exc))
    raise min(errors, key=lambda pair: pair[0])[1]


def is_valid_isbn(text: str) -> bool:
    try:
        normalise_isbn(text)
    except ValueError:
        return False
    return True


def isbn13_to_isbn10(isbn13: str) -> str:
    """The ISBN-10 of a 978-prefixed ISBN-13 ("" when there is none: 979 and other EANs)."""
    if len(isbn13) != 13 or not isbn13.startswith("978"):
        return ""
    body = isbn13[3:12]
    return body + _isbn10_check_digit(body)


def issn_to_ean13(text: str) -> str:
    """The EAN-13 (977…) of an ISSN such as "0395-2037"; ValueError if invalid."""
    raw = str(text or "").strip()
    compact = _SEPARATORS.sub("", raw).upper()
    match = re.match(r"^(?:ISSN:?)?(\d{7}[\dX])", compact)
    if not match:
        raise ValueError(gettext("malformed ISSN: “%(value)s”") % {"value": raw})
    issn = match.group(1)
    total = sum(int(d) * (8 - i) for i, d in enumerate(issn[:7]))
    check = (11 - total % 11) % 11
    if ("X" if check == 10 else str(check)) != issn[7]:
        raise ValueError(gettext("invalid ISSN (wrong check digit): “%(value)s”") % {"value": raw})
    body = "977" + issn[:7] + "00"
    return body + ean13_check_digit(body)


def isbn_variants(text: str) -> list[str]:
    """Every compact form under which `text` may be stored or typed: 13 digits first, then the
    ISBN-10 when one exists. [] when `text` is not a valid ISBN/EAN (for search: "is this
    query an ISBN?")."""
    try:
        isbn13 = normalise_isbn(text)
    except ValueError:
        return []
    variants = [isbn13]
    isbn10 = isbn13_to_isbn10(isbn13)
    if isbn10:
        variants.append(isbn10)
    return variants
