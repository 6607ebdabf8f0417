"""The ASGI application daphne serves during the websocket benchmark (tests.bench.ws_bench).

Everything goes to the site's application (``cms.asgi.application``), except one bench-only
HTTP route, ``POST /__bench__/push``: with the in-memory channel layer, only code running in
the server process can reach its consumers, so the benchmark's transaction and its on-commit
pushes run here. Never part of the site: only ``ws_bench`` starts a server with it.
"""

import json

from asgiref.sync import sync_to_async

from cms.asgi import application as site_application
from tests.bench.ws_bench import commit_and_push


async def _read_body(receive) -> bytes:
    body, more = b"", True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    return body


async def application(scope, receive, send):
    if scope["type"] == "http" and scope["path"] == "/__bench__/push":
        params = json.loads(await _read_body(receive))
        result = await sync_to_async(commit_and_push)(params["mode"], params["marker"])
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": json.dumps(result).encode()})
        return
    await site_application(scope, receive, send)
