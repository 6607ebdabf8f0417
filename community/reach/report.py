"""Reading the funnel: filters, totals per step, breakdowns, months, CSV rows.

Totals always read the ``interest IS NULL`` rows (one per step occurrence); filtering on
an interest reads that interest's rows instead. Breaking down by interest reads every
interest's rows: a step concerning two interests appears under both, so that breakdown's
rows do not add up to the total (the dashboard says so).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import F, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from cms.models import Branch, Interest
from community.journey import Step
from community.reach.models import FunnelCount, Source

GROUPS = ("source", "branch", "interest", "month")
STEPS = list(Step)


def source_label(source: str) -> str:
    if source in Source.values:
        return str(Source(source).label)
    return _("Partner: %(slug)s") % {"slug": source}


# Dates outside these bounds are refused: a period must leave room for the period before
# and the day after (year 1 or 9999 would overflow).
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)


def parse_day(raw: str) -> date:
    """An ISO date between `FIRST_DAY` and `LAST_DAY`, or ValueError."""
    day = date.fromisoformat(raw)
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(raw)
    return day


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass
class Filters:
    start: date
    end: date
    source: str = ""
    branch: Branch | None = None
    interest: Interest | None = None
    group: str = "source"
    errors: list[str] = field(default_factory=list)

    @classmethod
    def default(cls) -> Filters:
        today = timezone.localdate()
        return cls(start=add_months(month_start(today), -11), end=today)

    @classmethod
    def from_query(cls, params) -> Filters:
        """Parse the dashboard's query string; bad values are reported, not fatal."""
        filters = cls.default()
        for name in ("start", "end"):
            raw = params.get(name, "").strip()
            if raw:
                try:
                    setattr(filters, name, parse_day(raw))
                except ValueError:
                    filters.errors.append(_("“%(value)s” is not a valid date.") % {"value": raw})
        if filters.start > filters.end:
            filters.errors.append(_("The period starts after it ends: dates swapped."))
            filters.start, filters.end = filters.end, filters.start
        filters.source = params.get("source", "").strip()[:60]
        filters.branch = _lookup(Branch, params.get("branch", ""), filters.errors)
        filters.interest = _lookup(Interest, params.get("interest", ""), filters.errors)
        group = params.get("group", "source")
        filters.group = group if group in GROUPS else "source"
        return filters

    def as_query(self) -> dict[str, str]:
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "source": self.source,
            "branch": str(self.branch.pk) if self.branch else "",
            "interest": str(self.interest.pk) if self.interest else "",
            "group": self.group,
        }

    def queryset(self, *, per_interest: bool = False) -> QuerySet[FunnelCount]:
        qs = FunnelCount.objects.filter(day__gte=self.start, day__lte=self.end)
        if self.source:
            qs = qs.filter(source=self.source)
        if self.branch is not None:
            qs = qs.filter(branch=self.branch)
        if self.interest is not None:
            qs = qs.filter(interest=self.interest)
        elif per_interest:
            qs = qs.filter(interest__isnull=False)
        else:
            qs = qs.filter(interest__isnull=True)
        return qs


def _lookup(model, raw: str, errors: list[str]):
    raw = (raw or "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        errors.append(_("Unknown filter value “%(value)s”: ignored.") % {"value": raw[:30]})
        return None
    obj = model.objects.filter(pk=int(raw)).first()
    if obj is None:
        errors.append(_("Unknown filter value “%(value)s”: ignored.") % {"value": raw[:30]})
    return obj


# --- Aggregates ---------------------------------------------------------------------------


# Each step's rate and what it is taken from. A "share" step is a part of its base (people
# who answered the questionnaire among those who were shown it): a percentage, at most
# 100 %. The member steps can happen many times per person (several communities joined,
# many entries opened): they are a ratio to the accounts created, never a percentage.
SHARE, RATIO = "share", "ratio"
RATE_BASES = {
    Step.QUESTIONNAIRE_ANSWERED: (Step.WIDGET_SHOWN, SHARE),
    Step.CONSENT_REQUESTED: (Step.QUESTIONNAIRE_ANSWERED, SHARE),
    Step.CONSENT_GIVEN: (Step.QUESTIONNAIRE_ANSWERED, SHARE),
    Step.COMMUNITY_JOINED: (Step.ACCOUNT_CREATED, RATIO),
    Step.FEED_ENTRY_OPENED: (Step.ACCOUNT_CREATED, RATIO),
    Step.EVENT_REGISTRATION: (Step.ACCOUNT_CREATED, RATIO),
    Step.CARD_SIGNUP_CLICKED: (Step.ACCOUNT_CREATED, RATIO),
    Step.RESERVATION_CLICKED: (Step.ACCOUNT_CREATED, RATIO),
}


def _share_label(value: str, base: Step) -> str:
    labels = {
        Step.WIDGET_SHOWN: _("%(value)s %% of the questionnaires shown"),
        Step.QUESTIONNAIRE_ANSWERED: _("%(value)s %% of the questionnaires answered"),
    }
    return labels[base] % {"value": value}


def _ratio_label(value: str, base: Step) -> str:
    labels = {
        Step.WIDGET_SHOWN: _("%(value)s per questionnaire shown"),
        Step.QUESTIONNAIRE_ANSWERED: _("%(value)s per questionnaire answered"),
        Step.ACCOUNT_CREATED: _("%(value)s per account created in the period"),
    }
    return labels[base] % {"value": value}


def rate(step: Step, counts: dict[str, int]) -> dict:
    """{"value", "kind", "label"} of *step*'s rate given the counts of every step, or an
    empty dict when it has no base or the base is zero. A share above 100 % (steps of
    different periods) is shown as a ratio, which says so."""
    if step not in RATE_BASES:
        return {}
    base, kind = RATE_BASES[step]
    count, total = counts.get(step.value, 0), counts.get(base.value, 0)
    if not total:
        return {}
    if kind == SHARE and count <= total:
        value = round(100 * count / total, 1)
        return {"value": value, "kind": SHARE, "label": _share_label(number_format(value, 1), base)}
    value = round(count / total, 2)
    return {"value": value, "kind": RATIO, "label": _ratio_label(number_format(value, 2), base)}


def funnel(filters: Filters) -> list[dict]:
    """One row per step, in journey order: its count and its rate (see `RATE_BASES`)."""
    sums = dict(filters.queryset().values_list("step").annotate(total=Sum("count")).order_by())
    return [
        {
            "step": step.value,
            "label": str(step.label),
            "count": sums.get(step.value, 0),
            "rate": rate(step, sums),
        }
        for step in STEPS
    ]


def breakdown(filters: Filters) -> list[dict]:
    """Rows of the chosen dimension, each with its counts per step (journey order)."""
    group = filters.group
    per_interest = group == "interest" and filters.interest is None
    qs = filters.queryset(per_interest=per_interest)
    key = TruncMonth("day") if group == "month" else _KEYS[group]
    qs = qs.annotate(key=key)
    cells: dict = {}
    for key, step, total in qs.values_list("key", "step").annotate(total=Sum("count")).order_by():
        if hasattr(key, "date") and callable(key.date):  # TruncMonth may give a datetime
            key = key.date()
        cells.setdefault(key, {})[step] = total
    labels = _labels(group, list(cells))
    rows = [
        {
            "key": key,
            "label": labels.get(key, "—"),
            "counts": [cells[key].get(step.value, 0) for step in STEPS],
        }
        for key in cells
    ]
    if group == "month":
        rows.sort(key=lambda row: row["key"])
    else:
        rows.sort(key=lambda row: (-sum(row["counts"]), row["label"]))
    return rows


_KEYS = {"source": F("source"), "branch": F("branch_id"), "interest": F("interest_id")}


def _labels(group: str, keys: list) -> dict:
    if group == "source":
        return {key: source_label(key) for key in keys}
    if group == "branch":
        names = dict(Branch.objects.filter(pk__in=[k for k in keys if k]).values_list("pk", "name"))
        return {key: names.get(key, _("No branch")) for key in keys}
    if group == "interest":
        interests = Interest.objects.filter(pk__in=[k for k in keys if k]).select_related("parent")
        by_pk = {interest.pk: interest.label for interest in interests}
        return {key: by_pk.get(key, _("No interest")) for key in keys}
    return {key: month_label(key) for key in keys}


def month_label(day: date) -> str:
    """A month as people write it, in full: "juin 2026" (never "Jui 26")."""
    from django.utils.dateformat import format as date_format

    return date_format(day, "F Y")


def monthly(filters: Filters) -> tuple[list[date], dict[str, list[int]]]:
    """(months of the period, {step: count per month}) for the line chart."""
    months = []
    current = month_start(filters.start)
    while current <= filters.end:
        months.append(current)
        current = add_months(current, 1)
    series = {step.value: [0] * len(months) for step in STEPS}
    index = {month: i for i, month in enumerate(months)}
    qs = filters.queryset().annotate(month=TruncMonth("day"))
    for month, step, total in (
        qs.values_list("month", "step").annotate(total=Sum("count")).order_by()
    ):
        if hasattr(month, "date") and callable(month.date):
            month = month.date()
        if month in index and step in series:
            series[step][index[month]] = total
    return months, series


def csv_rows(filters: Filters) -> list[tuple]:
    """(month, step, source, branch, interest, count), totals and per-interest rows.

    Without an interest filter, rows with an empty interest are the totals and the other
    rows the per-interest counts (which overlap: do not add them to the totals).
    """
    qs = FunnelCount.objects.filter(day__gte=filters.start, day__lte=filters.end)
    if filters.source:
        qs = qs.filter(source=filters.source)
    if filters.branch is not None:
        qs = qs.filter(branch=filters.branch)
    if filters.interest is not None:
        qs = qs.filter(interest=filters.interest)
    rows = (
        qs.annotate(month=TruncMonth("day"))
        .values_list("month", "step", "source", "branch__name", "interest_id")
        .annotate(total=Sum("count"))
        .order_by("month", "step", "source", "branch__name", "interest_id")
    )
    interests = {i.pk: i.label for i in Interest.objects.select_related("parent")}
    order = {step.value: n for n, step in enumerate(STEPS)}
    result = []
    for month, step, source, branch_name, interest_id, total in rows:
        if hasattr(month, "date") and callable(month.date):
            month = month.date()
        result.append(
            (
                month,
                step,
                source,
                branch_name or "",
                interests.get(interest_id, "") if interest_id else "",
                total,
            )
        )
    result.sort(key=lambda r: (r[0], order.get(r[1], 99), r[2], r[3], r[4] != "", r[4]))
    return result


def sources_in_use() -> list[tuple[str, str]]:
    values = FunnelCount.objects.values_list("source", flat=True).distinct().order_by("source")
    return [(value, source_label(value)) for value in values]
