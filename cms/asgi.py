"""ASGI entry point: HTTP through Django, websockets through Channels.

Websocket connections are origin-checked against ALLOWED_HOSTS and carry the session user.
Routes are collected from `cms.routing.websocket_urlpatterns` (packages add theirs there).
HTTP requests run a bounded number at a time per process (`cms.serving.limits`).
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.dev")

django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from cms.routing import websocket_urlpatterns  # noqa: E402
from cms.serving.limits import RequestSlots  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": RequestSlots(django_asgi_app),
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)
