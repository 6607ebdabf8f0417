"""The home page's sections from community: what is on this week near a commune, the liveliest
communities. cms's HomePage cannot import community (layering): it runs the
``HOME_PAGE_SECTIONS_HOOK`` Wagtail hook, which community registers (wagtail_hooks.py).

- “Cette semaine près de …”: the live public events starting in the next seven days at the
  médiathèques within the agenda's default radius of the commune the visitor typed (a query
  parameter, never stored), else of the member's own commune, else across the network. One
  query; a series is shown once.
- “Les communautés les plus vivantes”: published posts, published comments and new members
  of the last 30 days per live public community, highest total first. One query, kept in the
  framework cache for ``LIVELY_CACHE_SECONDS`` (time-bounded, not invalidated: a post shows in
  the counts within five minutes).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from cms.branches import nearest_branches
from cms.event_series import OVERFETCH, one_per_series
from cms.models import Branch

from .agenda import DEFAULT_RADIUS, agenda_events
from .models import CommunityPage, Membership
from .models.posts import Comment, ContentStatus, Post

WEEK = timedelta(days=7)
EVENTS_SHOWN = 6
COMMUNITIES_SHOWN = 4
LIVELY_DAYS = 30
LIVELY_CACHE_SECONDS = 300
LIVELY_CACHE_KEY = "front-door:liveliest-communities"


@dataclass(frozen=True)
class Near:
    name: str
    lat: float
    lon: float
    typed: bool  # typed by the visitor (else the member's own commune)


def place_for(request, context) -> Near | None:
    """The commune typed on the page, else the signed-in member's, else None."""
    commune = context.get("place")
    if commune is not None:
        return Near(commune.name, commune.lat, commune.lon, typed=True)
    user = request.user
    if user.is_authenticated and user.has_location:
        return Near(user.commune_name, user.latitude, user.longitude, typed=False)
    return None


def events_this_week(near: Near | None, now: datetime) -> tuple[list, dict[int, float] | None]:
    """(events starting within seven days, soonest first, a series once; {branch pk: km} of
    the médiathèques within the radius, None across the network)."""
    events = agenda_events().filter(end__gte=now, start__lt=now + WEEK)
    distances = None
    if near is not None:
        distances = {
            bd.branch.pk: round(bd.distance_km, 1)
            for bd in nearest_branches(
                near.lat, near.lon, Branch.objects.only("pk", "latitude", "longitude", "name")
            )
            if bd.distance_km <= DEFAULT_RADIUS
        }
        events = events.filter(branch_id__in=list(distances))
    chosen = one_per_series(
        events.order_by("start", "pk")[: EVENTS_SHOWN * OVERFETCH], EVENTS_SHOWN
    )
    return chosen, distances


def _lively_rows(now: datetime) -> list[dict]:
    since = now - timedelta(days=LIVELY_DAYS)
    posts = (
        Post.objects.filter(
            community=OuterRef("pk"), status=ContentStatus.PUBLISHED, created_at__gte=since
        )
        .order_by()
        .values("community")
        .annotate(n=Count("pk"))
        .values("n")
    )
    comments = (
        Comment.objects.filter(
            post__community=OuterRef("pk"),
            status=ContentStatus.PUBLISHED,
            post__status=ContentStatus.PUBLISHED,
            created_at__gte=since,
        )
        .order_by()
        .values("post__community")
        .annotate(n=Count("pk"))
        .values("n")
    )
    members = (
        Membership.objects.filter(community=OuterRef("pk"), joined_at__gte=since)
        .order_by()
        .values("community")
        .annotate(n=Count("pk"))
        .values("n")
    )

    def count(rows):
        return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))

    communities = (
        CommunityPage.objects.live()
        .public()
        .annotate(
            recent_posts=count(posts),
            recent_comments=count(comments),
            new_members=count(members),
        )
        .only("pk", "title", "url_path", "summary")
    )
    rows = [
        {
            "pk": page.pk,
            "title": page.title,
            "url": page.url,
            "summary": page.summary,
            "posts": page.recent_posts,
            "comments": page.recent_comments,
            "members": page.new_members,
            "total": page.recent_posts + page.recent_comments + page.new_members,
        }
        for page in communities
    ]
    rows = [row for row in rows if row["total"]]
    rows.sort(key=lambda row: (-row["total"], row["title"]))
    return rows[:COMMUNITIES_SHOWN]


def liveliest_communities(now: datetime) -> list[dict]:
    """[{pk, title, url, summary, posts, comments, members, total}] — cached five minutes."""
    rows = cache.get(LIVELY_CACHE_KEY)
    if rows is None:
        rows = _lively_rows(now)
        cache.set(LIVELY_CACHE_KEY, rows, LIVELY_CACHE_SECONDS)
    return rows


def home_sections(request, context) -> None:
    """The HOME_PAGE_SECTIONS_HOOK: fills ``week_near``, ``week_events``, ``lively``."""
    now = timezone.now()
    near = place_for(request, context)
    events, distances = events_this_week(near, now)
    context.update(
        week_near=near,
        week_events=events,
        week_distances=distances,
        week_radius_km=DEFAULT_RADIUS,
        lively=liveliest_communities(now),
        lively_days=LIVELY_DAYS,
    )
