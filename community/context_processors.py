"""Template context shared by every page: where the main navigation points."""

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from community.models import CommunityIndexPage


def _communities_url() -> str | None:
    index = CommunityIndexPage.objects.live().only("url_path").first()
    return index.url if index else None


def site_navigation(request: HttpRequest) -> dict:
    return {
        "network_name": settings.AFFINITES_NETWORK_NAME,
        "communities_url": SimpleLazyObject(_communities_url),
    }
