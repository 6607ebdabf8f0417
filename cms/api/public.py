"""Public read endpoints of the cms layer: branches (hours, open now), interests,
announcements, curated lists, communes. No token needed; quotas per address."""

from __future__ import annotations

from datetime import date, datetime

from django.db.models import Prefetch
from django.http import HttpRequest
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from cms import links
from cms.branches import communes_with_nearest_branch
from cms.models import AnnouncementPage, Branch, BranchPage, Interest, RecommendationPage

from .pagination import DEFAULT_LIMIT, MAX_LIMIT, page_of, paginate
from .problems import ApiProblem

router = Router(tags=["public"])

Limit = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Éléments par page (1 à 100).")
Cursor = Query(None, max_length=2000, description="Curseur opaque : le lien `next` le porte.")


# --- schemas --------------------------------------------------------------------------------


class Slot(Schema):
    # local (Paris) wall-clock times, "HH:MM": JSON Schema's "time" format requires an offset
    opens: str = Field(pattern=r"^[0-2][0-9]:[0-5][0-9]$", examples=["09:30"])
    closes: str = Field(pattern=r"^[0-2][0-9]:[0-5][0-9]$", examples=["18:00"])


class Day(Schema):
    day: int = Field(description="1 (lundi) à 7 (dimanche), ISO 8601")
    name: str
    slots: list[Slot]


class Closure(Schema):
    start: date
    end: date
    reason: str


class BranchOut(Schema):
    id: int
    slug: str
    name: str
    address: str
    postcode: str
    commune: str
    insee: str
    latitude: float | None
    longitude: float | None
    phone: str
    email: str
    website: str
    card_signup_url: str
    url: str | None = Field(description="La page de la médiathèque sur le site")
    hours: list[Day]
    closures: list[Closure] = Field(description="Fermetures en cours ou à venir (60 jours)")
    open_now: bool | None = Field(description="Ouverte en ce moment ; null sans horaires publiés")


class InterestOut(Schema):
    id: int
    slug: str
    name: str
    parent: str | None = Field(description="Slug du centre d’intérêt parent")


class AnnouncementOut(Schema):
    id: int
    title: str
    url: str
    intro: str
    published_at: datetime | None
    interests: list[str]
    branches: list[str]


class ListItemOut(Schema):
    record_id: str
    title: str
    authors: list[str]
    year: int | None
    note: str


class CuratedListOut(Schema):
    id: int
    title: str
    url: str
    intro: str
    published_at: datetime | None
    branch: str | None
    interests: list[str]
    items: list[ListItemOut]


class NearestBranch(Schema):
    name: str
    slug: str
    distance_km: float


class CommuneOut(Schema):
    insee: str
    name: str
    postcodes: list[str]
    lat: float
    lon: float
    nearest_branch: NearestBranch | None


BranchList = page_of(BranchOut, "BranchList")
InterestList = page_of(InterestOut, "InterestList")
AnnouncementList = page_of(AnnouncementOut, "AnnouncementList")
CuratedListList = page_of(CuratedListOut, "CuratedListList")


# --- branches -------------------------------------------------------------------------------


def _branch_out(branch: Branch, now: datetime) -> dict:
    page: BranchPage | None = getattr(branch, "live_page", None)
    today = timezone.localdate(now)
    hours, closures, open_now, url = [], [], None, None
    if page is not None:
        url = links.page_url(page) or None
        hours = [
            {
                "day": row["day"],
                "name": str(row["name"]),
                "slots": [
                    {"opens": s["opens"].strftime("%H:%M"), "closes": s["closes"].strftime("%H:%M")}
                    for s in row["slots"]
                    if s["opens"] is not None and s["closes"] is not None
                ],
            }
            for row in page.hours_table(today)
        ]
        closures = [
            {"start": c["start"], "end": c["end"], "reason": c["reason"]}
            for c in page.closure_notices(today)
        ]
        open_now = page.is_open_at(now) if any(day["slots"] for day in hours) else None
    else:
        hours = [{"day": d, "name": str(WEEKDAYS[d - 1]), "slots": []} for d in range(1, 8)]
    return {
        "id": branch.pk,
        "slug": branch.slug,
        "name": branch.name,
        "address": branch.address,
        "postcode": branch.postcode,
        "commune": branch.commune,
        "insee": branch.insee,
        "latitude": branch.latitude,
        "longitude": branch.longitude,
        "phone": branch.phone,
        "email": branch.email,
        "website": branch.website,
        "card_signup_url": branch.card_signup_url,
        "url": url,
        "hours": hours,
        "closures": closures,
        "open_now": open_now,
    }


def _with_pages(branches: list[Branch]) -> list[Branch]:
    pages = {
        p.branch_id: p
        for p in BranchPage.objects.live().public().filter(branch__in=[b.pk for b in branches])
    }
    for branch in branches:
        branch.live_page = pages.get(branch.pk)
    return branches


@router.get("/branches", response=BranchList, summary="Médiathèques du réseau")
def list_branches(
    request: HttpRequest,
    open_now: bool | None = Query(None, description="true : seulement celles ouvertes"),
    limit: int = Limit,
    cursor: str | None = Cursor,
):
    """Les médiathèques par nom, avec horaires, fermetures exceptionnelles et « ouverte
    maintenant » (heure de Paris)."""
    now = timezone.now()
    rows, next_link = paginate(
        request, Branch.objects.all(), order=("name", "pk"), limit=limit, cursor=cursor
    )
    results = [_branch_out(b, now) for b in _with_pages(rows)]
    if open_now is not None:
        results = [r for r in results if bool(r["open_now"]) == open_now]
    return {"results": results, "next": next_link}


@router.get("/branches/{slug}", response=BranchOut, summary="Une médiathèque")
def get_branch(request: HttpRequest, slug: str):
    branch = Branch.objects.filter(slug=slug[:150]).first()
    if branch is None:
        raise ApiProblem(404, "introuvable", _("No médiathèque has this slug."))
    return _branch_out(_with_pages([branch])[0], timezone.now())


# --- interests ------------------------------------------------------------------------------


@router.get("/interests", response=InterestList, summary="Centres d’intérêt")
def list_interests(request: HttpRequest, limit: int = Limit, cursor: str | None = Cursor):
    """La taxonomie à deux niveaux (Imaginaire › Science-fiction)."""
    rows, next_link = paginate(
        request,
        Interest.objects.select_related("parent"),
        order=("slug", "pk"),
        limit=limit,
        cursor=cursor,
    )
    return {
        "results": [
            {
                "id": i.pk,
                "slug": i.slug,
                "name": i.name,
                "parent": i.parent.slug if i.parent_id else None,
            }
            for i in rows
        ],
        "next": next_link,
    }


# --- announcements and curated lists --------------------------------------------------------


def _interest_filter(slug: str | None) -> Interest | None:
    if not slug:
        return None
    interest = Interest.objects.filter(slug=slug[:80]).first()
    if interest is None:
        raise ApiProblem(404, "introuvable", _("No interest has this slug."))
    return interest


def _branch_filter(slug: str | None) -> Branch | None:
    if not slug:
        return None
    branch = Branch.objects.filter(slug=slug[:150]).first()
    if branch is None:
        raise ApiProblem(404, "introuvable", _("No médiathèque has this slug."))
    return branch


@router.get("/announcements", response=AnnouncementList, summary="Actualités")
def list_announcements(
    request: HttpRequest,
    interest: str | None = Query(None, max_length=80, description="Slug d’un centre d’intérêt"),
    branch: str | None = Query(None, max_length=150, description="Slug d’une médiathèque"),
    limit: int = Limit,
    cursor: str | None = Cursor,
):
    """Les actualités publiées, les plus récentes d’abord."""
    pages = AnnouncementPage.objects.live().public()
    if (found := _interest_filter(interest)) is not None:
        pages = pages.filter(interests=found)
    if (found_branch := _branch_filter(branch)) is not None:
        pages = pages.filter(branches=found_branch)
    pages = pages.prefetch_related(
        Prefetch("interests", queryset=Interest.objects.only("pk", "slug")),
        Prefetch("branches", queryset=Branch.objects.only("pk", "slug")),
    )
    rows, next_link = paginate(
        request, pages, order=("-first_published_at", "-pk"), limit=limit, cursor=cursor
    )
    return {
        "results": [
            {
                "id": p.pk,
                "title": p.title,
                "url": links.page_url(p),
                "intro": p.intro,
                "published_at": p.first_published_at,
                "interests": [i.slug for i in p.interests.all()],
                "branches": [b.slug for b in p.branches.all()],
            }
            for p in rows
        ],
        "next": next_link,
    }


def _list_items(page: RecommendationPage) -> list[dict]:
    from cms.prefetching import prefetch_stream_objects

    prefetch_stream_objects(page.items)
    items = []
    for block in page.items:
        item = block.value.get("item")
        if item is None:
            continue
        items.append(
            {
                "record_id": item.record_id,
                "title": item.title,
                "authors": item.author_list,
                "year": item.year,
                "note": block.value.get("note") or "",
            }
        )
    return items


@router.get("/lists", response=CuratedListList, summary="Coups de cœur")
def list_curated_lists(
    request: HttpRequest,
    interest: str | None = Query(None, max_length=80, description="Slug d’un centre d’intérêt"),
    branch: str | None = Query(None, max_length=150, description="Slug d’une médiathèque"),
    limit: int = Limit,
    cursor: str | None = Cursor,
):
    """Les listes de coups de cœur des bibliothécaires, les plus récentes d’abord."""
    pages = RecommendationPage.objects.live().public().select_related("branch")
    if (found := _interest_filter(interest)) is not None:
        pages = pages.filter(interests=found)
    if (found_branch := _branch_filter(branch)) is not None:
        pages = pages.filter(branch=found_branch)
    pages = pages.prefetch_related(
        Prefetch("interests", queryset=Interest.objects.only("pk", "slug"))
    )
    rows, next_link = paginate(
        request, pages, order=("-first_published_at", "-pk"), limit=min(limit, 50), cursor=cursor
    )
    return {
        "results": [
            {
                "id": p.pk,
                "title": p.title,
                "url": links.page_url(p),
                "intro": p.intro,
                "published_at": p.first_published_at,
                "branch": p.branch.slug if p.branch_id else None,
                "interests": [i.slug for i in p.interests.all()],
                "items": _list_items(p),
            }
            for p in rows
        ],
        "next": next_link,
    }


# --- communes -------------------------------------------------------------------------------


@router.get("/communes", response=list[CommuneOut], summary="Recherche de communes")
def lookup_communes(
    request: HttpRequest,
    q: str = Query(
        ..., min_length=1, max_length=100, description="Nom (fautes tolérées) ou code postal"
    ),
):
    """Au plus 10 communes (nom ou code postal, fautes de frappe comprises), chacune avec sa
    médiathèque la plus proche."""
    if not q.strip():
        raise ApiProblem(400, "parametre-vide", _("The q parameter is required."))
    return communes_with_nearest_branch(q)
