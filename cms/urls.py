"""Root URL configuration (wiring module)."""

from django.conf import settings
from django.conf.urls.static import static
from django.urls import include, path, re_path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from cms import content_policy
from cms import views as cms_views
from cms.api import cors as api_cors
from cms.api import public as cms_api
from cms.api.site import create_api
from cms.api.site import not_found as api_not_found
from cms.observability import health, metrics
from community import facebook_door, login_door
from community.api import me as community_me
from community.api import public as community_api
from community.outreach.security import declared_origins
from feeds import api as feeds_api
from search import api as search_api

# The open API (/api/v1/, docs/api.md): one NinjaAPI, a router per package. Partner sites
# declared for the questionnaire may call it from their pages (CORS).
api = create_api()
api.add_router("", cms_api.router)
api.add_router("", community_api.router)
api.add_router("", search_api.router)
api.add_router("", community_me.router)
api.add_router("", feeds_api.router)
api_cors.register_origin_source(declared_origins)

urlpatterns = [
    # For the proxy, orchestrators and the metrics scraper (cms/observability/)
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path(settings.METRICS_PATH, metrics.metrics_view, name="metrics"),
    # Before Wagtail's admin URLs: its login and password-reset views are shadowed, every
    # login and reset goes through allauth (community/login_door.py).
    path("admin/", include(login_door.admin_urlpatterns)),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    # Before allauth's: without a Facebook app its login URLs answer 404 with a reason.
    path("comptes/facebook/", include(facebook_door.facebook_urlpatterns)),
    path("comptes/", include("allauth.urls")),
    # before Django's i18n URLs: privacy's language switch needs no CSRF cookie
    path("", include("community.privacy.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    re_path(r"^api/v1/(?P<rest>.*)$", api_not_found),
    path("api/communes/", cms_views.communes_api, name="communes_api"),
    path(settings.CSP_REPORT_PATH.lstrip("/"), content_policy.report, name="csp_report"),
    path("", include("community.urls")),
    path("", include("community.outreach.urls")),
    path("", include("community.reach.urls")),
    path("", include("feeds.urls")),
    path("", include("feeds.notification_urls")),
    path("", include("feeds.fediverse.urls")),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
else:
    from django.views.static import serve

    # Embedded default serves uploaded media itself; a production proxy may take over.
    urlpatterns += [re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT})]

urlpatterns += [path("", include("search.urls"))]
urlpatterns += [path("", include(wagtail_urls))]
