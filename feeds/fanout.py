"""Fan-out on write: when content is published, edited or withdrawn, update the feeds of
the members it concerns (house style 2: started on commit by `feeds.receivers`, run
as a django-tasks task from `feeds.tasks`).

Audience: members following one of the content's interests or a parent/child of one
(taxonomy-aware), near the branch when the content is tied to branches (`FEED_AUDIENCE_KM`:
a bounding box in SQL, then the exact distance in Python);
for posts, the community's members and the author's followers
(`community.actions.posts.post_audience`). Members not seen for `FEED_INACTIVE_DAYS` are
skipped: their feed is rebuilt on their next visit (`feeds.feed.freshness.ensure_fresh`).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cms.geo import EARTH_RADIUS_KM
from cms.kinds import FeedKind
from cms.models import AnnouncementPage, Interest
from cms.transactions import on_commit
from community.models import Membership, Notification, Post, User
from community.notifications import notify_many
from feeds import facts as load
from feeds import ranking
from feeds.feed.freshness import inactive_since
from feeds.relay import send_to_members
from feeds.store import StoredEntry, get_store

logger = logging.getLogger(__name__)


def active_members():
    """Members seen within FEED_INACTIVE_DAYS (logged in, joined, or opened their feed)."""
    cutoff = inactive_since()
    return User.objects.filter(is_active=True).filter(
        Q(last_login__gte=cutoff)
        | Q(date_joined__gte=cutoff)
        | Q(feed_state__last_seen__gte=cutoff)
    )


def _box(lat: float, lon: float, km: float) -> tuple[float, float, float, float] | None:
    """(min lat, max lat, min lon, max lon) of a box holding every point within `km` of
    (lat, lon), with a 1 % margin; None near a pole or across the antimeridian."""
    dlat = math.degrees(km * 1.01 / EARTH_RADIUS_KM)
    widest = abs(lat) + dlat  # the box is widest at its edge nearest the pole
    if widest >= 89:
        return None
    dlon = dlat / math.cos(math.radians(widest))
    if lon - dlon < -180 or lon + dlon > 180:
        return None
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


def near_branches(branches: Iterable[ranking.BranchFact], km: float) -> Q | None:
    """A SQL pre-filter for `ranking.in_audience` on content tied to branches: members whose
    home branch is one of them, who have no known place, or whose place (their own, else
    their home branch's) lies in the bounding box of `km` around one of them. The exact
    distance is still checked in Python; None when no box can be drawn."""
    branches = list(branches)
    own = Q(latitude__isnull=False, longitude__isnull=False)
    # (a branch always has coordinates: a member without any is one without a home branch)
    near = Q(home_branch_id__in=[b.id for b in branches]) | (~own & Q(home_branch__isnull=True))
    for branch in branches:
        if branch.lat is None or branch.lon is None:
            return None
        box = _box(branch.lat, branch.lon, km)
        if box is None:
            return None
        south, north, west, east = box
        near |= (own & Q(latitude__range=(south, north), longitude__range=(west, east))) | (
            ~own
            & Q(
                home_branch__latitude__range=(south, north),
                home_branch__longitude__range=(west, east),
            )
        )
    return near


def audience(content: ranking.ContentFacts) -> tuple[QuerySet[User], list[int] | None]:
    """(the candidate members as a queryset, the interest ids that matter) before scoring
    in Python: used as a subquery, so no list of ids travels back and forth."""
    members = active_members()
    if content.kind == FeedKind.POST:
        from community.actions.posts import post_audience

        post = Post.objects.get(pk=content.pk)
        return post_audience(post).filter(pk__in=members.values("pk")), None
    if content.branches:
        near = near_branches(content.branches, settings.FEED_AUDIENCE_KM)
        if near is not None:
            members = members.filter(near)
    if content.interests:
        family = list(
            Interest.objects.with_family([i.id for i in content.interests]).values_list(
                "pk", flat=True
            )
        )
        return members.filter(followed_interests__interest_id__in=family), family
    return members, []


def score_audience(
    members: Iterable[ranking.MemberFacts], content: ranking.ContentFacts, now
) -> list[tuple[int, StoredEntry]]:
    """(member id, entry) for each member the content belongs to, in one tight loop."""
    in_audience, score = ranking.in_audience, ranking.score
    audience_km = settings.FEED_AUDIENCE_KM
    rows = []
    for member in members:
        if not in_audience(member, content, audience_km):
            continue
        scored = score(member, content, now)
        if scored is None:
            continue
        rows.append(
            (
                member.id,
                StoredEntry(
                    content.kind,
                    content.pk,
                    scored.score,
                    scored.reason,
                    scored.interest_id,
                    scored.community_id,
                    now,
                ),
            )
        )
    return rows


def fan_out_content(kind: str, pk: int) -> int:
    """Score `kind` #`pk` for its audience and write (or re-score) their feed entries.

    Members who had it but are no longer concerned lose it; members who get it for the
    first time are told over their websocket. Returns the number of members written.
    Unpublished or past content is withdrawn instead (returns 0).

    A fixed number of queries whatever the audience: the audience is a subquery, the
    facts are loaded restricted to this content, the entries are upserted in batches.
    """
    content = load.content(kind, pk)
    now = timezone.now()
    if content is None or ranking.freshness_days(content, now) is None:
        withdraw_content(kind, pk)
        return 0
    candidates, family = audience(content)
    if content.kind == FeedKind.POST:
        restrict = {"community_ids": [content.community_id], "author_ids": [content.author_id]}
    else:
        restrict = {"interest_ids": family or [], "community_ids": [], "author_ids": []}
    members = load.members(among=candidates, content_key=(kind, pk), **restrict)
    store = get_store()
    rows = score_audience(members.values(), content, now)
    before = store.members_with(kind, pk)
    written = store.add_many(rows)
    concerned = {member_id for member_id, _ in rows}
    gone = before - concerned
    if gone:
        store.remove_content(kind, pk, members=gone)
    newcomers = concerned - before
    if newcomers:
        on_commit(push_feed_news, sorted(newcomers))
    return written


def withdraw_content(kind: str, pk: int) -> int:
    """Remove the content from every feed (unpublished, deleted, hidden). Returns removed."""
    return get_store().remove_content(kind, pk)


def push_feed_news(member_ids: Iterable[int], count: int = 1) -> int:
    """Tell the members' open pages that `count` entries landed ("feed.new"); from the task
    worker, `feeds.relay` carries it to the ASGI server with the in-memory channel layer."""
    member_ids = list(member_ids)
    try:
        return send_to_members(member_ids, {"type": "feed.new", "count": count})
    except Exception:
        logger.exception("Could not push feed news to %s members", len(member_ids))
        return 0


# --- "new announcement in a joined community" ----------------------------------------------


def notify_communities(announcement_pk: int) -> int:
    """Notify the members of the communities whose interests match a newly published
    announcement (taxonomy-aware), once per member and announcement. Returns how many."""
    page = AnnouncementPage.objects.live().public().filter(pk=announcement_pk).first()
    if page is None:
        return 0
    interest_ids = list(page.interests.values_list("pk", flat=True))
    if not interest_ids:
        return 0
    family = list(Interest.objects.with_family(interest_ids).values_list("pk", flat=True))
    url = page.url or ""
    already = Notification.objects.filter(
        kind=Notification.Kind.COMMUNITY_ANNOUNCEMENT, url=url
    ).values("user_id")
    memberships = (
        Membership.objects.filter(
            community__interests__in=family, community__live=True, user__is_active=True
        )
        .exclude(user_id__in=already)
        .select_related("user", "community")
        .order_by("user_id", "community__title")
    )
    notified: set[int] = set()
    recipients = []
    with translation.override(settings.LANGUAGE_CODE):
        for membership in memberships:
            if membership.user_id in notified:
                continue
            notified.add(membership.user_id)
            title = _("New in “%(community)s”: %(title)s") % {
                "community": membership.community.title,
                "title": page.title,
            }
            recipients.append((membership.user, title))
    notify_many(recipients, Notification.Kind.COMMUNITY_ANNOUNCEMENT, page.intro, url)
    return len(notified)
