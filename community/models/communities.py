from django import forms
from django.conf import settings
from django.db import models
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, InlinePanel
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.search import index

from cms.admin_forms import REQUIRED_NOTE, LibraryPageForm
from cms.widgets import InterestChooser


class CommunityIndexPage(Page):
    """Lists the themed communities, those matching the visitor's interests first."""

    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["community.CommunityPage"]
    max_count = 1

    class Meta:
        verbose_name = _("community index")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        communities = (
            CommunityPage.objects.child_of(self)
            .live()
            .public()
            .annotate(num_members=Count("memberships", distinct=True))
            .prefetch_related("interests__parent", "branches")
            .select_related("image")
        )
        user = request.user
        joined: set[int] = set()
        if user.is_authenticated:
            followed = list(user.interests.values_list("pk", flat=True))
            if followed:
                communities = communities.annotate(
                    num_matching=Count(
                        "interests",
                        filter=Q(interests__in=followed)
                        | Q(interests__parent__in=followed)
                        | Q(interests__children__in=followed),
                        distinct=True,
                    )
                )
                communities = communities.order_by("-num_matching", "-num_members", "title")
            else:
                communities = communities.order_by("-num_members", "title")
            joined = set(
                Membership.objects.filter(user=user).values_list("community_id", flat=True)
            )
        else:
            communities = communities.order_by("-num_members", "title")
        context["communities"] = communities
        context["joined_ids"] = joined
        return context


class CommunityPage(Page):
    """A themed community that members join: its interests, its branches, its members."""

    description = RichTextField(
        _("description"), features=["bold", "italic", "link", "ul", "ol"], blank=True
    )
    summary = models.CharField(
        _("summary"), max_length=250, help_text=_("One sentence shown in listings.")
    )
    image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    interests = ParentalManyToManyField(
        "cms.Interest", verbose_name=_("interests"), related_name="communities", blank=False
    )
    branches = ParentalManyToManyField(
        "cms.Branch", verbose_name=_("branches"), related_name="communities", blank=True
    )
    premoderated_posts = models.PositiveSmallIntegerField(
        _("posts reviewed before they appear"),
        default=0,
        help_text=_(
            "A new member's first posts in this community wait for a moderator's approval "
            "(0: no pre-moderation)."
        ),
    )

    base_form_class = LibraryPageForm
    content_panels = [
        REQUIRED_NOTE,
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("description"),
        FieldPanel("image"),
        FieldPanel("interests", widget=InterestChooser),
        FieldPanel("branches", widget=forms.CheckboxSelectMultiple),
        FieldPanel("premoderated_posts"),
        InlinePanel("topic_categories", heading=_("Topic categories"), label=_("Category")),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("description"),
        index.RelatedFields("interests", [index.SearchField("name")]),
    ]
    parent_page_types = ["community.CommunityIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("community")
        verbose_name_plural = _("communities")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["member_count"] = self.memberships.count()
        context["is_member"] = (
            request.user.is_authenticated and self.memberships.filter(user=request.user).exists()
        )
        context["interest_list"] = self.interests.select_related("parent")
        context["branch_list"] = self.branches.all()
        return context


class Membership(models.Model):
    """A member belongs to a community (joining twice is a no-op: one row per pair)."""

    class Role(models.TextChoices):
        MEMBER = "member", _("member")
        MODERATOR = "moderator", _("moderator")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("member"),
    )
    community = models.ForeignKey(
        CommunityPage,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("community"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role, default=Role.MEMBER)
    joined_at = models.DateTimeField(_("joined"), auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "community"], name="membership_unique")
        ]
        indexes = [models.Index(fields=["community", "joined_at"])]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.user} ∈ {self.community}"
