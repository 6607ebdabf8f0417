"""Daphne serving the site's ASGI stack (HTTP + websockets, as `cms.asgi`) in a thread of the
test process, for the browser tests that need websockets (pytest-django's live server speaks
WSGI only). Twisted's reactor starts once per process: one server for the whole session
(`asgi_server` fixture in conftest.py)."""

import asyncio
import threading
import time

from asgiref.sync import sync_to_async


class AsgiServer:
    """Daphne serving the site's ASGI application on a free port, in a thread."""

    def __init__(self) -> None:
        from channels.auth import AuthMiddlewareStack
        from channels.routing import ProtocolTypeRouter, URLRouter
        from daphne.server import Server, twisted_loop
        from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
        from django.core.asgi import get_asgi_application

        from cms.origins import SiteOriginValidator
        from cms.routing import websocket_urlpatterns

        application = ProtocolTypeRouter(
            {
                "http": ASGIStaticFilesHandler(get_asgi_application()),
                "websocket": SiteOriginValidator(
                    AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
                ),
            }
        )
        self.loop = twisted_loop
        self.server = Server(
            application,
            endpoints=["tcp:port=0:interface=127.0.0.1"],
            signal_handlers=False,
            verbosity=0,
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.listening_addresses:
            if time.monotonic() > deadline:
                raise RuntimeError("Daphne did not start")
            time.sleep(0.05)
        host, port = self.server.listening_addresses[0]
        return f"http://{host}:{port}"

    def run_in_loop(self, function, *args, **kwargs):
        """Run a synchronous function the way a request would: from the server's loop."""
        future = asyncio.run_coroutine_threadsafe(
            sync_to_async(function, thread_sensitive=False)(*args, **kwargs), self.loop
        )
        return future.result(timeout=30)

    def stop(self) -> None:
        from twisted.internet import reactor

        reactor.callFromThread(reactor.stop)
        self.thread.join(timeout=10)
