"""Untrusted request values, parsed in one place: ids, `next` targets, JSON bodies.

Bad input gets a clear refusal (404, 400, a form error), never a 500:

- ids: every primary key is a positive 64-bit integer; a larger value would overflow the
  database's integer (PostgreSQL ``bigint out of range``, SQLite ``OverflowError``). The path
  converter ``<id:name>`` matches 1 … 2**63-1 only (and ``<text:name>`` is ``str`` without
  control characters) (anything else is a 404 before the view),
  ``parse_id()`` reads a query or form value, and ``IdModelChoiceField`` /
  ``IdModelMultipleChoiceField`` refuse such a value as a form error before any query.
- ``next``: ``safe_next()`` keeps a same-site path only, and ``redirect_next()`` answers with
  it as a URL. Django's ``redirect()`` reads a bare word (``next=abc``) as a view name and
  fails on it, so user text never goes through it.
- JSON: ``load_json()`` refuses a body nested deeper than a limit before ``json.loads`` (whose
  decoder recurses and raises ``RecursionError`` on a few thousand brackets).
"""

from __future__ import annotations

import json

from django import forms
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.urls import register_converter
from django.utils.http import url_has_allowed_host_and_scheme

MAX_ID = 2**63 - 1
_MAX_ID_DIGITS = len(str(MAX_ID))


def parse_id(value) -> int | None:
    """A positive id from a query or form value (ASCII digits only), else None."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 1 <= value <= MAX_ID else None
    text = str(value if value is not None else "").strip()
    if not text or len(text) > _MAX_ID_DIGITS or not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


class IdConverter:
    """``<id:page_id>``: 1 … 2**63-1; any other value does not match (404)."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = parse_id(value)
        if number is None:
            raise ValueError("id out of range")  # Django: no match, the resolver goes on
        return number

    def to_url(self, value) -> str:
        return str(int(value))


register_converter(IdConverter, "id")


class TextConverter:
    """``<text:handle>``: Django's ``str`` without control characters (PostgreSQL refuses
    NUL in text, so ``/membres/%00/`` would fail in the database instead of being a 404)."""

    regex = "[^/\\x00-\\x1f\\x7f]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value) -> str:
        return str(value)


register_converter(TextConverter, "text")


class IdModelChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField keyed by id that refuses a non-id before querying."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if not isinstance(value, self.queryset.model) and parse_id(value) is None:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return super().to_python(value)


class IdModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """A ModelMultipleChoiceField keyed by id that refuses non-ids before querying."""

    def clean(self, value):
        # Django's own checks answer a value that is not a list ("invalid_list")
        for pk in value if isinstance(value, list | tuple) else ():
            if not isinstance(pk, self.queryset.model) and parse_id(pk) is None:
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": str(pk)[:30]},
                )
        return super().clean(value)


# --- next ----------------------------------------------------------------------------------


def safe_next(request: HttpRequest, fallback: str = "/") -> str:
    """The request's ``next`` (POST, then GET) when it is a path on this site, else
    ``fallback`` (a URL or a URL name, resolved here: never user text)."""
    target = str(request.POST.get("next") or request.GET.get("next") or "")
    if is_site_path(request, target):
        return target
    return resolve_url(fallback)


def is_site_path(request: HttpRequest, target: str) -> bool:
    """A path of this site: starts with one "/" (not "//" nor "/\\"), allowed host and
    scheme per Django's check (control characters, backslashes and schemes refused)."""
    return (
        bool(target)
        and len(target) <= 2000
        and target.startswith("/")
        and not target.startswith(("//", "/\\"))
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    )


def redirect_next(request: HttpRequest, fallback: str = "/") -> HttpResponseRedirect:
    """Redirect to the safe ``next`` or to ``fallback``."""
    return HttpResponseRedirect(safe_next(request, fallback))


# --- JSON ----------------------------------------------------------------------------------

MAX_JSON_DEPTH = 20


class JSONRefused(ValueError):
    """Not a JSON document this site takes (malformed, or nested too deeply)."""


def json_depth(text: str) -> int:
    """The deepest nesting of arrays and objects in a JSON text (strings skipped)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def load_json(body: bytes | str, max_depth: int = MAX_JSON_DEPTH):
    """``json.loads`` for untrusted bodies: JSONRefused when malformed or deeper than
    ``max_depth``."""
    try:
        text = body.decode("utf-8") if isinstance(body, bytes) else body
    except UnicodeDecodeError as error:
        raise JSONRefused("not UTF-8") from error
    if json_depth(text) > max_depth:
        raise JSONRefused(f"nested deeper than {max_depth}")
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as error:
        raise JSONRefused("not JSON") from error
