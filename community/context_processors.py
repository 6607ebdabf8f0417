"""Template context shared by every page: where the main navigation points."""

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject
from wagtail.models import Site

# content type (model name) of a section's index page → navigation key
SECTIONS = {
    "communityindexpage": "communities_url",
    "eventindexpage": "events_url",
    "newsindexpage": "news_url",
    "recommendationindexpage": "recommendations_url",
    "branchindexpage": "branches_url",
}


def _section_urls(request: HttpRequest) -> dict[str, str]:
    site = Site.find_for_request(request)
    if site is None:
        return {}
    urls = {}
    for page in site.root_page.get_children().live().select_related("content_type"):
        key = SECTIONS.get(page.content_type.model)
        if key and key not in urls:
            urls[key] = page.get_url(request)
    return urls


def site_navigation(request: HttpRequest) -> dict:
    sections = SimpleLazyObject(lambda: _section_urls(request))
    return {
        "network_name": settings.AFFINITES_NETWORK_NAME,
        "nav": sections,
        "communities_url": SimpleLazyObject(lambda: sections.get("communities_url")),
    }
