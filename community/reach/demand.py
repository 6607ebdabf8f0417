"""Demand signals per médiathèque: what members near a branch want against what it holds.

Every figure is an aggregate over a *scope* of branches (one branch, the branches a
librarian works for, or every branch for a network admin), an optional interest (with its
children) and a period:

- followers: members whose home branch is in the scope and who follow the interest (today);
- held: catalogue items (not withdrawn) with a copy in the scope, tagged with the interest;
  acquisitions: the same, entered in the catalogue during the period;
- unmet searches: searches with no or few results (``UnmetSearch``, no person kept);
- waitlisted: waitlist places of events in the scope starting in the period (and, when the
  period runs to today, the upcoming ones: that is where waitlists are); full events: those
  whose confirmed places reached their capacity;
- suggestion supports: "Moi aussi" (the suggestion itself included) given in the period to
  the open purchase suggestions of the scope;
- wanted elsewhere: members of the scope who, in the period, reacted to or clicked
  "Réserver" on an item with no copy at their own home branch;
- trending: items shown in community posts published in the period (communities of the
  scope's branches, or of the whole network).

Each reader returns ``{interest_id: number}`` for the summary (one grouped query) or the
rows of the list behind a figure. Nothing names a member.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from cms.models import Branch, CatalogueItem, EventPage, Holding, Interest
from community import roles
from community.models import (
    EventRegistration,
    FollowedInterest,
    Interaction,
    Post,
    PurchaseSuggestion,
    SuggestionSupport,
)
from community.models.posts import ContentStatus
from community.reach.models import UnmetSearch
from community.reach.report import parse_day

# A query typed fewer times than this in the period is counted but its text not shown: a
# search made once may be someone's name.
MIN_QUERY_SHOWN = 2
LIST_LIMIT = 200
TOP = 10

# The lists behind the figures, in the order of the summary's columns.
LISTS = (
    "followers",
    "held",
    "acquisitions",
    "searches",
    "waitlists",
    "suggestions",
    "elsewhere",
    "trending",
)


class NotYourBranch(PermissionDenied):
    """A librarian asked for a médiathèque they do not work for."""


@dataclass
class Filters:
    start: date
    end: date
    branch: Branch | None = None
    interest: Interest | None = None
    # None: every branch (network admins without a branch filter)
    scope: frozenset[int] | None = None
    errors: list[str] = field(default_factory=list)

    @classmethod
    def from_query(cls, params, user) -> Filters:
        """Parse the query string for `user`; a branch they do not work for is refused
        (PermissionDenied), other bad values are reported and ignored."""
        today = timezone.localdate()
        filters = cls(start=today - timedelta(days=89), end=today)
        for name in ("start", "end"):
            raw = (params.get(name) or "").strip()
            if raw:
                try:
                    setattr(filters, name, parse_day(raw))
                except ValueError:
                    filters.errors.append(
                        _("“%(value)s” is not a valid date.") % {"value": raw[:30]}
                    )
        if filters.start > filters.end:
            filters.errors.append(_("The period starts after it ends: dates swapped."))
            filters.start, filters.end = filters.end, filters.start
        filters.branch = _lookup(Branch, params.get("branch"), filters.errors)
        filters.interest = _lookup(
            Interest.objects.select_related("parent"), params.get("interest"), filters.errors
        )
        allowed = allowed_branch_ids(user)
        if filters.branch is not None:
            if allowed is not None and filters.branch.pk not in allowed:
                raise NotYourBranch(_("You do not work for this médiathèque."))
            filters.scope = frozenset({filters.branch.pk})
        else:
            filters.scope = allowed
        return filters

    def as_query(self) -> dict[str, str]:
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "branch": str(self.branch.pk) if self.branch else "",
            "interest": str(self.interest.pk) if self.interest else "",
        }

    @property
    def since(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.start, time.min))

    @property
    def until(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min))

    def event_start_range(self, prefix: str = "") -> dict:
        """Events starting in the period; when it runs to today, the upcoming ones too."""
        if self.end >= timezone.localdate():
            return {f"{prefix}start__gte": self.since}
        return {f"{prefix}start__gte": self.since, f"{prefix}start__lt": self.until}

    def interest_ids(self) -> list[int] | None:
        """The filtered interest and its children, or None for every interest."""
        if self.interest is None:
            return None
        children = Interest.objects.filter(parent=self.interest).values_list("pk", flat=True)
        return [self.interest.pk, *children]

    def in_scope(self, queryset: QuerySet, lookup: str) -> QuerySet:
        if self.scope is None:
            return queryset
        return queryset.filter(**{f"{lookup}__in": self.scope})

    def with_interest(self, queryset: QuerySet, lookup: str) -> QuerySet:
        ids = self.interest_ids()
        if ids is None:
            return queryset
        return queryset.filter(**{f"{lookup}__in": ids})


def _lookup(model_or_qs, raw, errors: list[str]):
    raw = (raw or "").strip()
    if not raw:
        return None
    queryset = model_or_qs.all() if hasattr(model_or_qs, "all") else model_or_qs.objects
    found = queryset.filter(pk=int(raw)).first() if raw.isdigit() else None
    if found is None:
        errors.append(_("Unknown filter value “%(value)s”: ignored.") % {"value": raw[:30]})
    return found


def allowed_branch_ids(user) -> frozenset[int] | None:
    """Branches `user` may read demand for: None for all (network admins), the branches a
    librarian works for, PermissionDenied for anyone else."""
    if roles.is_network_admin(user):
        return None
    if roles.is_librarian(user):
        return roles.staffed_branch_ids(user)
    raise PermissionDenied


def branch_choices(user) -> QuerySet[Branch]:
    allowed = allowed_branch_ids(user)
    branches = Branch.objects.only("pk", "name").order_by("name")
    return branches if allowed is None else branches.filter(pk__in=allowed)


# --- The querysets behind each figure ------------------------------------------------------


def followers_qs(f: Filters) -> QuerySet[FollowedInterest]:
    qs = FollowedInterest.objects.filter(user__is_active=True, user__home_branch__isnull=False)
    return f.with_interest(f.in_scope(qs, "user__home_branch"), "interest")


def holdings_qs(f: Filters, *, recent: bool = False) -> QuerySet[Holding]:
    qs = Holding.objects.filter(item__withdrawn=False)
    if recent:
        qs = qs.filter(item__created_at__gte=f.since, item__created_at__lt=f.until)
    return f.with_interest(f.in_scope(qs, "branch"), "item__interests")


def unmet_qs(f: Filters, *, per_interest: bool = True) -> QuerySet[UnmetSearch]:
    qs = UnmetSearch.objects.filter(day__gte=f.start, day__lte=f.end)
    qs = f.in_scope(qs, "branch")
    if f.interest is not None:
        return f.with_interest(qs, "interest")
    return qs.filter(interest__isnull=not per_interest)


def events_qs(f: Filters) -> QuerySet[EventPage]:
    qs = EventPage.objects.live().filter(**f.event_start_range())
    return f.with_interest(f.in_scope(qs, "branch"), "interests")


def waitlisted_qs(f: Filters) -> QuerySet[EventRegistration]:
    qs = EventRegistration.objects.filter(
        status=EventRegistration.Status.WAITLISTED,
        event__live=True,
        **f.event_start_range("event__"),
    )
    return f.with_interest(f.in_scope(qs, "event__branch"), "event__interests")


def full_events_qs(f: Filters) -> QuerySet[EventPage]:
    """Events of the scope and period whose confirmed places reached their capacity."""
    full = (
        events_qs(f)
        .filter(capacity__isnull=False)
        .annotate(
            confirmed=Count(
                "registrations",
                filter=Q(registrations__status=EventRegistration.Status.CONFIRMED),
                distinct=True,
            )
        )
        .filter(confirmed__gte=F("capacity"))
    )
    return EventPage.objects.filter(pk__in=full.values("pk"))


def supports_qs(f: Filters) -> QuerySet[SuggestionSupport]:
    qs = SuggestionSupport.objects.filter(
        created_at__gte=f.since,
        created_at__lt=f.until,
        suggestion__status__in=PurchaseSuggestion.OPEN,
    )
    qs = f.in_scope(qs, "suggestion__branches")
    return f.with_interest(qs, "suggestion__interests")


def elsewhere_qs(f: Filters) -> QuerySet[Interaction]:
    """Interactions of the scope's members with items that have no copy at their own
    home branch (held elsewhere in the network, or not at all)."""
    qs = Interaction.objects.filter(
        created_at__gte=f.since, created_at__lt=f.until, member__home_branch__isnull=False
    ).exclude(item__holdings__branch=F("member__home_branch"))
    qs = f.in_scope(qs, "member__home_branch")
    return f.with_interest(qs, "item__interests")


def trending_posts_qs(f: Filters) -> QuerySet[Post]:
    qs = Post.objects.filter(
        status=ContentStatus.PUBLISHED,
        catalogue_item__isnull=False,
        created_at__gte=f.since,
        created_at__lt=f.until,
    )
    if f.scope is not None and not f.scope:
        return qs.none()
    if f.scope is not None:
        qs = qs.filter(Q(community__branches__in=f.scope) | Q(community__branches__isnull=True))
    return f.with_interest(qs, "catalogue_item__interests")


# --- The summary: one row per interest ----------------------------------------------------


def _per_interest(queryset: QuerySet, interest_lookup: str, counted: str, *, total=None) -> dict:
    aggregate = Sum(counted) if total == "sum" else Count(counted, distinct=True)
    rows = (
        queryset.filter(**{f"{interest_lookup}__isnull": False})
        .values_list(interest_lookup)
        .annotate(n=aggregate)
        .order_by()
    )
    return dict(rows)


def summary(f: Filters) -> dict:
    """{"rows": one per interest with every figure, "totals": figures over all interests}."""
    columns = {
        "followers": _per_interest(followers_qs(f), "interest", "user"),
        "held": _per_interest(holdings_qs(f), "item__interests", "item"),
        "acquisitions": _per_interest(holdings_qs(f, recent=True), "item__interests", "item"),
        "searches": _per_interest(unmet_qs(f), "interest", "count", total="sum"),
        "waitlisted": _per_interest(waitlisted_qs(f), "event__interests", "pk"),
        "full_events": _per_interest(full_events_qs(f), "interests", "pk"),
        "supports": _per_interest(supports_qs(f), "suggestion__interests", "pk"),
        "elsewhere": _per_interest(elsewhere_qs(f), "item__interests", "member"),
        "trending": _per_interest(trending_posts_qs(f), "catalogue_item__interests", "pk"),
    }
    keys = set().union(*columns.values())
    labels = {i.pk: i.label for i in Interest.objects.filter(pk__in=keys).select_related("parent")}
    rows = []
    for key in keys:
        row = {name: values.get(key, 0) for name, values in columns.items()}
        row["interest_id"] = key
        row["label"] = labels.get(key, "—")
        row["per_follower"] = round(row["held"] / row["followers"], 1) if row["followers"] else None
        rows.append(row)
    rows.sort(key=lambda r: (-r["followers"], -r["searches"], r["label"]))
    totals = {
        "searches": unmet_qs(f, per_interest=False).aggregate(n=Sum("count"))["n"] or 0,
        "held": holdings_qs(f).values("item").distinct().count(),
        "acquisitions": holdings_qs(f, recent=True).values("item").distinct().count(),
        "waitlisted": waitlisted_qs(f).count(),
        "full_events": full_events_qs(f).count(),
    }
    return {"rows": rows, "totals": totals}


# --- The lists behind the figures ---------------------------------------------------------


def followers_list(f: Filters, limit: int | None = LIST_LIMIT) -> list[dict]:
    """How many followers per commune (never who): the list behind "followers"."""
    rows = (
        followers_qs(f)
        .values_list("user__commune_name", "user__home_branch__name")
        .annotate(n=Count("user", distinct=True))
        .order_by("-n", "user__commune_name")
    )
    return [
        {"commune": commune or _("(commune not given)"), "branch": branch, "count": n}
        for commune, branch, n in rows[:limit]
    ]


def items_list(f: Filters, limit: int | None = LIST_LIMIT, *, recent: bool = False) -> list[dict]:
    """Items held in the scope (entered in the period when `recent`), with their copies."""
    rows = (
        holdings_qs(f, recent=recent)
        .values_list("item_id", "item__title", "item__authors", "item__created_at")
        .annotate(copies=Count("pk", distinct=True))
        .order_by("-item__created_at", "item__title")
    )
    return [
        {"item_id": pk, "title": title, "authors": authors, "created": created, "copies": n}
        for pk, title, authors, created, n in rows[:limit]
    ]


def searches_list(f: Filters, limit: int | None = LIST_LIMIT) -> dict:
    """Folded queries with their count, most frequent first; those typed fewer than
    `MIN_QUERY_SHOWN` times are only counted."""
    qs = unmet_qs(f, per_interest=f.interest is not None)
    rows = (
        qs.values_list("query", "outcome")
        .annotate(n=Sum("count"))
        .order_by("-n", "query", "outcome")
    )
    shown, hidden = [], 0
    labels = dict(UnmetSearch.Outcome.choices)
    for query, outcome, n in rows:
        if n >= MIN_QUERY_SHOWN and (limit is None or len(shown) < limit):
            shown.append({"query": query, "outcome": str(labels[outcome]), "count": n})
        else:
            hidden += n
    return {"rows": shown, "hidden": hidden}


def waitlists_list(f: Filters, limit: int | None = LIST_LIMIT) -> list[dict]:
    """Events of the scope and period with a waitlist or full, fullest first."""
    events = (
        events_qs(f)
        .annotate(
            confirmed=Count(
                "registrations",
                filter=Q(registrations__status=EventRegistration.Status.CONFIRMED),
                distinct=True,
            ),
            waitlisted=Count(
                "registrations",
                filter=Q(registrations__status=EventRegistration.Status.WAITLISTED),
                distinct=True,
            ),
        )
        .filter(Q(waitlisted__gt=0) | Q(capacity__isnull=False, confirmed__gte=F("capacity")))
        .select_related("branch")
        .order_by("-waitlisted", "start")
    )
    return [
        {
            "event_id": event.pk,
            "title": event.title,
            "start": event.start,
            "branch": event.branch.name,
            "capacity": event.capacity,
            "confirmed": event.confirmed,
            "waitlisted": event.waitlisted,
            "full": event.capacity is not None and event.confirmed >= event.capacity,
        }
        for event in events[:limit]
    ]


def suggestions_list(f: Filters, limit: int | None = LIST_LIMIT) -> list[dict]:
    """Open purchase suggestions of the scope, by supports given in the period."""
    rows = (
        supports_qs(f)
        .values_list(
            "suggestion_id", "suggestion__title", "suggestion__author", "suggestion__status"
        )
        .annotate(n=Count("pk", distinct=True))
        .order_by("-n", "suggestion__title")
    )
    labels = dict(PurchaseSuggestion.Status.choices)
    return [
        {
            "suggestion_id": pk,
            "title": title,
            "author": author,
            "status": str(labels.get(status, status)),
            "count": n,
        }
        for pk, title, author, status, n in rows[:limit]
    ]


def elsewhere_list(f: Filters, limit: int | None = LIST_LIMIT) -> list[dict]:
    """Items with no copy at the home branch of the scope's members who wanted them, by
    number of members; with the number of copies in the whole network."""
    rows = list(
        elsewhere_qs(f)
        .values_list("item_id", "item__title", "item__authors")
        .annotate(n=Count("member", distinct=True))
        .order_by("-n", "item__title")[:limit]
    )
    copies = dict(
        Holding.objects.filter(item_id__in=[r[0] for r in rows])
        .values_list("item_id")
        .annotate(c=Count("pk"))
        .order_by()
    )
    return [
        {"item_id": pk, "title": title, "authors": authors, "count": n, "copies": copies.get(pk, 0)}
        for pk, title, authors, n in rows
    ]


def trending_list(f: Filters, limit: int | None = LIST_LIMIT) -> list[dict]:
    """Items shown in community posts of the period, by posts then reactions, with their
    copies in the scope (0: a title the community talks about that the branch lacks)."""
    rows = list(
        trending_posts_qs(f)
        .values_list("catalogue_item_id")
        .annotate(
            posts=Count("pk", distinct=True),
            reactions=Count("reactions", distinct=True),
        )
        .order_by("-posts", "-reactions", "catalogue_item_id")[:limit]
    )
    ids = [r[0] for r in rows]
    items = {
        item.pk: item for item in CatalogueItem.objects.filter(pk__in=ids).only("title", "authors")
    }
    copies = dict(
        f.in_scope(Holding.objects.filter(item_id__in=ids), "branch")
        .values_list("item_id")
        .annotate(c=Count("pk"))
        .order_by()
    )
    return [
        {
            "item_id": pk,
            "title": items[pk].title if pk in items else "—",
            "authors": items[pk].authors if pk in items else "",
            "posts": posts,
            "reactions": reactions,
            "copies": copies.get(pk, 0),
        }
        for pk, posts, reactions in rows
    ]
