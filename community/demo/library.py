"""Demo library content: services, branch pages, the catalogue, events, news, curated lists.

Same contract as :mod:`community.demo.loader`: upsert by natural key (slug, record id),
write only what differs. Events are generated from series over the next 60 days; their
slugs carry the date, so a later run tops the agenda up instead of moving events.
"""

from __future__ import annotations

import csv
import hashlib
import tempfile
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from django.utils import timezone

from cms.models import (
    AnnouncementPage,
    Branch,
    BranchIndexPage,
    BranchPage,
    CatalogueItem,
    EventIndexPage,
    EventPage,
    HoldingStatus,
    Interest,
    NewsIndexPage,
    RecommendationIndexPage,
    RecommendationPage,
    Service,
)
from community.demo import library_data as data
from community.demo.loader import CREATED, UNCHANGED, UPDATED, DemoDataError, Tally, _upsert

CATALOGUE_FILES = sorted(Path(__file__).parent.glob("catalogue_*.csv"))
HORIZON_DAYS = 60


def _index(model):
    index = model.objects.first()
    if index is None:
        raise DemoDataError(f"{model.__name__} is missing: run `manage.py migrate` first.")
    return index


def _upsert_page(
    index, model, slug: str, fields: dict[str, Any], m2m: dict[str, list], streams=None
) -> str:
    """Create or update a child page of `index`; publish a revision only when something changed.

    `streams` (StreamField values) are written when the page is created only: librarians may
    have edited them since.
    """
    page = model.objects.child_of(index).filter(slug=slug).first()
    if page is None:
        page = model(slug=slug, **fields, **(streams or {}))
        index.add_child(instance=page)
        for name, values in m2m.items():
            getattr(page, name).set(values)
        page.save_revision().publish()
        return CREATED
    changed = [name for name, value in fields.items() if getattr(page, name) != value]
    m2m_changed = [
        name
        for name, values in m2m.items()
        if {v.pk for v in getattr(page, name).all()} != {v.pk for v in values}
    ]
    if not changed and not m2m_changed and page.live:
        return UNCHANGED
    for name in changed:
        setattr(page, name, fields[name])
    for name in m2m_changed:
        getattr(page, name).set(m2m[name])
    page.save_revision().publish()
    return UPDATED


def _interests(slugs) -> list[Interest]:
    found = {i.slug: i for i in Interest.objects.filter(slug__in=slugs)}
    missing = set(slugs) - set(found)
    if missing:
        raise DemoDataError(f"Unknown interest slugs: {sorted(missing)}")
    return [found[s] for s in slugs]


def _branch(slug: str) -> Branch:
    try:
        return Branch.objects.get(slug=slug)
    except Branch.DoesNotExist as exc:
        raise DemoDataError(f"Unknown branch slug: {slug}") from exc


# --- services and branch pages --------------------------------------------------------------


def load_services() -> Tally:
    tally = Tally("services")
    for name, description in data.SERVICES:
        _, status = _upsert(Service, {"name": name}, {"description": description})
        tally.add(status)
    return tally


def load_branch_pages() -> Tally:
    tally = Tally("branch pages")
    index = _index(BranchIndexPage)
    services = list(Service.objects.filter(name__in=[n for n, _ in data.SERVICES[:4]]))
    hours = [
        ("slot", {"day": day, "opens": time.fromisoformat(o), "closes": time.fromisoformat(c)})
        for day, o, c in data.DEMO_HOURS
    ]
    for branch in Branch.objects.all():
        page = BranchPage.objects.filter(branch=branch).first()
        if page is not None:
            tally.add(UNCHANGED)
            continue
        page = BranchPage(
            title=branch.name,
            slug=branch.slug,
            branch=branch,
            intro=data.BRANCH_INTRO,
            hours=hours,
            signup_info=data.SIGNUP_INFO,
        )
        index.add_child(instance=page)
        page.services.set(services)
        page.save_revision().publish()
        tally.add(CREATED)
    return tally


# --- catalogue ------------------------------------------------------------------------------

CALL_PREFIX = {
    "livre": "R",
    "bd": "BD",
    "manga": "MAN",
    "dvd": "DVD",
    "cd": "CD",
    "jeu_video": "JV",
    "numerique": "NUM",
    "revue": "REV",
}


def _holdings_for(row: dict[str, str], codes: list[str]) -> str:
    """1 to 3 copies at branches picked from a hash of the record id (stable across runs)."""
    digest = hashlib.sha256(row["record_id"].encode()).digest()
    count = 1 + digest[0] % 3
    surname = (row["authors"].split(",")[0] or row["title"]).strip()[:3].upper()
    call = f"{CALL_PREFIX.get(row['type'], 'R')} {surname}".strip()
    picked = []
    for i in range(count):
        code = codes[digest[1 + i] % len(codes)]
        if code in [p[0] for p in picked]:
            continue
        status = HoldingStatus.ON_LOAN if digest[5 + i] % 4 == 0 else HoldingStatus.AVAILABLE
        picked.append((code, call, status.value))
    return " ; ".join("|".join(p) for p in picked)


def load_catalogue() -> Tally:
    from cms.catalogue.importer import import_catalogue

    tally = Tally("catalogue items")
    codes = sorted(c for c in Branch.objects.exclude(code="").values_list("code", flat=True))
    if not codes:
        raise DemoDataError("No branch has a library-system code: load the branches first.")
    for source in CATALOGUE_FILES:
        with open(source, newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        with tempfile.NamedTemporaryFile(
            "w", suffix=".csv", newline="", encoding="utf-8", delete=False
        ) as out:
            writer = csv.DictWriter(out, fieldnames=list(rows[0].keys()))
            writer.writeheader()
            for row in rows:
                row["holdings"] = row.get("holdings") or _holdings_for(row, codes)
                writer.writerow(row)
            path = out.name
        try:
            summary = import_catalogue(path, "csv")
        finally:
            Path(path).unlink(missing_ok=True)
        tally.created += summary.created
        tally.updated += summary.updated
        tally.unchanged += summary.unchanged
        if summary.rejected:
            first = summary.rejected[0]
            raise DemoDataError(f"{source.name}: {len(summary.rejected)} rejected, e.g. {first}")
    return tally


# --- events ---------------------------------------------------------------------------------


def _occurrences(series: dict, today: date) -> list[date]:
    days = []
    first = today + timedelta(days=1)
    for offset in range(HORIZON_DAYS):
        day = first + timedelta(days=offset)
        if day.weekday() != series["weekday"]:
            continue
        week = day.isocalendar().week
        if series["every"] == 2 and week % 2:
            continue
        days.append(day)
    return days


def load_events(today: date | None = None) -> Tally:
    tally = Tally("events")
    index = _index(EventIndexPage)
    today = today or timezone.localdate()
    for series in data.EVENT_SERIES:
        branch = _branch(series["branch"])
        interests = _interests(series["interests"])
        hour, minute = (int(x) for x in series["time"].split(":"))
        for day in _occurrences(series, today):
            start = datetime.combine(
                day, time(hour, minute), tzinfo=timezone.get_current_timezone()
            )
            fields = {
                "title": series["title"],
                "start": start,
                "end": start + timedelta(minutes=series["minutes"]),
                "branch": branch,
                "room": series["room"],
                "min_age": series.get("min_age"),
                "max_age": series.get("max_age"),
                "description": series["description"],
                "registration_required": series["registration"],
                "capacity": series.get("capacity"),
                "registration_opens": None,
                "registration_closes": start - timedelta(hours=2)
                if series["registration"]
                else None,
            }
            slug = f"{series['key']}-{day.isoformat()}"
            tally.add(_upsert_page(index, EventPage, slug, fields, {"interests": interests}))
    return tally


# --- announcements and curated lists --------------------------------------------------------


def _featured_item(interests: list[Interest]) -> CatalogueItem | None:
    return (
        CatalogueItem.objects.active().filter(interests__in=interests).order_by("record_id").first()
    )


def load_announcements() -> Tally:
    tally = Tally("announcements")
    index = _index(NewsIndexPage)
    for slug, title, intro, interest_slugs, branch_slugs in data.ANNOUNCEMENTS:
        interests = _interests(interest_slugs)
        branches = [_branch(s) for s in branch_slugs]
        body: list[tuple[str, Any]] = [
            (
                "paragraph",
                f"<p>{intro} Demandez conseil aux bibliothécaires, ou réservez en ligne.</p>",
            )
        ]
        item = _featured_item(interests)
        if item is not None:
            body.append(("catalogue_item", {"item": item, "note": ""}))
        fields = {"title": title, "intro": intro}
        m2m = {"interests": interests, "branches": branches}
        tally.add(_upsert_page(index, AnnouncementPage, slug, fields, m2m, {"body": body}))
    return tally


def load_recommendations() -> Tally:
    tally = Tally("curated lists")
    index = _index(RecommendationIndexPage)
    for slug, title, intro, interest_slugs, branch_slug in data.RECOMMENDATIONS:
        interests = _interests(interest_slugs)
        items = list(
            CatalogueItem.objects.active()
            .filter(interests__in=interests)
            .distinct()
            .order_by("record_id")[:5]
        )
        if not items:
            raise DemoDataError(f"No catalogue item for the list {slug}: load the catalogue first.")
        fields = {"title": title, "intro": intro, "branch": _branch(branch_slug)}
        streams = {
            "items": [
                ("item", {"item": item, "note": item.summary or item.title}) for item in items
            ]
        }
        tally.add(
            _upsert_page(index, RecommendationPage, slug, fields, {"interests": interests}, streams)
        )
    return tally


def load_library_content() -> list[Tally]:
    return [
        load_services(),
        load_branch_pages(),
        load_catalogue(),
        load_events(),
        load_announcements(),
        load_recommendations(),
    ]
