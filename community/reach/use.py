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


def _figures(filters: Filters, start: date, end: date) -> dict:
    """{(branch_id, interest_id or None): {metric: value}} for one period."""
    since, until = _bounds(start, end)
    cells: dict = defaultdict(lambda: dict.fromkeys(METRICS, 0))

    followers = FollowedInterest.objects.filter(
        user__is_active=True, user__home_branch__isnull=False, user__date_joined__lt=until
    )
    members = User.objects.filter(is_active=True, home_branch__isnull=False, date_joined__lt=until)
    if filters.branch is not None:
        followers = followers.filter(user__home_branch=filters.branch)
        members = members.filter(home_branch=filters.branch)
    if filters.interest is not None:
        followers = followers.filter(interest=filters.interest)
    active_followers = followers.filter(_active_filter(since, until, "user_id"))
    active_members = members.filter(_active_filter(since, until, "pk"))
    for metric, qs in (("reached", followers), ("active", active_followers)):
        for branch_id, interest_id, n in (
            qs.values_list("user__home_branch", "interest")
            .annotate(n=Count("user", distinct=True))
            .order_by()
        ):
            cells[(branch_id, interest_id)][metric] = n
    if filters.interest is None:
        for metric, qs in (("reached", members), ("active", active_members)):
            for branch_id, n in qs.values_list("home_branch").annotate(n=Count("pk")).order_by():
                cells[(branch_id, None)][metric] = n

    steps = {Step.EVENT_REGISTRATION: "registrations", Step.RESERVATION_CLICKED: "reservations"}
    funnel = FunnelCount.objects.filter(
        day__gte=start, day__lte=end, step__in=list(steps), branch__isnull=False
    )
    if filters.source:
        funnel = funnel.filter(source=filters.source)
    if filters.branch is not None:
        funnel = funnel.filter(branch=filters.branch)
    if filters.interest is not None:
        funnel = funnel.filter(interest=filters.interest)
    for branch_id, interest_id, step, n in (
        funnel.values_list("branch", "interest", "step").annotate(n=Sum("count")).order_by()
    ):
        cells[(branch_id, interest_id)][steps[step]] = n

    use = LibraryUse.objects.filter(month__gte=start, month__lte=end).filter(
        Q(interest__isnull=False) | Q(code="")
    )
    if filters.branch is not None:
        use = use.filter(branch=filters.branch)
    if filters.interest is not None:
        use = use.filter(interest=filters.interest)
    for branch_id, interest_id, loans, new_cards in (
        use.values_list("branch", "interest")
        .annotate(loans=Sum("loans"), new_cards=Sum("new_cards"))
        .order_by()
    ):
        cells[(branch_id, interest_id)]["loans"] = loans
        cells[(branch_id, interest_id)]["new_cards"] = new_cards
    return cells


def reach_to_use(filters: Filters) -> dict:
    """{"rows": [...], "previous": (start, end)}; each row: branch, interest (label or
    None for the totals) and, per metric, the period's value, the previous one and the
    change in percent (None when the previous value is 0)."""
    previous_start, previous_end = previous_period(filters.start, filters.end)
    current = _figures(filters, filters.start, filters.end)
    before = _figures(filters, previous_start, previous_end)
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
