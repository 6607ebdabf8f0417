from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page

from cms.branches import nearest_branches


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
        from cms.places import find_place

        context = super().get_context(request, *args, **kwargs)
        place = request.GET.get("commune", "").strip()[:120]
        context["place_query"] = place
        context["near_limit_km"] = settings.AFFINITES_NEAR_BRANCH_KM
        if place:
            found = find_place(place, request.GET.get("insee", ""))
            context["place"] = found.commune
            context["place_match"] = found
            if found.commune:
                context["nearby"] = nearest_branches(found.commune.lat, found.commune.lon)[:3]
        return context
