"""A bounded number of HTTP requests in flight per worker process, the rest queue briefly.

uvicorn's own ``--limit-concurrency`` counts websockets too (a thousand open pages would
shut the site) and answers 503 at once instead of letting a request wait its turn, in
English: hence this small ASGI wrapper.
"""

import asyncio
import logging

from django.conf import settings

from cms.serving import unavailable

logger = logging.getLogger(__name__)


class RequestSlots:
    """ASGI middleware: at most `slots` HTTP requests run at once in this process.

    A request beyond them waits for a free slot, first come first served, for up to `wait`
    seconds, then gets the 503 page (Retry-After). A slot is given back however its request
    ends (response sent, error, client gone). Websockets and other scopes pass untouched.
    """

    def __init__(self, app, *, slots: int | None = None, wait: float | None = None):
        self.app = app
        self.slots = slots if slots is not None else settings.WEB_REQUESTS_PER_WORKER
        self.wait = wait if wait is not None else settings.WEB_QUEUE_TIMEOUT
        self._semaphores: dict[asyncio.AbstractEventLoop, asyncio.Semaphore] = {}

    def _semaphore(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        if loop not in self._semaphores:
            self._semaphores = {loop: asyncio.Semaphore(self.slots)}
        return self._semaphores[loop]

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        semaphore = self._semaphore()
        try:
            async with asyncio.timeout(self.wait):
                await semaphore.acquire()
        except TimeoutError:
            logger.warning("Busy: %s waited %g s without a free slot", scope["path"], self.wait)
            await self._send_unavailable(scope, send)
            return
        try:
            return await self.app(scope, receive, send)
        finally:
            semaphore.release()

    async def _send_unavailable(self, scope, send) -> None:
        body = unavailable.page(unavailable.language_of_scope(scope))
        headers = [(k.lower().encode(), v.encode()) for k, v in unavailable.headers().items()]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": 503, "headers": headers})
        await send({"type": "http.response.body", "body": body})
