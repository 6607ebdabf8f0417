"""The weekly digest: the best new entries near a member, by email, for those who opted in.

*New*: published during the 7 days before the digest is built (events must not be over).
*Near and for them*: the feed's own rules (``feeds.ranking.in_audience``): content aimed at
interests the member does not follow is left out, branch-bound content must be at their
home branch or within ``FEED_AUDIENCE_KM``. *Best*: the feed's score (interest match,
proximity, freshness), at most ``DIGEST_SIZE`` entries, diversified as the feed is.

Who gets it: members with an active DIGEST consent (``community.reach.digest_optin``); at
most once per ISO week (``community.reach.models.DigestDelivery``). Every digest carries
the one-click withdrawal link of that consent, in the body and in the ``List-Unsubscribe``
header (RFC 8058 ``List-Unsubscribe-Post``). Nothing new near them: no email.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cms import links
from cms.dates import format_datetime
from cms.event_series import one_per_series
from cms.french import elide
from cms.kinds import FeedKind
from cms.links import absolute_url
from cms.models import AnnouncementPage, EventPage, Interest, RecommendationPage
from cms.text import truncate
from community.models import User
from community.reach import digest_optin
from community.reach.models import DigestDelivery
from feeds import ranking

logger = logging.getLogger(__name__)

DIGEST_SIZE = 8
WINDOW = timedelta(days=7)
CANDIDATES_PER_KIND = 200


@dataclass(frozen=True)
class DigestEntry:
    kind: str
    title: str
    url: str
    summary: str
    reason: str
    score: float
    start: datetime | None = None
    branch_name: str = ""


def week_of(day: date) -> date:
    """The Monday of `day`'s ISO week: the key of a week's digest."""
    return day - timedelta(days=day.weekday())


# --- Facts for the ranking -----------------------------------------------------------------


def _interest_fact(interest: Interest) -> ranking.InterestFact:
    return ranking.InterestFact(interest.pk, interest.name, interest.parent_id)


def _branch_fact(branch) -> ranking.BranchFact:
    return ranking.BranchFact(branch.pk, branch.name, branch.latitude, branch.longitude)


def member_facts(user: User) -> ranking.MemberFacts:
    followed = {
        i.pk: _interest_fact(i)
        for i in Interest.objects.filter(followers=user).only("pk", "name", "parent_id")
    }
    lat, lon = user.latitude, user.longitude
    if (lat is None or lon is None) and user.home_branch_id:
        home = user.home_branch
        lat, lon = home.latitude, home.longitude
    return ranking.MemberFacts(
        id=user.pk, followed=followed, lat=lat, lon=lon, home_branch_id=user.home_branch_id
    )


def _candidates(since: datetime, now: datetime) -> list[tuple[ranking.ContentFacts, object]]:
    """(facts, page) of everything published since `since`, in a fixed number of queries."""
    found = []
    announcements = (
        AnnouncementPage.objects.live()
        .public()
        .filter(first_published_at__gte=since, first_published_at__lte=now)
        .prefetch_related("interests", "branches")
        .order_by("-first_published_at")[:CANDIDATES_PER_KIND]
    )
    for page in announcements:
        facts = ranking.ContentFacts(
            kind=FeedKind.ANNOUNCEMENT,
            pk=page.pk,
            title=page.title,
            interests=tuple(_interest_fact(i) for i in page.interests.all()),
            branches=tuple(_branch_fact(b) for b in page.branches.all()),
            published_at=page.first_published_at,
        )
        found.append((facts, page))
    events = (
        EventPage.objects.live()
        .public()
        .filter(first_published_at__gte=since, first_published_at__lte=now, end__gte=now)
        .select_related("branch")
        .prefetch_related("interests")
        .order_by("-first_published_at")[:CANDIDATES_PER_KIND]
    )
    # One entry per series, its next session (the feed's rule).
    for page in one_per_series(sorted(events, key=lambda e: (e.start, e.pk))):
        facts = ranking.ContentFacts(
            kind=FeedKind.EVENT,
            pk=page.pk,
            title=page.title,
            interests=tuple(_interest_fact(i) for i in page.interests.all()),
            branches=(_branch_fact(page.branch),),
            published_at=page.first_published_at,
            start=page.start,
            end=page.end,
            series_key=page.series_key,
        )
        found.append((facts, page))
    recommendations = (
        RecommendationPage.objects.live()
        .public()
        .filter(first_published_at__gte=since, first_published_at__lte=now)
        .select_related("branch")
        .prefetch_related("interests")
        .order_by("-first_published_at")[:CANDIDATES_PER_KIND]
    )
    for page in recommendations:
        facts = ranking.ContentFacts(
            kind=FeedKind.RECOMMENDATION,
            pk=page.pk,
            title=page.title,
            interests=tuple(_interest_fact(i) for i in page.interests.all()),
            branches=(_branch_fact(page.branch),) if page.branch_id else (),
            published_at=page.first_published_at,
        )
        found.append((facts, page))
    return found


def _summary(page) -> str:
    if isinstance(page, EventPage):
        start = timezone.localtime(page.start)

        return elide(
            _("%(date)s at %(branch)s")
            % {"date": format_datetime(start), "branch": page.branch.name}
        )
    return truncate(getattr(page, "intro", "") or "", 220)


def digest_entries(
    user: User, *, now: datetime | None = None, limit: int = DIGEST_SIZE
) -> list[DigestEntry]:
    """The best entries published in the week before `now`, for `user`, best first."""
    now = now or timezone.now()
    member = member_facts(user)
    scored = []
    with translation.override(settings.LANGUAGE_CODE):
        for facts, page in _candidates(now - WINDOW, now):
            if not ranking.in_audience(member, facts):
                continue
            result = ranking.score(member, facts, now)
            if result is None:
                continue
            scored.append((result, facts, page))
        scored.sort(key=lambda row: (-row[0].score, row[1].kind, row[1].pk))
        picked, _rest = ranking.diversify(
            scored, limit, kind=lambda row: row[1].kind, community=lambda row: None
        )
        return [
            DigestEntry(
                kind=facts.kind,
                title=page.title,
                url=links.page_url(page),
                summary=_summary(page),
                reason=result.reason,
                score=result.score,
                start=getattr(page, "start", None),
                branch_name=page.branch.name if getattr(page, "branch_id", None) else "",
            )
            for result, facts, page in picked
        ]


# --- The email -----------------------------------------------------------------------------


def build_message(
    user: User, entries: list[DigestEntry], unsubscribe_url: str
) -> EmailMultiAlternatives:
    """The digest email (text + HTML, French) with its List-Unsubscribe headers."""
    context = {
        "user": user,
        "entries": entries,
        "unsubscribe_url": unsubscribe_url,
        "feed_url": absolute_url(reverse("feeds:feed")),
        "profile_url": absolute_url(reverse("community:profile")),
        "network_name": settings.AFFINITES_NETWORK_NAME,
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Your selection of the week near you") + " · Affinités"
        text = render_to_string("feeds/email/digest.txt", context)
        html = render_to_string("feeds/email/digest.html", context)
    headers = {
        "List-Unsubscribe": f"<{unsubscribe_url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Auto-Submitted": "auto-generated",
    }
    message = EmailMultiAlternatives(subject=subject, body=text, to=[user.email], headers=headers)
    message.attach_alternative(html, "text/html")
    return message


# --- Sending -------------------------------------------------------------------------------


def pending_recipient_ids(week: date) -> list[int]:
    """Members who opted in and have no digest for `week` yet."""
    done = DigestDelivery.objects.filter(week=week).values_list("user_id", flat=True)
    return list(digest_optin.subscriber_ids().exclude(user_id__in=done).order_by("user_id"))


def send_digest(user_id: int, *, now: datetime | None = None) -> bool:
    """Send this week's digest to one member if due. True if an email went out.

    The week's delivery row is claimed first (unique per member and week), so two workers
    never send twice; a failed send releases it for the next run.
    """
    now = now or timezone.now()
    week = week_of(timezone.localdate(now))
    user = User.objects.filter(pk=user_id, is_active=True).select_related("home_branch").first()
    if user is None or not user.email or not digest_optin.is_subscribed(user):
        return False
    try:
        with transaction.atomic():
            delivery, created = DigestDelivery.objects.get_or_create(user=user, week=week)
    except IntegrityError:  # claimed by a concurrent worker
        return False
    if not created:
        return False
    entries = digest_entries(user, now=now)
    if not entries:  # nothing new near them: no email this week
        return False
    message = build_message(user, entries, digest_optin.unsubscribe_url(user))
    try:
        message.send()
    except Exception:
        logger.exception("Could not send the weekly digest to member %s", user.pk)
        delivery.delete()
        return False
    delivery.entry_count = len(entries)
    delivery.sent_at = timezone.now()
    delivery.save(update_fields=["entry_count", "sent_at"])
    return True


def send_digests(*, now: datetime | None = None) -> int:
    """Send the week's digest to every member who opted in and has not had it. Returns sent."""
    now = now or timezone.now()
    sent = 0
    for user_id in pending_recipient_ids(week_of(timezone.localdate(now))):
        try:
            sent += send_digest(user_id, now=now)
        except Exception:  # one member's failure must not stop the others
            logger.exception("Weekly digest for member %s failed", user_id)
    return sent
