"""The 422 answer's ``errors``: pydantic's messages in the reader's language.

pydantic writes its messages in English only ("Field required", "Input should be greater
than or equal to 1"). Each error carries a stable ``type`` and the limits in ``ctx``: the
common types get a message of ours through gettext (French by default, the language asked
for with ``Accept-Language``); a type not listed keeps pydantic's text, and ``type`` stays as
pydantic names it, for clients that branch on it.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy


def _fixed(text):
    return lambda ctx: str(text)


def _limit(text, key: str):
    """`text` names the limit ctx[key]: a plural form (ngettext_lazy) or a plain message."""

    def message(ctx: dict) -> str | None:
        try:
            return str(text % {key: ctx[key]})
        except (KeyError, TypeError, ValueError):  # no limit, or not a number for %d
            return None

    return message


def _expected(ctx: dict) -> str | None:
    # pydantic lists the allowed values itself, in English: "'a', 'b' or 'c'"
    expected = str(ctx.get("expected", ""))
    if not expected:
        return None
    head, _or, last = expected.rpartition(" or ")
    if head:
        expected = str(_("%(values)s or %(last)s") % {"values": head, "last": last})
    return str(_("Allowed values: %(expected)s.") % {"expected": expected})


_INTEGER = _fixed(_("A whole number is expected."))
_NUMBER = _fixed(_("A number is expected."))
_BOOLEAN = _fixed(_("A boolean is expected (true or false)."))
_DATE = _fixed(_("A date is expected (YYYY-MM-DD)."))
_DATETIME = _fixed(_("A date and time is expected (ISO 8601, e.g. 2026-03-01T14:30:00+01:00)."))
_OBJECT = _fixed(_("A JSON object is expected."))
_UUID = _fixed(_("A UUID is expected."))

MESSAGES = {
    "missing": _fixed(_("This field is required.")),
    "int_type": _INTEGER,
    "int_parsing": _INTEGER,
    "int_from_float": _INTEGER,
    "float_type": _NUMBER,
    "float_parsing": _NUMBER,
    "bool_type": _BOOLEAN,
    "bool_parsing": _BOOLEAN,
    "string_type": _fixed(_("A string is expected.")),
    "string_too_short": _limit(
        ngettext_lazy(
            "At least %(min_length)d character.",
            "At least %(min_length)d characters.",
            "min_length",
        ),
        "min_length",
    ),
    "string_too_long": _limit(
        ngettext_lazy(
            "At most %(max_length)d character.", "At most %(max_length)d characters.", "max_length"
        ),
        "max_length",
    ),
    "string_pattern_mismatch": _fixed(_("This value does not have the expected format.")),
    "greater_than": _limit(_("Must be greater than %(gt)s."), "gt"),
    "greater_than_equal": _limit(_("Must be at least %(ge)s."), "ge"),
    "less_than": _limit(_("Must be less than %(lt)s."), "lt"),
    "less_than_equal": _limit(_("Must be at most %(le)s."), "le"),
    "date_type": _DATE,
    "date_parsing": _DATE,
    "date_from_datetime_parsing": _DATE,
    "date_from_datetime_inexact": _DATE,
    "datetime_type": _DATETIME,
    "datetime_parsing": _DATETIME,
    "datetime_from_date_parsing": _DATETIME,
    "enum": _expected,
    "literal_error": _expected,
    "list_type": _fixed(_("A list is expected.")),
    "too_short": _limit(
        ngettext_lazy(
            "At least %(min_length)d item.", "At least %(min_length)d items.", "min_length"
        ),
        "min_length",
    ),
    "too_long": _limit(
        ngettext_lazy(
            "At most %(max_length)d item.", "At most %(max_length)d items.", "max_length"
        ),
        "max_length",
    ),
    "dict_type": _OBJECT,
    "model_type": _OBJECT,
    "model_attributes_type": _OBJECT,
    "json_invalid": _fixed(_("The request body is not valid JSON.")),
    "extra_forbidden": _fixed(_("Unknown field.")),
    "uuid_type": _UUID,
    "uuid_parsing": _UUID,
}


def message(error: dict) -> str:
    """The error's message in the active language; pydantic's own for other types."""
    translate = MESSAGES.get(str(error.get("type", "")))
    ctx = error.get("ctx")
    translated = translate(ctx if isinstance(ctx, dict) else {}) if translate else None
    return translated or str(error.get("msg", ""))
