from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page

from cms.branches import nearest_branches

# Other packages add sections to the home page (community: this week near a commune, the
# liveliest communities): a function (request, context) registered with wagtail.hooks.
HOME_PAGE_SECTIONS_HOOK = "affinites_home_page_sections"
NEARBY_SHOWN = 3
PICKS_DAYS = 31
PICKS_SHOWN = 3


class HomePage(Page):
    """The site root: what Affinités is, and the médiathèque nearest to a commune a visitor types."""

    tagline = models.CharField(_("tagline"), max_length=200, blank=True)
    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])

    content_panels = Page.content_panels + [FieldPanel("tagline"), FieldPanel("intro")]
    parent_page_types = ["wagtailcore.Page"]
    max_count = 1

    class Meta:
        verbose_name = _("home page")

    def get_context(self, request, *args, **kwargs):
        """The commune typed (a query parameter, nothing stored), the médiathèques nearest
        to it with “ouvert maintenant”, this month's picks, and the sections other packages
        add through HOME_PAGE_SECTIONS_HOOK (community: this week near the commune, the
        liveliest communities). A fixed number of queries."""
        from cms.models.branches import Branch
        from cms.models.library_pages import EventIndexPage
        from cms.opening import branch_opening
        from cms.places import find_place

        context = super().get_context(request, *args, **kwargs)
        place = request.GET.get("commune", "").strip()[:120]
        context["place_query"] = place
        context["near_limit_km"] = settings.AFFINITES_NEAR_BRANCH_KM
        context["place"] = None
        if place:
            found = find_place(place, request.GET.get("insee", ""))
            context["place"] = found.commune
            context["place_match"] = found
            if found.commune:
                now = timezone.now()
                nearby = nearest_branches(
                    found.commune.lat, found.commune.lon, Branch.objects.select_related("page")
                )[:NEARBY_SHOWN]
                context["nearby"] = [
                    {
                        "branch": row.branch,
                        "distance_km": row.distance_km,
                        "is_near": row.is_near,
                        "opening": branch_opening(row.branch, now),
                    }
                    for row in nearby
                ]
        context["picks"] = self.picks_of_the_month()
        context["agenda_page"] = EventIndexPage.objects.live().public().first()
        for hook in hooks.get_hooks(HOME_PAGE_SECTIONS_HOOK):
            hook(request, context)
        return context

    def picks_of_the_month(self) -> list:
        """The curated lists published in the last PICKS_DAYS days, newest first (at most
        PICKS_SHOWN); the items are loaded by the template's recommendation_previews."""
        from cms.models.library_pages import RecommendationPage

        since = timezone.now() - timedelta(days=PICKS_DAYS)
        return list(
            RecommendationPage.objects.live()
            .public()
            .filter(first_published_at__gte=since)
            .select_related("branch")
            .order_by("-first_published_at")[:PICKS_SHOWN]
        )
