"""ASGI entry point: HTTP through Django, websockets through Channels.

Websocket connections are accepted from the site's own origins only (exact scheme, host and
port: `cms.origins`) and carry the session user.
Routes are collected from `cms.routing.websocket_urlpatterns` (packages add theirs there).
HTTP requests larger than their limit are refused before their body is read
(`cms.serving.body_limit`); the others run a bounded number at a time per process
(`cms.serving.limits`).
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.dev")

django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from cms.origins import SiteOriginValidator  # noqa: E402
from cms.routing import websocket_urlpatterns  # noqa: E402
from cms.serving.body_limit import BodyLimit  # noqa: E402
from cms.serving.limits import RequestSlots  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": BodyLimit(RequestSlots(django_asgi_app)),
        "websocket": SiteOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
