"""What librarians publish: announcements, events, curated recommendations, branch pages."""

import hashlib
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from cms.admin_forms import REQUIRED_NOTE, LibraryPageForm
from cms.blocks import BodyBlock, ClosureBlock, OpeningHoursBlock, RecommendedItemBlock
from cms.event_series import OVERFETCH, one_per_series
from cms.panels import PublishAlsoPanel
from cms.params import parse_id
from cms.widgets import InterestChooser

RICH_FEATURES = ["bold", "italic", "link", "ol", "ul"]


def _image_field():
    return models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )


class PublishAlsoMixin(models.Model):
    """Where else a published page goes ("Publier aussi sur"): the destinations feeds
    registers fill the editor's panel (``cms.panels.PublishAlsoPanel``)."""

    publish_on_facebook = models.BooleanField(
        _("Facebook"),
        default=False,
        help_text=_("Mirror this page to the network's Facebook Page when it is published."),
    )
    publish_on_fediverse = models.BooleanField(
        _("Fediverse"),
        default=True,
        help_text=_(
            "Send this page to the Mastodon (Fediverse) followers of its médiathèques and "
            "communities when it is published."
        ),
    )

    class Meta:
        abstract = True


# --- Index pages ----------------------------------------------------------------------


class NewsIndexPage(Page):
    """“Actualités”: the announcements, newest first."""

    intro = RichTextField(_("introduction"), blank=True, features=RICH_FEATURES)
    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.AnnouncementPage"]
    max_count = 1

    class Meta:
        verbose_name = _("news index")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["announcements"] = (
            AnnouncementPage.objects.child_of(self)
            .live()
            .public()
            .select_related("image")
            .prefetch_related("interests", "branches")
            .order_by("-first_published_at")
        )
        return context


class EventIndexPage(Page):
    """“Agenda”: upcoming events, soonest first; past events on request."""

    intro = RichTextField(_("introduction"), blank=True, features=RICH_FEATURES)
    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.EventPage"]
    max_count = 1

    class Meta:
        verbose_name = _("event index")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        events = (
            EventPage.objects.child_of(self)
            .live()
            .public()
            .select_related("branch", "image")
            .prefetch_related("interests")
        )
        show_past = request.GET.get("passes") == "1"
        now = timezone.now()
        if show_past:
            events = events.filter(end__lt=now).order_by("-start")
        else:
            events = events.filter(end__gte=now).order_by("start")
        branch = parse_id(request.GET.get("mediatheque"))
        if branch is not None:
            events = events.filter(branch_id=branch)
            context["current_branch"] = branch
        context["events"] = events
        context["show_past"] = show_past
        return context


class RecommendationIndexPage(Page):
    """“Coups de cœur”: the curated lists."""

    intro = RichTextField(_("introduction"), blank=True, features=RICH_FEATURES)
    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.RecommendationPage"]
    max_count = 1

    class Meta:
        verbose_name = _("recommendation index")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["lists"] = (
            RecommendationPage.objects.child_of(self)
            .live()
            .public()
            .select_related("branch")
            .prefetch_related("interests")
            .order_by("-first_published_at")
        )
        return context


class BranchIndexPage(Page):
    """The médiathèques of the network, sortable by distance from a commune."""

    intro = RichTextField(_("introduction"), blank=True, features=RICH_FEATURES)
    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.BranchPage"]
    max_count = 1

    class Meta:
        verbose_name = _("branch index")

    def get_context(self, request, *args, **kwargs):
        from cms.branches import nearest_branches
        from cms.models.branches import Branch
        from cms.opening import branch_opening
        from cms.places import find_place

        context = super().get_context(request, *args, **kwargs)
        place = request.GET.get("commune", "").strip()[:100]
        found = find_place(place, request.GET.get("insee", "")) if place else None
        commune = found.commune if found else None
        branches = Branch.objects.select_related("page")
        if commune:
            rows = [
                (bd.branch, bd.distance_km)
                for bd in nearest_branches(commune.lat, commune.lon, branches)
            ]
        else:
            rows = [(branch, None) for branch in branches]
        now = timezone.now()
        context.update(
            rows=[(branch, distance, branch_opening(branch, now)) for branch, distance in rows],
            map_branches=[branch for branch, _distance in rows],
            place_query=place,
            place=commune,
            place_match=found,
            unknown_place=bool(place and not commune),
        )
        return context


# --- Content pages --------------------------------------------------------------------


class AnnouncementPage(PublishAlsoMixin, Page):  # noqa: DJ008 (Page.__str__)
    """An announcement (“actualité”) aimed at interests and branches."""

    intro = models.TextField(_("introduction"), max_length=500)
    image = _image_field()
    body = StreamField(BodyBlock(), verbose_name=_("body"), blank=True)
    interests = ParentalManyToManyField(
        "cms.Interest", verbose_name=_("target interests"), related_name="announcements", blank=True
    )
    branches = ParentalManyToManyField(
        "cms.Branch", verbose_name=_("target branches"), related_name="announcements", blank=True
    )

    base_form_class = LibraryPageForm
    content_panels = [
        REQUIRED_NOTE,
        *Page.content_panels,
        FieldPanel("intro"),
        FieldPanel("image"),
        FieldPanel("body"),
        MultiFieldPanel(
            [FieldPanel("interests", widget=InterestChooser), FieldPanel("branches")],
            heading=_("Audience"),
        ),
        PublishAlsoPanel(),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("intro"),
        index.SearchField("body"),
        index.RelatedFields("interests", [index.SearchField("name")]),
    ]
    parent_page_types = ["cms.NewsIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")

    def get_context(self, request, *args, **kwargs):
        from cms.prefetching import prefetch_stream_objects

        context = super().get_context(request, *args, **kwargs)
        # Catalogue cards and event cards of the body: holdings, covers, branches in bulk.
        prefetch_stream_objects(self.body)
        interests = list(self.interests.all())
        branches = list(self.branches.all())
        models.prefetch_related_objects(interests, "parent")
        models.prefetch_related_objects(branches, "page")
        context.update(interest_list=interests, branch_list=branches)
        return context


def event_series_key(title: str, branch_id: int | None) -> str:
    """The series an event belongs to: a médiathèque publishes a recurring event as one page
    per session, under the same title (case and spacing aside) at the same branch."""
    raw = f"{branch_id}\n{' '.join((title or '').split()).casefold()}"
    return hashlib.sha1(raw.encode()).hexdigest()


class EventPage(PublishAlsoMixin, Page):  # noqa: DJ008 (Page.__str__)
    """An event (“animation”) at a branch, with optional registration and waitlist."""

    start = models.DateTimeField(_("starts"))
    end = models.DateTimeField(_("ends"), help_text=_("After the start."))
    branch = models.ForeignKey(
        "cms.Branch", verbose_name=_("branch"), on_delete=models.PROTECT, related_name="events"
    )
    room = models.CharField(_("room"), max_length=120, blank=True)
    min_age = models.PositiveSmallIntegerField(_("from age"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(
        _("to age"), null=True, blank=True, help_text=_("At least the minimum age.")
    )

    class Audience(models.TextChoices):
        """Who an event is for, as the agenda filters it (an event for everyone matches all)."""

        EVERYONE = "", _("everyone")
        CHILDREN = "jeunesse", _("children")
        TEENS = "ado", _("teenagers")
        ADULTS = "adulte", _("adults")

    audience = models.CharField(
        _("intended audience"),
        max_length=10,
        choices=Audience,
        default=Audience.EVERYONE,
        blank=True,
        help_text=_("Lets people filter the agenda: children, teenagers, adults or everyone."),
    )
    interests = ParentalManyToManyField(
        "cms.Interest", verbose_name=_("interests"), related_name="events", blank=True
    )
    image = _image_field()
    description = RichTextField(_("description"), features=RICH_FEATURES)
    registration_required = models.BooleanField(_("registration required"), default=False)
    capacity = models.PositiveIntegerField(
        _("capacity"),
        null=True,
        blank=True,
        help_text=_("Only when registration is required. Leave empty for no limit."),
    )
    registration_opens = models.DateTimeField(_("registration opens"), null=True, blank=True)
    registration_closes = models.DateTimeField(
        _("registration closes"), null=True, blank=True, help_text=_("After registration opens.")
    )
    # event_series_key(title, branch), kept by save(): finds the other sessions in one index
    series_key = models.CharField(
        max_length=40, editable=False, default="", verbose_name=_("series")
    )

    base_form_class = LibraryPageForm
    content_panels = [
        REQUIRED_NOTE,
        *Page.content_panels,
        FieldRowPanel([FieldPanel("start"), FieldPanel("end")], heading=_("When")),
        FieldRowPanel([FieldPanel("branch"), FieldPanel("room")], heading=_("Where")),
        FieldRowPanel(
            [FieldPanel("audience"), FieldPanel("min_age"), FieldPanel("max_age")],
            heading=_("Audience"),
        ),
        FieldPanel("interests", widget=InterestChooser),
        FieldPanel("image"),
        FieldPanel("description"),
        MultiFieldPanel(
            [
                FieldPanel("registration_required"),
                FieldPanel("capacity"),
                FieldRowPanel(
                    [FieldPanel("registration_opens"), FieldPanel("registration_closes")]
                ),
            ],
            heading=_("Registration"),
        ),
        PublishAlsoPanel(),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("description"),
        index.FilterField("start"),
        index.FilterField("branch_id"),
        index.FilterField("audience"),
        index.RelatedFields("interests", [index.SearchField("name")]),
    ]
    parent_page_types = ["cms.EventIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [
            models.Index(fields=["start"]),
            models.Index(fields=["end"]),
            models.Index(fields=["series_key", "start"]),
        ]

    class Registration(models.TextChoices):
        NOT_REQUIRED = "not_required", _("no registration needed")
        NOT_OPEN = "not_open", _("registration not open yet")
        OPEN = "open", _("registration open")
        CLOSED = "closed", _("registration closed")
        PAST = "past", _("past event")

    def save(self, *args, **kwargs):
        self.series_key = event_series_key(self.title, self.branch_id)
        fields = kwargs.get("update_fields")
        if fields is not None and {"title", "branch", "branch_id"} & set(fields):
            kwargs["update_fields"] = {*fields, "series_key"}
        return super().save(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        errors = {}
        if self.start and self.end and self.end <= self.start:
            errors["end"] = _("The event must end after it starts.")
        if self.min_age is not None and self.max_age is not None and self.max_age < self.min_age:
            errors["max_age"] = _("The maximum age must be at least the minimum age.")
        if (
            self.registration_opens
            and self.registration_closes
            and self.registration_closes <= self.registration_opens
        ):
            errors["registration_closes"] = _("Registration must close after it opens.")
        if self.capacity is not None and not self.registration_required:
            errors["capacity"] = _("A capacity only makes sense when registration is required.")
        if errors:
            raise ValidationError(errors)

    @property
    def is_past(self) -> bool:
        return self.end < timezone.now()

    def registration_state(self, now=None) -> str:
        now = now or timezone.now()
        if self.end < now:
            return self.Registration.PAST
        if self.start <= now:
            return self.Registration.CLOSED  # already started
        if not self.registration_required:
            return self.Registration.NOT_REQUIRED
        if self.registration_opens and now < self.registration_opens:
            return self.Registration.NOT_OPEN
        if self.registration_closes and now >= self.registration_closes:
            return self.Registration.CLOSED
        return self.Registration.OPEN

    @property
    def reminder_due_at(self):
        return self.start - timedelta(hours=24)

    @property
    def audience_label(self) -> str:
        if self.min_age is not None and self.max_age is not None:
            return _("%(min)s to %(max)s years old") % {"min": self.min_age, "max": self.max_age}
        if self.min_age is not None:
            return _("from %(min)s years old") % {"min": self.min_age}
        if self.max_age is not None:
            return _("up to %(max)s years old") % {"max": self.max_age}
        if self.audience:
            return self.get_audience_display()
        return _("everyone")


class RecommendationPage(PublishAlsoMixin, Page):  # noqa: DJ008 (Page.__str__)
    """Curated recommendations (“coups de cœur”): an ordered list of items with a note each."""

    intro = models.TextField(_("introduction"), max_length=500)
    items = StreamField([("item", RecommendedItemBlock())], verbose_name=_("items"), min_num=1)
    interests = ParentalManyToManyField(
        "cms.Interest",
        verbose_name=_("target interests"),
        related_name="recommendations",
        blank=True,
    )
    branch = models.ForeignKey(
        "cms.Branch",
        verbose_name=_("branch"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="recommendations",
    )

    base_form_class = LibraryPageForm
    content_panels = [
        REQUIRED_NOTE,
        *Page.content_panels,
        FieldPanel("intro"),
        FieldPanel("items"),
        FieldPanel("interests", widget=InterestChooser),
        FieldPanel("branch"),
        PublishAlsoPanel(),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("intro"),
        index.SearchField("items"),
        index.RelatedFields("interests", [index.SearchField("name")]),
    ]
    parent_page_types = ["cms.RecommendationIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("curated recommendations")
        verbose_name_plural = _("curated recommendations")

    def get_context(self, request, *args, **kwargs):
        from cms.prefetching import prefetch_stream_objects

        context = super().get_context(request, *args, **kwargs)
        prefetch_stream_objects(self.items)
        interests = list(self.interests.all())
        models.prefetch_related_objects(interests, "parent")
        branch = self.branch
        if branch is not None:
            models.prefetch_related_objects([branch], "page")
        context.update(interest_list=interests, branch=branch)
        return context


class Service(models.Model):
    """A service a branch offers (library card, wifi, computers, fablab, home delivery…)."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    description = models.CharField(_("description"), max_length=250, blank=True)

    panels = [FieldPanel("name"), FieldPanel("description")]

    class Meta:
        ordering = ["name"]
        verbose_name = _("service")
        verbose_name_plural = _("services")

    def __str__(self) -> str:
        return self.name


class BranchPage(Page):
    """The public page of a médiathèque: hours, services, how to sign up, what's on."""

    branch = models.OneToOneField(
        "cms.Branch", verbose_name=_("branch"), on_delete=models.PROTECT, related_name="page"
    )
    intro = models.TextField(_("introduction"), blank=True)
    image = _image_field()
    hours = StreamField(
        [("slot", OpeningHoursBlock())], verbose_name=_("opening hours"), blank=True
    )
    closures = StreamField(
        [("closure", ClosureBlock())], verbose_name=_("exceptional closures"), blank=True
    )
    services = ParentalManyToManyField(
        Service, verbose_name=_("services"), related_name="branch_pages", blank=True
    )
    signup_info = RichTextField(
        _("how to get a library card"),
        blank=True,
        features=RICH_FEATURES,
        help_text=_("Documents needed, prices, conditions."),
    )

    content_panels = Page.content_panels + [
        FieldPanel("branch"),
        FieldPanel("intro"),
        FieldPanel("image"),
        FieldPanel("hours"),
        FieldPanel("closures"),
        FieldPanel("services"),
        FieldPanel("signup_info"),
    ]
    search_fields = Page.search_fields + [index.SearchField("intro")]
    parent_page_types = ["cms.BranchIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("branch page")
        verbose_name_plural = _("branch pages")

    CLOSURE_HORIZON_DAYS = 60

    def get_context(self, request, *args, **kwargs):
        """Hours, closures, services, what's on, latest news and the situation map.

        A fixed number of queries, whatever the number of events, announcements or branches.
        """
        from cms.models.branches import Branch

        context = super().get_context(request, *args, **kwargs)
        now = timezone.now()
        today = timezone.localdate(now)
        branch = self.branch
        context.update(
            branch=branch,
            hours_table=self.hours_table(today),
            closure_notices=self.closure_notices(today),
            service_list=list(self.services.all()),
            upcoming_events=one_per_series(
                EventPage.objects.live()
                .public()
                .filter(branch_id=self.branch_id, end__gte=now)
                .select_related("branch")
                .order_by("start")[: 5 * OVERFETCH],
                5,
            ),
            latest_announcements=list(
                AnnouncementPage.objects.live()
                .public()
                .filter(branches=self.branch_id)
                .order_by("-first_published_at")[:5]
            ),
            map_branches=list(Branch.objects.only("pk", "name", "latitude", "longitude")),
        )
        return context

    def hours_table(self, today) -> list[dict]:
        """Monday to Sunday: {day, name, slots (sorted), is_today}; no slot means closed."""
        from django.utils.dates import WEEKDAYS

        slots: dict[int, list] = {}
        for block in self.hours:
            slots.setdefault(int(block.value["day"]), []).append(block.value)
        return [
            {
                "day": day,
                "name": WEEKDAYS[day - 1],
                "slots": sorted(slots.get(day, []), key=lambda slot: slot["opens"]),
                "is_today": day == today.isoweekday(),
            }
            for day in range(1, 8)
        ]

    def closed_on(self, day) -> bool:
        """Whether an exceptional closure covers ``day``."""
        for block in self.closures:
            start, end = block.value["start"], block.value["end"]
            if start is not None and start <= day <= max(end or start, start):
                return True
        return False

    def is_open_at(self, moment) -> bool:
        """Open at this (aware) moment: within a slot of its weekday, no closure that day."""
        local = timezone.localtime(moment)
        if self.closed_on(local.date()):
            return False
        now = local.time()
        day = str(local.isoweekday())
        return any(
            block.value["day"] == day
            and block.value["opens"] is not None
            and block.value["closes"] is not None
            and block.value["opens"] <= now < block.value["closes"]
            for block in self.hours
        )

    def closure_notices(self, today) -> list[dict]:
        """Exceptional closures covering today or starting within CLOSURE_HORIZON_DAYS."""
        horizon = today + timedelta(days=self.CLOSURE_HORIZON_DAYS)
        notices = []
        for block in self.closures:
            start, end = block.value["start"], block.value["end"]
            if start is None:
                continue
            end = max(end or start, start)
            if end < today or start > horizon:
                continue
            notices.append(
                {
                    "start": start,
                    "end": end,
                    "reason": block.value["reason"],
                    "current": start <= today,
                }
            )
        notices.sort(key=lambda notice: notice["start"])
        return notices
