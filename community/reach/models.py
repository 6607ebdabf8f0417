"""Aggregate funnel counts and the weekly digest's delivery log."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from community.journey import Step


class Source(models.TextChoices):
    """Where people came from. A partner's slug is stored as the source itself."""

    FACEBOOK = "facebook", _("Facebook")
    SEARCH = "search", _("Search")
    DIRECT = "direct", _("Direct")
    OTHER = "other", _("Other campaign")


class FunnelCount(models.Model):
    """How many times `step` happened on `day`, from `source`, at `branch`, for `interest`.

    One step increments the row with ``interest = NULL`` once (the totals) and, in addition,
    one row per interest it concerns: sum the NULL rows for totals, filter on one interest
    for that interest. ``branch`` is a plain dimension (one value per step, possibly NULL):
    summing over it never double-counts.
    """

    day = models.DateField(_("day"))
    step = models.CharField(_("step"), max_length=40, choices=Step)
    source = models.CharField(_("source"), max_length=60)
    branch = models.ForeignKey(
        "cms.Branch",
        verbose_name=_("branch"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    interest = models.ForeignKey(
        "cms.Interest",
        verbose_name=_("interest"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,  # the interest-NULL rows keep the totals
        related_name="+",
    )
    count = models.PositiveIntegerField(_("count"), default=0)

    class Meta:
        verbose_name = _("funnel count")
        verbose_name_plural = _("funnel counts")
        constraints = [
            # NULL branch/interest must collide too: hence the COALESCE (works on SQLite
            # and PostgreSQL, and is the conflict target of the upsert in funnel.py).
            models.UniqueConstraint(
                "day",
                "step",
                "source",
                Coalesce("branch", 0),
                Coalesce("interest", 0),
                name="funnelcount_unique_cell",
            )
        ]
        indexes = [models.Index(fields=["step", "day"], name="funnelcount_step_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.step} {self.source}: {self.count}"


class DigestDelivery(models.Model):
    """The weekly digest of ISO week `week` (its Monday) for `user`: at most one.

    The row is written before the email goes out (``sent_at`` empty) and completed once it
    has; a failed send deletes it so that the next run tries again. A week with nothing new
    for the member keeps its row with no ``sent_at`` and no entries: no email that week.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="digest_deliveries",
    )
    week = models.DateField(_("week (Monday)"))
    entry_count = models.PositiveSmallIntegerField(_("entries"), default=0)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("digest delivery")
        verbose_name_plural = _("digest deliveries")
        constraints = [
            models.UniqueConstraint(fields=["user", "week"], name="digestdelivery_unique_week")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.week}"


class UnmetSearch(models.Model):
    """How many searches found nothing (``outcome`` "none") or few results ("few") on `day`,
    for the folded query `query`, at `branch`, for `interest`. No person is stored.

    Written by ``search`` through ``community.reach.demand.record_search`` (search may import
    community, never the reverse), read by the demand dashboard. Like ``FunnelCount``, one
    search increments the row with ``interest = NULL`` (the totals) and one row per interest
    it concerns. Rows older than ``UNMET_SEARCH_RETENTION_DAYS`` are deleted by the daily
    retention sweep.
    """

    class Outcome(models.TextChoices):
        NONE = "none", _("no result")
        FEW = "few", _("few results")

    day = models.DateField(_("day"))
    query = models.CharField(_("query (folded)"), max_length=100)
    outcome = models.CharField(_("outcome"), max_length=4, choices=Outcome)
    branch = models.ForeignKey(
        "cms.Branch",
        verbose_name=_("branch"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    interest = models.ForeignKey(
        "cms.Interest",
        verbose_name=_("interest"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    count = models.PositiveIntegerField(_("count"), default=0)

    class Meta:
        verbose_name = _("unmet search")
        verbose_name_plural = _("unmet searches")
        constraints = [
            models.UniqueConstraint(
                "day",
                "query",
                "outcome",
                Coalesce("branch", 0),
                Coalesce("interest", 0),
                name="unmetsearch_unique_cell",
            )
        ]
        indexes = [models.Index(fields=["day"], name="unmetsearch_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.query!r} {self.outcome}: {self.count}"


class LibraryUse(models.Model):
    """Loans and new library cards of one branch in one month, from the library system.

    Imported from a CSV in the admin (``community.reach.library_use``): aggregated figures,
    never a reader. A row with no interest and no code is the branch's total for the month;
    the others break it down by interest or by the library system's collection/subject code
    (mapped to an interest by the subject rules when possible) and may overlap. Importing a
    month of a branch again replaces all of that month's rows for that branch.
    """

    branch = models.ForeignKey(
        "cms.Branch", verbose_name=_("branch"), on_delete=models.CASCADE, related_name="+"
    )
    month = models.DateField(_("month"), help_text=_("First day of the month."))
    interest = models.ForeignKey(
        "cms.Interest",
        verbose_name=_("interest"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    code = models.CharField(_("collection or subject code"), max_length=60, blank=True)
    loans = models.PositiveIntegerField(_("loans"), default=0)
    new_cards = models.PositiveIntegerField(_("new cards"), default=0)
    imported_at = models.DateTimeField(_("imported"), auto_now=True)

    class Meta:
        verbose_name = _("library use")
        verbose_name_plural = _("library use")
        constraints = [
            models.UniqueConstraint(
                "branch",
                "month",
                Coalesce("interest", 0),
                "code",
                name="libraryuse_unique_cell",
            )
        ]
        indexes = [models.Index(fields=["month", "branch"], name="libraryuse_month_branch")]

    def __str__(self) -> str:
        return f"{self.branch_id} {self.month:%Y-%m}: {self.loans} / {self.new_cards}"
