"""From reach to library use, per branch and interest, against the period before.

For each (branch, interest) — and each branch's totals, interest "all" —, over a period and
over the period of the same length just before it:

- members reached: active accounts whose home branch it is, following the interest (for
  the totals: all of them), who had signed up by the end of the period;
- active members: those of them who did something in the period (posted, commented,
  reacted, joined a community, registered for an event, liked or reserved an item);
- event registrations and "Réserver" clicks: the funnel's counts (``FunnelCount``);
- loans and new cards: the library system's figures (``LibraryUse``) for the months that
  start in the period (totals: the lines with neither interest nor code).

Aggregates only. What they can and cannot show is in the README ("Impact").
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils import timezone

from cms.models import Branch, Interest
from community.journey import Step
from community.models import (
    EventRegistration,
    FollowedInterest,
    Interaction,
    Membership,
    User,
)
from community.models.posts import Comment, Post, Reaction
from community.reach.models import FunnelCount, LibraryUse
from community.reach.report import Filters, add_months, month_start

METRICS = ("reached", "active", "registrations", "reservations", "loans", "new_cards")


def previous_period(start: date, end: date) -> tuple[date, date]:
    """The period just before: as many whole months earlier when the period starts on the
    first of a month (so that monthly loans compare month for month: 1 January – 7 December
    gives 1 January – 7 December of the year before), else as many days."""
    if start.day != 1:
        length = end - start
        return start - timedelta(days=1) - length, start - timedelta(days=1)
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    previous_start = add_months(start, -months)
    shifted = add_months(month_start(end), -months)
    last_day = (add_months(shifted, 1) - timedelta(days=1)).day
    shifted_end = shifted.replace(day=min(end.day, last_day))
    return previous_start, min(shifted_end, start - timedelta(days=1))


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    since = timezone.make_aware(datetime.combine(start, time.min))
    until = timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min))
    return since, until


def _active_filter(since: datetime, until: datetime, user_ref: str) -> Q:
    """An Exists per kind of action: the member did something in [since, until)."""
    window = {"created_at__gte": since, "created_at__lt": until}
    checks = [
        Exists(Post.objects.filter(author=OuterRef(user_ref), **window)),
        Exists(Comment.objects.filter(author=OuterRef(user_ref), **window)),
        Exists(Reaction.objects.filter(user=OuterRef(user_ref), **window)),
        Exists(EventRegistration.objects.filter(user=OuterRef(user_ref), **window)),
        Exists(Interaction.objects.filter(member=OuterRef(user_ref), **window)),
        Exists(
            Membership.objects.filter(
                user=OuterRef(user_ref), joined_at__gte=since, joined_at__lt=until
            )
        ),
    ]
    q = Q(checks[0])
    for check in checks[1:]:
        q |= Q(check)
    return q


def _figures(filters: Filters, periods: dict[str, tuple[date, date]]) -> dict:
    """{period name: {(branch_id, interest_id or None): {metric: value}}}, every period
    counted by the same four queries (conditional aggregates), whatever the data."""
    cells = {name: defaultdict(lambda: dict.fromkeys(METRICS, 0)) for name in periods}
    bounds = {name: _bounds(*period) for name, period in periods.items()}
    first = min(start for start, _end in periods.values())
    last = max(end for _start, end in periods.values())

    followers = FollowedInterest.objects.filter(
        user__is_active=True, user__home_branch__isnull=False
    )
    members = User.objects.filter(is_active=True, home_branch__isnull=False)
    if filters.branch is not None:
        followers = followers.filter(user__home_branch=filters.branch)
        members = members.filter(home_branch=filters.branch)
    if filters.interest is not None:
        followers = followers.filter(interest=filters.interest)

    def people(user_ref: str, joined: str) -> dict:
        aggregates = {}
        for name, (since, until) in bounds.items():
            signed_up = Q(**{f"{joined}__lt": until})
            aggregates[f"reached_{name}"] = Count(user_ref, distinct=True, filter=signed_up)
            aggregates[f"active_{name}"] = Count(
                user_ref, distinct=True, filter=signed_up & _active_filter(since, until, user_ref)
            )
        return aggregates

    grouped = (
        followers.values("user__home_branch", "interest")
        .annotate(**people("user", "user__date_joined"))
        .order_by()
    )
    rows = [((row["user__home_branch"], row["interest"]), row) for row in grouped]
    if filters.interest is None:
        totals = members.values("home_branch").annotate(**people("pk", "date_joined")).order_by()
        rows += [((row["home_branch"], None), row) for row in totals]
    for key, row in rows:
        for name in periods:
            cells[name][key]["reached"] = row[f"reached_{name}"]
            cells[name][key]["active"] = row[f"active_{name}"]

    steps = {Step.EVENT_REGISTRATION: "registrations", Step.RESERVATION_CLICKED: "reservations"}
    funnel = FunnelCount.objects.filter(
        day__gte=first, day__lte=last, step__in=list(steps), branch__isnull=False
    )
    if filters.source:
        funnel = funnel.filter(source=filters.source)
    if filters.branch is not None:
        funnel = funnel.filter(branch=filters.branch)
    if filters.interest is not None:
        funnel = funnel.filter(interest=filters.interest)
    sums = {
        name: Sum("count", filter=Q(day__gte=start, day__lte=end))
        for name, (start, end) in periods.items()
    }
    for row in funnel.values("branch", "interest", "step").annotate(**sums).order_by():
        for name in periods:
            cells[name][(row["branch"], row["interest"])][steps[row["step"]]] = row[name] or 0

    use = LibraryUse.objects.filter(month__gte=first, month__lte=last).filter(
        Q(interest__isnull=False) | Q(code="")
    )
    if filters.branch is not None:
        use = use.filter(branch=filters.branch)
    if filters.interest is not None:
        use = use.filter(interest=filters.interest)
    sums = {}
    for name, (start, end) in periods.items():
        in_period = Q(month__gte=start, month__lte=end)
        sums[f"loans_{name}"] = Sum("loans", filter=in_period)
        sums[f"new_cards_{name}"] = Sum("new_cards", filter=in_period)
    for row in use.values("branch", "interest").annotate(**sums).order_by():
        for name in periods:
            cell = cells[name][(row["branch"], row["interest"])]
            cell["loans"] = row[f"loans_{name}"] or 0
            cell["new_cards"] = row[f"new_cards_{name}"] or 0
    return cells


def reach_to_use(filters: Filters) -> dict:
    """{"rows": [...], "previous": (start, end)}; each row: branch, interest (label or
    None for the totals) and, per metric, the period's value, the previous one and the
    change in percent (None when the previous value is 0)."""
    previous_start, previous_end = previous_period(filters.start, filters.end)
    figures = _figures(
        filters,
        {"now": (filters.start, filters.end), "before": (previous_start, previous_end)},
    )
    current, before = figures["now"], figures["before"]
    keys = {key for key, values in current.items() if any(values.values())}
    keys |= {key for key, values in before.items() if any(values.values())}
    branch_names = dict(
        Branch.objects.filter(pk__in={k[0] for k in keys}).values_list("pk", "name")
    )
    labels = {
        i.pk: i.label
        for i in Interest.objects.filter(pk__in={k[1] for k in keys if k[1]}).select_related(
            "parent"
        )
    }
    rows = []
    for branch_id, interest_id in keys:
        now = current.get((branch_id, interest_id), dict.fromkeys(METRICS, 0))
        then = before.get((branch_id, interest_id), dict.fromkeys(METRICS, 0))
        rows.append(
            {
                "branch": branch_names.get(branch_id, "—"),
                "interest": labels.get(interest_id) if interest_id else None,
                "cells": [
                    {
                        "metric": metric,
                        "value": now[metric],
                        "previous": then[metric],
                        "change": round(100 * (now[metric] - then[metric]) / then[metric])
                        if then[metric]
                        else None,
                    }
                    for metric in METRICS
                ],
            }
        )
    rows.sort(key=lambda r: (r["branch"], r["interest"] is not None, r["interest"] or ""))
    return {"rows": rows, "previous": (previous_start, previous_end)}
