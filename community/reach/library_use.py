"""Importing loans and new library cards per branch and month, from the library system.

The CSV holds aggregated figures only (no reader, no card number): one line per branch,
month and, optionally, interest or collection/subject code. Columns, in any order, headers
matched without accents or case (";" or "," separated, UTF-8 or Windows-1252):

- ``mediatheque``: the branch's library system code (*Réseau › Médiathèques*, field "Code");
- ``periode``: the month, ``2026-11`` or ``11/2026``;
- ``interet`` (optional): an interest, by its slug, its name or "Parent › Enfant";
- ``code`` (optional): a collection or subject code (a Dewey class, a subject heading);
  without an interest, it is mapped to one by the subject → interest rules when exactly one
  matches;
- ``prets``: loans; ``nouvelles_cartes``: new cards (an empty cell is 0).

A line with neither interest nor code is the branch's total for the month. Every line is
checked before anything is written; one error and nothing is imported, each error saying its
line. Importing a month of a branch again replaces everything stored for that branch and
month: the same file imported twice gives the same figures.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.db.models import Max, Sum
from django.utils.translation import gettext as _

from cms.catalogue.rules import InterestMatcher
from cms.models import Branch, Interest
from community import roles
from community.models.suggestions import fold
from community.reach.models import LibraryUse

MAX_LINES = 50_000
HEADERS = {
    "branch": ("mediatheque", "code mediatheque", "bibliotheque", "site", "branch"),
    "period": ("periode", "mois", "period", "month"),
    "interest": ("interet", "centre d interet", "interest"),
    "code": ("code", "code collection", "code sujet", "collection", "sujet", "subject"),
    "loans": ("prets", "nombre de prets", "loans"),
    "new_cards": ("nouvelles cartes", "nouveaux inscrits", "inscriptions", "new cards"),
}
_MONTH_RES = (
    re.compile(r"^(?P<year>\d{4})-(?P<month>\d{1,2})$"),
    re.compile(r"^(?P<month>\d{1,2})/(?P<year>\d{4})$"),
)


@dataclass
class ImportResult:
    errors: list[str] = field(default_factory=list)
    lines: int = 0
    replaced: int = 0
    periods: list[tuple[str, date]] = field(default_factory=list)  # (branch name, month)


def parse_month(raw: str) -> date | None:
    raw = raw.strip()
    for pattern in _MONTH_RES:
        found = pattern.match(raw)
        if found:
            year, month = int(found["year"]), int(found["month"])
            if 1 <= month <= 12 and 2000 <= year <= 2100:
                return date(year, month, 1)
    return None


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _columns(header: list[str]) -> dict[str, int]:
    folded = [fold(name) for name in header]
    found = {}
    for key, names in HEADERS.items():
        for index, name in enumerate(folded):
            if name in names:
                found[key] = index
                break
    return found


def _interests_by_name() -> dict[str, int]:
    """Folded slug, name and "Parent › Child" label → interest id (names shared by two
    interests are left out: they must be given with their parent)."""
    table: dict[str, int | None] = {}
    for interest in Interest.objects.select_related("parent"):
        for key in {fold(interest.slug), fold(interest.label)}:
            table[key] = interest.pk
        name = fold(interest.name)
        table[name] = None if name in table and table[name] != interest.pk else interest.pk
    return {key: pk for key, pk in table.items() if pk is not None}


def _count(raw: str, line: int, label: str, errors: list[str]) -> int | None:
    raw = raw.strip().replace(" ", "").replace("\u202f", "").replace("\xa0", "")
    if not raw:
        return 0
    if not raw.isdigit():
        errors.append(
            _("Line %(line)s: “%(value)s” is not a whole number of %(what)s.")
            % {"line": line, "value": raw[:20], "what": label}
        )
        return None
    return int(raw)


def import_library_use(data: bytes, user) -> ImportResult:
    """Check every line, then replace the months of the branches the file covers.

    Librarians may import the branches they work for; network admins any branch.
    """
    result = ImportResult()
    errors = result.errors
    text = _decode(data)
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = next(reader, None)
    if not header:
        errors.append(_("The file is empty."))
        return result
    columns = _columns(header)
    missing = [name for name in ("branch", "period") if name not in columns]
    if "loans" not in columns and "new_cards" not in columns:
        missing.append("loans")
    if missing:
        names = {
            "branch": "mediatheque",
            "period": "periode",
            "loans": _("prets or nouvelles_cartes"),
        }
        errors.append(
            _("Line 1: missing column(s): %(names)s. Expected: %(expected)s.")
            % {
                "names": ", ".join(names[m] for m in missing),
                "expected": "mediatheque;periode;interet;code;prets;nouvelles_cartes",
            }
        )
        return result

    branches = {fold(b.code): b for b in Branch.objects.exclude(code="")}
    allowed = None if roles.is_network_admin(user) else roles.staffed_branch_ids(user)
    interests = _interests_by_name()
    matcher = InterestMatcher.from_db()
    rows: dict[tuple, LibraryUse] = {}

    def cell(values: list[str], key: str) -> str:
        index = columns.get(key)
        return values[index].strip() if index is not None and index < len(values) else ""

    for number, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        if number > MAX_LINES + 1:
            errors.append(
                _("The file has more than %(max)s lines: split it by year.") % {"max": MAX_LINES}
            )
            break
        line_errors: list[str] = []
        raw_branch = cell(values, "branch")
        branch = branches.get(fold(raw_branch))
        if branch is None:
            line_errors.append(
                _("Line %(line)s: no médiathèque has the code “%(code)s”.")
                % {"line": number, "code": raw_branch[:30]}
            )
        elif allowed is not None and branch.pk not in allowed:
            line_errors.append(
                _("Line %(line)s: you do not work for %(branch)s.")
                % {"line": number, "branch": branch.name}
            )
        raw_month = cell(values, "period")
        month = parse_month(raw_month)
        if month is None:
            line_errors.append(
                _("Line %(line)s: “%(value)s” is not a month (write 2026-11 or 11/2026).")
                % {"line": number, "value": raw_month[:20]}
            )
        raw_interest, code = cell(values, "interest"), cell(values, "code")[:60]
        interest_id = None
        if raw_interest:
            interest_id = interests.get(fold(raw_interest))
            if interest_id is None:
                line_errors.append(
                    _("Line %(line)s: unknown interest “%(value)s”.")
                    % {"line": number, "value": raw_interest[:60]}
                )
        elif code:
            matched = matcher.match([code], dewey=code) if matcher else set()
            interest_id = matched.pop() if len(matched) == 1 else None
        loans = _count(cell(values, "loans"), number, _("loans"), line_errors)
        new_cards = _count(cell(values, "new_cards"), number, _("new cards"), line_errors)
        if line_errors:
            errors.extend(line_errors)
            continue
        key = (branch.pk, month, interest_id if not code else None, code)
        if key in rows:
            errors.append(
                _(
                    "Line %(line)s: this médiathèque, month and interest or code are already on an earlier line."
                )
                % {"line": number}
            )
            continue
        rows[key] = LibraryUse(
            branch=branch,
            month=month,
            interest_id=interest_id,
            code=code,
            loans=loans,
            new_cards=new_cards,
        )
    if errors:
        return result
    if not rows:
        errors.append(_("The file has no line of figures."))
        return result
    periods = sorted({(row.branch_id, row.month) for row in rows.values()})
    with transaction.atomic():
        for branch_id, month in periods:
            deleted, _detail = LibraryUse.objects.filter(branch_id=branch_id, month=month).delete()
            result.replaced += deleted
        LibraryUse.objects.bulk_create(rows.values())
    result.lines = len(rows)
    names = dict(Branch.objects.filter(pk__in={p[0] for p in periods}).values_list("pk", "name"))
    result.periods = [(names[branch_id], month) for branch_id, month in periods]
    return result


def stored_periods(user, limit: int = 36) -> list[dict]:
    """The months stored per branch (those `user` may see), latest first, with totals."""
    qs = LibraryUse.objects.filter(interest__isnull=True, code="")
    if not roles.is_network_admin(user):
        qs = qs.filter(branch_id__in=roles.staffed_branch_ids(user))
    rows = (
        qs.values_list("month", "branch__name")
        .annotate(loans=Sum("loans"), new_cards=Sum("new_cards"), imported=Max("imported_at"))
        .order_by("-month", "branch__name")[:limit]
    )
    return [
        {
            "month": month,
            "branch": branch,
            "loans": loans,
            "new_cards": new_cards,
            "imported": imported,
        }
        for month, branch, loans, new_cards, imported in rows
    ]
