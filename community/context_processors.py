"""Template context shared by every page: where the main navigation points.

The section URLs (the live children of the site's root page) are the same for every
request to a site: they are computed once and kept in the cache (one entry for every site,
keyed by host, port and language), instead of a site lookup and a page query on every
request. Saving, publishing, unpublishing, moving or deleting a page, or changing a site,
drops the entry; NAVIGATION_CACHE_SECONDS bounds how long another process (a worker
publishing scheduled pages, a second web process with a local-memory cache) may show the
old navigation.
"""

from django.conf import settings
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http import HttpRequest
from django.http.request import split_domain_port
from django.utils import translation
from django.utils.functional import SimpleLazyObject
from wagtail.models import Page, Site
from wagtail.signals import page_published, page_unpublished, post_page_move

from community.admin_access import can_use_admin

# content type (model name) of a section's index page → navigation key
SECTIONS = {
    "communityindexpage": "communities_url",
    "eventindexpage": "events_url",
    "newsindexpage": "news_url",
    "recommendationindexpage": "recommendations_url",
    "branchindexpage": "branches_url",
}

NAVIGATION_CACHE_KEY = "affinites:site-navigation"
NAVIGATION_CACHE_SECONDS = 60
MAX_SLOTS = 64  # host × port × language combinations kept at once


def _compute_section_urls(request: HttpRequest) -> dict[str, str]:
    site = Site.find_for_request(request)
    if site is None:
        return {}
    urls = {}
    for page in site.root_page.get_children().live().select_related("content_type"):
        key = SECTIONS.get(page.content_type.model)
        if key and key not in urls:
            urls[key] = page.get_url(request)
    return urls


def _section_urls(request: HttpRequest) -> dict[str, str]:
    """{navigation key: URL} for the request's site, from the cache when it is there."""
    hostname = split_domain_port(request.get_host())[0]  # validated by ALLOWED_HOSTS
    slot = f"{hostname}:{request.get_port()}:{translation.get_language()}"
    known = cache.get(NAVIGATION_CACHE_KEY)
    if known is not None and slot in known:
        return known[slot]
    urls = _compute_section_urls(request)
    known = dict(known or {}) if len(known or ()) < MAX_SLOTS else {}
    known[slot] = urls
    cache.set(NAVIGATION_CACHE_KEY, known, NAVIGATION_CACHE_SECONDS)
    return urls


def forget_navigation() -> None:
    cache.delete(NAVIGATION_CACHE_KEY)


@receiver(page_published, dispatch_uid="community.navigation.page_published")
@receiver(page_unpublished, dispatch_uid="community.navigation.page_unpublished")
@receiver(post_page_move, dispatch_uid="community.navigation.page_moved")
@receiver(post_save, sender=Site, dispatch_uid="community.navigation.site_saved")
@receiver(post_delete, sender=Site, dispatch_uid="community.navigation.site_deleted")
def _navigation_changed(sender, **kwargs) -> None:
    forget_navigation()


@receiver(post_save, dispatch_uid="community.navigation.page_saved")
@receiver(post_delete, dispatch_uid="community.navigation.page_deleted")
def _page_changed(sender, instance=None, **kwargs) -> None:
    # Every page type is its own sender: filter here (a page created live, renamed, its
    # slug or its live flag changed without a publish signal).
    if isinstance(instance, Page):
        forget_navigation()


def site_navigation(request: HttpRequest) -> dict:
    sections = SimpleLazyObject(lambda: _section_urls(request))
    user = getattr(request, "user", None)
    return {
        "network_name": settings.AFFINITES_NETWORK_NAME,
        "nav": sections,
        "communities_url": SimpleLazyObject(lambda: sections.get("communities_url")),
        # the header's "Administration" link and Wagtail's userbar (community.admin_access)
        "can_use_admin": SimpleLazyObject(lambda: can_use_admin(user)),
    }
