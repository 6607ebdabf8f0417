"""Cursor pagination: keyset order, an opaque signed cursor, a ``next`` link.

A list is read in a fixed total order (for example ``("start", "pk")``); the cursor carries
the ordering values of the last row shown, signed with the site's secret and bound to the
endpoint's path, so a client can neither forge one nor reuse one on another list. The next
page starts strictly after that row: rows added or removed meanwhile never make a page
repeat or skip one (unlike page numbers). The response is ``{"results": [...], "next": url}``,
``next`` null on the last page.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.core import signing
from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import create_model

from cms import links

from .problems import ApiProblem

SALT = "cms.api.cursor"
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
MAX_CURSOR_LENGTH = 2000


def page_of(item: type[Schema], name: str) -> type[Schema]:
    """The response schema of a list: ``results`` (items) and ``next`` (link or null)."""
    return create_model(
        name,
        __base__=Schema,
        results=(list[item], ...),
        next=(str | None, None),
    )


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _fields(order: tuple[str, ...]) -> list[tuple[str, bool]]:
    return [(name.lstrip("-"), name.startswith("-")) for name in order]


def encode_cursor(request: HttpRequest, values: list) -> str:
    return signing.dumps([_plain(v) for v in values], salt=f"{SALT}:{request.path}", compress=True)


def _invalid() -> ApiProblem:
    return ApiProblem(
        400,
        "curseur-invalide",
        _("This cursor is not valid for this list: start again from the first page."),
    )


def load_cursor(request: HttpRequest, cursor: str) -> list:
    """The values signed in ``cursor`` for this endpoint; 400 (problem) if forged or foreign."""
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise _invalid()
    try:
        raw = signing.loads(cursor, salt=f"{SALT}:{request.path}")
    except signing.BadSignature:
        raise _invalid() from None
    if not isinstance(raw, list):
        raise _invalid()
    return raw


def decode_cursor(request: HttpRequest, cursor: str, model: type[Model], order) -> list:
    invalid = _invalid()
    raw = load_cursor(request, cursor)
    fields = _fields(order)
    if len(raw) != len(fields):
        raise invalid
    values = []
    for (name, _descending), value in zip(fields, raw, strict=True):
        field = model._meta.pk if name == "pk" else model._meta.get_field(name)
        try:
            values.append(field.to_python(value))
        except Exception:
            raise invalid from None
    return values


def _after(fields: list[tuple[str, bool]], values: list) -> Q:
    """Rows strictly after ``values`` in the order ``fields`` (lexicographic keyset)."""
    condition = Q(pk__in=[])
    equal = Q()
    for (name, descending), value in zip(fields, values, strict=True):
        lookup = "lt" if descending else "gt"
        condition |= equal & Q(**{f"{name}__{lookup}": value})
        equal &= Q(**{name: value})
    return condition


def next_url(request: HttpRequest, cursor: str) -> str:
    params = request.GET.copy()
    params["cursor"] = cursor
    return f"{links.site_url()}{request.path}?{params.urlencode()}"


def paginate(
    request: HttpRequest,
    queryset: QuerySet,
    *,
    order: tuple[str, ...],
    limit: int,
    cursor: str | None,
) -> tuple[list, str | None]:
    """One page of ``queryset`` in ``order`` (the last field unique, e.g. ``pk``) and the
    link to the next page (None on the last one)."""
    fields = _fields(order)
    queryset = queryset.order_by(*order)
    if cursor:
        values = decode_cursor(request, cursor, queryset.model, order)
        queryset = queryset.filter(_after(fields, values))
    rows = list(queryset[: limit + 1])
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last = rows[-1]
    token = encode_cursor(request, [getattr(last, name) for name, _d in fields])
    return rows, next_url(request, token)
