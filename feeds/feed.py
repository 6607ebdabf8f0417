"""A member's feed: rebuilding it, keeping it fresh, reading a page of it.

* `build_feed(member)` scores everything currently relevant to the member (announcements,
  upcoming events, curated lists, posts of their communities and of people they follow,
  catalogue suggestions from `feeds.recommendations`) and replaces their stored feed.
* `ensure_fresh(member)` is called when they open their feed: it rebuilds it when they come
  back after `FEED_INACTIVE_DAYS` (fan-out skipped them), when their interests, home branch
  or communities changed, or once a day (event freshness, new suggestions).
* `read_feed(member, cursor=…)` reads one page by keyset, hydrates the objects in a fixed
  number of queries and applies the diversity rule.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from wagtail.coreutils import WAGTAIL_APPEND_SLASH
from wagtail.models import Page, Site

from cms.models import AnnouncementPage, CatalogueItem, EventPage, Interest, RecommendationPage
from cms.text import html_to_text
from community.actions.social import blocked_ids
from community.models import Block, Membership, Post
from feeds import facts as load
from feeds import ranking
from feeds.entry_links import open_url
from feeds.models import FeedFeedback, FeedKind, FeedState
from feeds.sessions import EventSessions, later_sessions
from feeds.store import Position, StoredEntry, get_store

logger = logging.getLogger(__name__)

ANNOUNCEMENT_DAYS = 120
RECOMMENDATION_DAYS = 365
POST_DAYS = 90
CANDIDATES_PER_KIND = 300
SUGGESTIONS = 10
REBUILD_AFTER = timedelta(hours=24)
SEEN_EVERY = timedelta(hours=1)

KIND_LABELS = {
    FeedKind.ANNOUNCEMENT: _("News"),
    FeedKind.EVENT: _("Event"),
    FeedKind.RECOMMENDATION: _("Our picks"),
    FeedKind.ITEM: _("Suggested for you"),
    FeedKind.POST: _("Community"),
}


# --- building ------------------------------------------------------------------------------


def _suggestions(member) -> list[ranking.ContentFacts]:
    try:
        from feeds.recommendations import recommend_for
    except ImportError:  # pragma: no cover - the recommender ships with the feeds package
        return []
    try:
        suggestions = recommend_for(member, limit=SUGGESTIONS)
    except Exception:  # a failing recommender must not break the feed
        logger.exception("Suggestions failed for member %s", member.pk)
        return []
    now = timezone.now()
    # The recommender spreads its suggestions across the member's interests; the relevance
    # given to ranking never rises along that order, so the feed keeps the spread.
    facts, ceiling = [], 1.0
    for s in suggestions:
        # strictly lower each time (a millionth): equal scores would fall back on store order
        ceiling = max(0.0, min(ceiling - 1e-6, float(s.score)))
        facts.append(
            ranking.ContentFacts(
                ranking.ITEM,
                s.item.pk,
                title=s.item.title,
                published_at=now,
                reason=s.reason,
                base=ceiling,
            )
        )
    return facts


def candidates_for(member, facts: ranking.MemberFacts, now: datetime) -> list[ranking.ContentFacts]:
    """Everything that may belong in this member's feed now (before scoring)."""
    family = list(Interest.objects.with_family(facts.followed).values_list("pk", flat=True))
    targeted = Q(interests__in=family) | Q(interests__isnull=True)
    found: list[ranking.ContentFacts] = []
    found += load.announcements(
        AnnouncementPage.objects.live()
        .public()
        .filter(targeted, first_published_at__gte=now - timedelta(days=ANNOUNCEMENT_DAYS))
        .distinct()
        .order_by("-first_published_at")[:CANDIDATES_PER_KIND]
    )
    found += load.events(
        EventPage.objects.live()
        .public()
        .filter(targeted, end__gte=now)
        .distinct()
        .order_by("start")[:CANDIDATES_PER_KIND]
    )
    found += load.recommendations(
        RecommendationPage.objects.live()
        .public()
        .filter(targeted, first_published_at__gte=now - timedelta(days=RECOMMENDATION_DAYS))
        .distinct()
        .order_by("-first_published_at")[:CANDIDATES_PER_KIND]
    )
    if facts.communities or facts.followed_authors:
        blocked = Block.objects.filter(Q(blocker=member.pk) | Q(blocked=member.pk))
        hidden = {a for pair in blocked.values_list("blocker_id", "blocked_id") for a in pair}
        hidden.discard(member.pk)
        found += load.posts(
            Post.objects.published()
            .filter(
                Q(community_id__in=facts.communities) | Q(author_id__in=facts.followed_authors),
                created_at__gte=now - timedelta(days=POST_DAYS),
            )
            .exclude(author_id=member.pk)
            .exclude(author_id__in=hidden)
            .order_by("-created_at")[:CANDIDATES_PER_KIND]
        )
    found += _suggestions(member)
    return found


def score_entries(
    member: ranking.MemberFacts, contents, now: datetime, *, audience: bool = True
) -> list[StoredEntry]:
    """Score `contents` for `member`, best first (with `audience`, only what is theirs)."""
    entries = []
    for content in contents:
        if audience and not ranking.in_audience(member, content):
            continue
        scored = ranking.score(member, content, now)
        if scored is None:
            continue
        entries.append(
            StoredEntry(
                kind=content.kind,
                object_id=content.pk,
                score=scored.score,
                reason=scored.reason,
                interest_id=scored.interest_id,
                community_id=scored.community_id,
                created_at=now,
            )
        )
    entries.sort(key=lambda e: e.score, reverse=True)
    return entries


@lru_cache(maxsize=1)
def _signature_sql() -> str:
    """The followed interests (0) and the communities (1) of a member, in one statement."""
    from community.models import FollowedInterest

    def columns(model, ref: str) -> tuple[str, str, str]:
        quote = connection.ops.quote_name
        return (
            quote(model._meta.db_table),
            quote(model._meta.get_field("user").column),
            quote(model._meta.get_field(ref).column),
        )

    table_i, user_i, ref_i = columns(FollowedInterest, "interest")
    table_m, user_m, ref_m = columns(Membership, "community")
    return (
        f"SELECT 0, {ref_i} FROM {table_i} WHERE {user_i} = %s "
        f"UNION ALL SELECT 1, {ref_m} FROM {table_m} WHERE {user_m} = %s"
    )


def member_signature(member) -> str:
    """Changes when what the feed is built from changes (interests, place, communities)."""
    return _signature(member)[0]


def _signature(member) -> tuple[str, bool]:
    """(the signature, whether the member follows any interest), in one query."""
    interests, communities = [], []
    with connection.cursor() as cursor:
        cursor.execute(_signature_sql(), [member.pk, member.pk])
        for source, ref in cursor.fetchall():
            (communities if source else interests).append(ref)
    interests.sort()
    communities.sort()
    raw = json.dumps(
        [interests, communities, member.home_branch_id, member.latitude, member.longitude]
    )
    return hashlib.sha1(raw.encode()).hexdigest(), bool(interests)


def build_feed(member, *, now: datetime | None = None, signature: str | None = None) -> int:
    """Rebuild `member`'s feed from scratch; returns the number of entries written."""
    now = now or timezone.now()
    facts = load.members([member.pk])[member.pk]
    entries = score_entries(facts, candidates_for(member, facts, now), now)
    entries = entries[: getattr(settings, "FEED_MAX_ENTRIES", 800)]
    written = get_store().replace_member(member.pk, entries)
    FeedState.objects.update_or_create(
        member_id=member.pk,
        defaults={
            "built_at": now,
            "signature": signature if signature is not None else member_signature(member),
        },
        create_defaults={
            "built_at": now,
            "last_seen": now,
            "signature": signature if signature is not None else member_signature(member),
        },
    )
    return written


def inactive_since(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(days=settings.FEED_INACTIVE_DAYS)


def ensure_fresh(member, *, now: datetime | None = None) -> dict:
    """Called when the member opens their feed: rebuild it if needed, note the visit.

    Returns {"rebuilt": bool, "has_interests": bool}. Two queries when nothing is due (the
    state; the interests and the communities of the signature); the steady state only reads.
    """
    now = now or timezone.now()
    state = FeedState.objects.filter(member_id=member.pk).first()
    signature, has_interests = _signature(member)
    due = (
        state is None
        or state.built_at is None
        or state.signature != signature
        or state.built_at < now - REBUILD_AFTER
        or state.last_seen is None
        or state.last_seen < inactive_since(now)
    )
    if due:
        build_feed(member, now=now, signature=signature)
        FeedState.objects.filter(member_id=member.pk).update(last_seen=now)
    elif state.last_seen < now - SEEN_EVERY:
        FeedState.objects.filter(member_id=member.pk).update(last_seen=now)
    return {"rebuilt": due, "has_interests": has_interests}


def signature_has_interests(member) -> bool:
    return member.followed_interests.exists()


# --- reading -------------------------------------------------------------------------------


class InvalidCursor(ValueError):
    pass


@dataclass
class Cursor:
    """Where the next page starts: a keyset position, entries held back by the diversity
    rule (shown first next time), and the kinds and communities that ended the page."""

    position: Position
    deferred: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    communities: list[int | None] = field(default_factory=list)

    def encode(self) -> str:
        raw = json.dumps(
            [
                self.position.score,
                self.position.tiebreak,
                self.deferred,
                self.kinds,
                self.communities,
            ],
            separators=(",", ":"),
        )
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, value: str) -> Cursor:
        try:
            padded = value + "=" * (-len(value) % 4)
            score, tiebreak, deferred, kinds, communities = json.loads(
                base64.urlsafe_b64decode(padded.encode()).decode()
            )
            position = Position(float(score), str(tiebreak))
            if not all(isinstance(k, str) and ":" in k for k in deferred) or len(deferred) > 200:
                raise ValueError("deferred")
            kinds = [str(k) for k in kinds][-ranking.MAX_CONSECUTIVE :]
            communities = [int(c) if c is not None else None for c in communities][
                -ranking.MAX_CONSECUTIVE :
            ]
        except (ValueError, TypeError, UnicodeDecodeError) as error:
            raise InvalidCursor(str(error)) from None
        return cls(position, list(deferred), kinds, communities)


@dataclass
class FeedCard:
    """One entry ready to render (plain values: no model instance travels to the template)."""

    entry: StoredEntry
    title: str
    url: str
    summary: str = ""
    when: datetime | None = None
    where: str = ""
    byline: str = ""
    # an event's next sessions (same title, same médiathèque): (when, url), and how many more
    other_sessions: tuple[tuple[datetime, str], ...] = ()
    more_sessions: int = 0

    @property
    def kind(self) -> str:
        return self.entry.kind

    @property
    def key(self) -> str:
        return self.entry.key

    @property
    def reason(self) -> str:
        return self.entry.reason

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS.get(self.entry.kind, ""))

    @property
    def community_id(self) -> int | None:
        return self.entry.community_id

    @property
    def object_id(self) -> int:
        return self.entry.object_id

    @property
    def open_url(self) -> str:
        """The link through the counted "feed entry opened" click-through (member feed)."""
        return open_url(self.entry.kind, self.entry.object_id, self.url)


@dataclass
class FeedPage:
    cards: list[FeedCard]
    next_cursor: str | None
    is_first: bool


def _excerpt(html: str, words: int = 40) -> str:
    return _plain_words(html or "", words, get_language())


@lru_cache(maxsize=512)
def _plain_words(html: str, words: int, language: str | None) -> str:
    # Many members see the same events: their descriptions are stripped once per process
    # (the truncation mark may depend on the language, hence in the key).
    return Truncator(html_to_text(html)).words(words)


class PageUrls:
    """`Page.get_url(request)` from a page's ``url_path`` alone, without loading the page.

    One site (the usual case, and without Wagtail's i18n): the local URL, from the site
    root paths Wagtail caches (kept on the request as Wagtail does), with no site lookup.
    Otherwise each URL comes from Wagtail's own ``get_url`` on a bare page, as before.
    """

    def __init__(self, request=None) -> None:
        self.request = request
        if request is not None:
            try:
                paths = request._wagtail_cached_site_root_paths
            except AttributeError:
                paths = request._wagtail_cached_site_root_paths = Site.get_site_root_paths()
        else:
            paths = Site.get_site_root_paths()
        self.paths = paths
        self.simple = len({p.site_id for p in paths}) == 1 and not getattr(
            settings, "WAGTAIL_I18N_ENABLED", False
        )

    def __call__(self, pk: int, url_path: str) -> str | None:
        if not self.simple:
            return Page(id=pk, url_path=url_path).get_url(self.request)
        for root in self.paths:
            if url_path.startswith(root.root_path):
                return _served_path(
                    url_path[len(root.root_path) :], get_script_prefix(), get_urlconf()
                )
        return None  # not under any site: not routable


@lru_cache(maxsize=4096)
def _served_path(path: str, script_prefix: str, urlconf: str | None) -> str | None:
    """Wagtail's serving URL for a path below a site root (as in ``Page.get_url_parts``)."""
    try:
        url = reverse("wagtail_serve", args=(path,), urlconf=urlconf)
    except NoReverseMatch:
        return None
    if not WAGTAIL_APPEND_SLASH and url != "/":
        url = url.rstrip("/")
    return url


def _without_later_sessions(
    member, store, entries, sessions: EventSessions, read: set[str]
) -> list:
    """`entries` but the later sessions of a series with an earlier session in the feed
    (among the entries `read` from the store so far, or else found there)."""
    sessions.add(e.object_id for e in entries if e.kind == FeedKind.EVENT)
    held = later_sessions(
        entries,
        sessions,
        read,
        lambda keys: {e.key for e in store.get_many(member.pk, sorted(keys))},
    )
    return [e for e in entries if e.key not in held]


def _page_cards(
    ids: dict[str, list[int]], now: datetime, page_url: PageUrls, sessions: EventSessions | None
) -> dict:
    """{entry key: (title, url, card fields)} of the live, public announcements, upcoming
    events and curated lists among `ids`: one query for the pages, whatever their kinds
    (each with its own table joined), after Wagtail's one for its private sections; with
    events, their series' sessions (`sessions`, or one more query)."""
    announcements = set(ids.get(FeedKind.ANNOUNCEMENT, ()))
    events = set(ids.get(FeedKind.EVENT, ()))
    recommendations = set(ids.get(FeedKind.RECOMMENDATION, ()))
    if sessions is None:
        sessions = EventSessions(events, now, page_url)
    rows = (
        Page.objects.live()
        .filter(pk__in=announcements | events | recommendations)
        .exclude(sessions.private)
        .order_by()
        .values_list(
            "pk",
            "title",
            "url_path",
            "first_published_at",
            "announcementpage__pk",
            "announcementpage__intro",
            "eventpage__pk",
            "eventpage__description",
            "eventpage__start",
            "eventpage__end",
            "eventpage__room",
            "eventpage__branch__name",
            "recommendationpage__pk",
            "recommendationpage__intro",
            "recommendationpage__branch__name",
        )
    )
    found: dict[str, tuple] = {}
    for (
        pk,
        title,
        url_path,
        published,
        announcement_pk,
        announcement_intro,
        event_pk,
        description,
        start,
        end,
        room,
        event_branch,
        recommendation_pk,
        recommendation_intro,
        recommendation_branch,
    ) in rows:
        # a page counts only as the kind its entry says (its own table joined), an event
        # only until it is over
        if announcement_pk is not None and pk in announcements:
            kind = FeedKind.ANNOUNCEMENT
            extra = {"summary": announcement_intro, "when": published}
        elif event_pk is not None and pk in events and end >= now:
            kind = FeedKind.EVENT
            where = event_branch + (f" ({room})" if room else "")
            extra = {
                "summary": _excerpt(description),
                "when": start,
                "where": where,
                **sessions.card_fields(pk),
            }
        elif recommendation_pk is not None and pk in recommendations:
            kind = FeedKind.RECOMMENDATION
            extra = {"summary": recommendation_intro, "where": recommendation_branch or ""}
        else:
            continue
        found[f"{kind}:{pk}"] = (title, page_url(pk, url_path), extra)
    return found


def hydrate(
    entries: list[StoredEntry],
    request=None,
    *,
    now: datetime | None = None,
    sessions: EventSessions | None = None,
) -> dict[str, FeedCard]:
    """Cards for these entries, whatever their number: two queries for the pages (Wagtail's
    private sections, then the pages of every kind at once), one for the sessions of the
    events' series (unless `sessions` already holds them), one for catalogue items, one for
    posts; pages are read as plain values (no page objects, no site lookup). Entries whose
    object is gone, private or over are left out. Whether an event's later session is
    shown at all is the caller's choice (`feeds.sessions.later_sessions`)."""
    from community.markup import plain_excerpt

    now = now or timezone.now()
    ids: dict[str, list[int]] = {}
    for entry in entries:
        ids.setdefault(entry.kind, []).append(entry.object_id)
    found: dict[str, tuple] = {}
    page_kinds = {FeedKind.ANNOUNCEMENT, FeedKind.EVENT, FeedKind.RECOMMENDATION}
    if page_kinds & ids.keys():
        found.update(_page_cards(ids, now, PageUrls(request), sessions))
    if ids.get(FeedKind.ITEM):
        for item in (
            CatalogueItem.objects.active()
            .filter(pk__in=ids[FeedKind.ITEM])
            .only("record_id", "title", "authors", "doc_type", "year", "summary")
        ):
            byline = " · ".join(
                str(x) for x in (item.main_author, item.get_doc_type_display(), item.year) if x
            )
            found[f"item:{item.pk}"] = (
                item.title,
                reverse("search:item", args=[item.record_id]),
                {"summary": Truncator(item.summary).words(30), "byline": byline},
            )
    if ids.get(FeedKind.POST):
        for post in (
            Post.objects.published()
            .filter(pk__in=ids[FeedKind.POST])
            .select_related("author", "community")
            .only(
                "community_id",
                "body",
                "published_at",
                "created_at",
                "community__title",
                "author__display_name",
            )
        ):
            found[f"post:{post.pk}"] = (
                post.community.title,
                post.get_absolute_url(),
                {
                    "summary": plain_excerpt(post.body, 280),
                    "when": post.published_at or post.created_at,
                    "byline": post.author.public_name,
                },
            )

    cards: dict[str, FeedCard] = {}
    for entry in entries:
        values = found.get(entry.key)
        if values is not None:
            title, url, extra = values
            cards[entry.key] = FeedCard(entry, title, url, **extra)
    return cards


def _read_candidates(member, store, cursor: Cursor | None, size: int, sessions: EventSessions):
    """The entries a page is picked from, best first: those the previous page held back,
    then the next ones in the store, a page's worth beyond the page (the lookahead), less
    the later sessions of a series with an earlier session in the feed (held back, not
    removed: they come up once the sessions before them are over). Held sessions may leave
    too few: the store is read on, in growing reads, until there are more than a page's
    worth (so that no page behind a "more" link is empty), and twice at most to restore the
    lookahead. Returns (candidates, the entries read from the store, whether it has no
    more)."""
    lookahead = size
    deferred = store.get_many(member.pk, cursor.deferred) if cursor and cursor.deferred else []
    wanted = size + lookahead - len(deferred)
    position = cursor.position if cursor else None
    fresh = store.page(member.pk, before=position, limit=max(wanted, 0))
    exhausted = len(fresh) < wanted
    candidates = sorted(deferred, key=lambda e: (e.score, e.tiebreak), reverse=True)
    seen = {e.key for e in candidates}
    candidates += [e for e in fresh if e.key not in seen]
    read = {e.key for e in deferred} | {e.key for e in fresh}
    candidates = _without_later_sessions(member, store, candidates, sessions, read)
    reads, limit = 0, lookahead
    while not exhausted and (
        len(candidates) <= size or (len(candidates) < size + lookahead and reads < 2)
    ):
        if fresh:
            position = Position(fresh[-1].score, fresh[-1].tiebreak)
        more = store.page(member.pk, before=position, limit=limit)
        exhausted = len(more) < limit
        fresh += more
        more = [e for e in more if e.key not in read]
        read |= {e.key for e in more}
        candidates += _without_later_sessions(member, store, more, sessions, read)
        reads, limit = reads + 1, limit * 2
    candidates.sort(key=lambda e: e.score, reverse=True)
    return candidates, fresh, exhausted


def read_feed(
    member, *, cursor: Cursor | None = None, size: int | None = None, request=None
) -> FeedPage:
    """One page of the member's feed, best first, diversified; stale entries are dropped."""
    size = size or settings.FEED_PAGE_SIZE
    store = get_store()
    now = timezone.now()
    sessions = EventSessions((), now, PageUrls(request))
    candidates, fresh, exhausted = _read_candidates(member, store, cursor, size, sessions)
    # Diversify the stored entries (they carry kind and community), then hydrate only the
    # ones picked: the lookahead costs no object loading. An entry whose object is gone
    # (unpublished, withdrawn, an event now over) leaves the store and the pick is redone.
    cards: dict[str, FeedCard] = {}
    while True:
        picked_entries, rest = ranking.diversify(
            candidates,
            size,
            kind=lambda e: e.kind,
            community=lambda e: e.community_id,
            tail_kinds=cursor.kinds if cursor else (),
            tail_communities=cursor.communities if cursor else (),
            more_coming=not exhausted,
        )
        missing = [e for e in picked_entries if e.key not in cards]
        cards.update(hydrate(missing, request, now=now, sessions=sessions))
        stale = [e for e in missing if e.key not in cards]
        if not stale:
            break
        for entry in stale:
            store.remove_content(entry.kind, entry.object_id, members=[member.pk])
        gone = {e.key for e in stale}
        candidates = [e for e in candidates if e.key not in gone]
    picked = [cards[e.key] for e in picked_entries]
    next_cursor = None
    if rest or not exhausted:
        if fresh:
            last = fresh[-1]
            position = Position(last.score, last.tiebreak)
        else:
            position = cursor.position if cursor else Position(float("inf"), "")
        next_cursor = Cursor(
            position,
            deferred=[e.key for e in rest],
            kinds=[c.kind for c in picked][-ranking.MAX_CONSECUTIVE :]
            or (cursor.kinds if cursor else []),
            communities=[c.community_id for c in picked][-ranking.MAX_CONSECUTIVE :],
        ).encode()
    return FeedPage(picked, next_cursor, is_first=cursor is None)


# --- "not interested" ----------------------------------------------------------------------


def mark_not_interested(member, kind: str, object_id: int) -> bool:
    """The member does not want this entry: it leaves their feed for good (an event with
    every session of its series), and similar ones (same kind and interest, same community)
    sink. Later fan-outs and rebuilds leave it out (ranking.score). Returns False when the
    entry is not in their feed."""
    store = get_store()
    found = store.get_many(member.pk, [f"{kind}:{object_id}"])
    if not found:
        return False
    entry = found[0]
    series_key, sessions = "", [object_id]
    if kind == FeedKind.EVENT:
        series_key = (
            EventPage.objects.filter(pk=object_id).values_list("series_key", flat=True).first()
            or ""
        )
        if series_key:
            sessions = list(
                EventPage.objects.filter(series_key=series_key).values_list("pk", flat=True)
            )
    FeedFeedback.objects.get_or_create(
        member_id=member.pk,
        kind=kind,
        object_id=object_id,
        defaults={
            "interest_id": entry.interest_id,
            "community_id": entry.community_id,
            "series_key": series_key,
        },
    )
    for pk in {object_id, *sessions}:
        store.remove_content(kind, pk, members=[member.pk])
    store.sink(
        member.pk,
        kind=kind,
        object_id=object_id,
        interest_id=entry.interest_id,
        community_id=entry.community_id,
        penalty=0.0,
        similar_penalty=ranking.SIMILAR_PENALTY,
    )
    return True


def undo_not_interested(member, kind: str, object_id: int) -> bool:
    """Take back a "not interested": the mark goes and the feed is rebuilt, so the entry
    (and its series) comes back and similar ones rise again. False when there was no mark."""
    deleted, _rows = FeedFeedback.objects.filter(
        member_id=member.pk, kind=kind, object_id=object_id
    ).delete()
    if deleted:
        build_feed(member)
    return bool(deleted)


# --- public samples (visitors, community pages) ---------------------------------------------


def nearby_sample(
    lat: float, lon: float, *, limit: int = 12, now: datetime | None = None
) -> list[FeedCard]:
    """What is on near a place, for a visitor without an account: upcoming events,
    announcements and curated lists of the nearest branches (and network-wide news),
    ranked by proximity and freshness, diversified."""
    from cms.branches import nearest_branches

    now = now or timezone.now()
    ranked = nearest_branches(lat, lon)
    near = [bd.branch.pk for bd in ranked[:3] if bd.is_near] or [bd.branch.pk for bd in ranked[:1]]
    visitor = load.visitor(lat, lon)
    contents = load.events(
        EventPage.objects.live()
        .public()
        .filter(branch_id__in=near, end__gte=now)
        .order_by("start")[:30]
    )
    contents += load.announcements(
        AnnouncementPage.objects.live()
        .public()
        .filter(Q(branches__in=near) | Q(branches__isnull=True))
        .distinct()
        .order_by("-first_published_at")[:20]
    )
    contents += load.recommendations(
        RecommendationPage.objects.live()
        .public()
        .filter(Q(branch_id__in=near) | Q(branch__isnull=True))
        .order_by("-first_published_at")[:10]
    )
    entries = score_entries(visitor, contents, now, audience=False)
    return _diversified_cards(entries, limit, now)


def community_sample(
    community, *, limit: int = 8, now: datetime | None = None, request=None
) -> list[FeedCard]:
    """A community's feed: library content for its interests (taxonomy-aware) and its
    branches, and its own recent posts, ranked by relevance and freshness, diversified."""
    now = now or timezone.now()
    interests = list(community.interests.all())
    branch_list = list(community.branches.all())
    pseudo = ranking.MemberFacts(
        id=0,
        followed={i.pk: ranking.InterestFact(i.pk, i.name, i.parent_id) for i in interests},
        communities=frozenset([community.pk]),
    )
    if branch_list:
        pseudo.lat = sum(b.latitude for b in branch_list) / len(branch_list)
        pseudo.lon = sum(b.longitude for b in branch_list) / len(branch_list)
    family = list(Interest.objects.with_family(interests).values_list("pk", flat=True))
    contents = load.events(
        EventPage.objects.live()
        .public()
        .filter(interests__in=family, end__gte=now)
        .distinct()
        .order_by("start")[:30]
    )
    contents += load.announcements(
        AnnouncementPage.objects.live()
        .public()
        .filter(interests__in=family)
        .distinct()
        .order_by("-first_published_at")[:20]
    )
    contents += load.recommendations(
        RecommendationPage.objects.live()
        .public()
        .filter(interests__in=family)
        .distinct()
        .order_by("-first_published_at")[:10]
    )
    viewer = getattr(request, "user", None)
    if viewer is not None and viewer.is_authenticated:
        # What this viewer may see: no posts of anyone in a block with them.
        posts = Post.objects.published().filter(community=community)
        hidden = blocked_ids(viewer)
        if hidden:
            posts = posts.exclude(author_id__in=hidden)
    else:
        posts = Post.objects.published().filter(community=community)
    contents += load.posts(posts.order_by("-created_at")[:10])
    entries = score_entries(pseudo, contents, now)
    return _diversified_cards(entries, limit, now, request=request)


def _diversified_cards(entries, limit: int, now: datetime, request=None) -> list[FeedCard]:
    # one card per event series: its next session (the others are listed on it)
    sessions = EventSessions(
        (e.object_id for e in entries if e.kind == FeedKind.EVENT), now, PageUrls(request)
    )
    held = later_sessions(entries, sessions, {e.key for e in entries}, lambda keys: set())
    entries = [e for e in entries if e.key not in held]
    cards = hydrate(entries, request, now=now, sessions=sessions)
    live = [cards[e.key] for e in entries if e.key in cards]
    picked, _rest = ranking.diversify(
        live, limit, kind=lambda c: c.kind, community=lambda c: c.community_id
    )
    return picked
