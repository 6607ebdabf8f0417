"""A local cover server for the cover tests, on tests/local_http.py's `serve`.

Paths: /ok.jpg (a JPEG cover), /ok.png, /isbn/<isbn>.jpg (a JPEG for any ISBN), /missing
(404), /page.html (text/html), /fake.jpg (image/jpeg that is not a picture), /huge.jpg (an
image/jpeg body over 5 MB, no Content-Length), /huge-declared.jpg (Content-Length over 5 MB),
/bomb.png (a PNG whose header declares 100,000 × 100,000 pixels), /tiny.gif (a 1×1 GIF, the
"no cover" pixel of some services), /busy (503), /slow.jpg (answers after `slow_seconds`), /moved (a redirect to /ok.jpg),
/inside (a redirect to a private address), /loop (redirects to itself).
`requests` lists the paths asked for, in order.
"""

import io
import struct
import time
import zlib
from contextlib import ExitStack
from urllib.parse import urlsplit

from PIL import Image as PILImage

from tests.local_http import QuietHandler, serve


def picture(fmt: str, size=(200, 300), color=(181, 70, 43)) -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", size, color).save(buffer, format=fmt)
    return buffer.getvalue()


def bomb_png(width: int = 100_000, height: int = 100_000) -> bytes:
    """A small valid PNG whose IHDR is rewritten to declare `width` × `height` pixels."""
    data = bytearray(picture("PNG", (8, 8)))
    # signature (8) + IHDR length (4) + "IHDR" (4): width and height follow, then CRC at 29.
    struct.pack_into(">II", data, 16, width, height)
    struct.pack_into(">I", data, 29, zlib.crc32(bytes(data[12:29])) & 0xFFFFFFFF)
    return bytes(data)


class CoverServer:
    def __init__(self) -> None:
        self.requests: list[str] = []
        self.slow_seconds = 3.0
        self.jpeg = picture("JPEG")
        self.png = picture("PNG")
        self.base = ""
        self._running = ExitStack()

    @property
    def port(self) -> int:
        return urlsplit(self.base).port

    def url(self, path: str) -> str:
        return self.base + path

    def __enter__(self):
        server = self

        class Handler(QuietHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                path = self.path.split("?", 1)[0]
                server.requests.append(path)
                if path == "/ok.jpg" or (path.startswith("/isbn/") and path.endswith(".jpg")):
                    return self.answer(server.jpeg, "image/jpeg")
                if path == "/ok.png":
                    return self.answer(server.png, "image/png")
                if path == "/page.html":
                    return self.answer(b"<html>no</html>", "text/html; charset=utf-8")
                if path == "/fake.jpg":
                    return self.answer(b"GIF89a? not really a picture" * 10, "image/jpeg")
                if path == "/huge-declared.jpg":
                    self.send_response(200)
                    self.send_header("Content-Type", "image/jpeg")
                    self.send_header("Content-Length", str(6 * 1024 * 1024))
                    self.end_headers()
                    return None
                if path == "/huge.jpg":
                    self.send_response(200)
                    self.send_header("Content-Type", "image/jpeg")
                    self.end_headers()
                    chunk = b"\xff" * (256 * 1024)
                    try:
                        for _ in range(24):  # 6 MB
                            self.wfile.write(chunk)
                    except (BrokenPipeError, ConnectionResetError):
                        pass
                    return None
                if path == "/bomb.png":
                    return self.answer(bomb_png(), "image/png")
                if path == "/tiny.gif":
                    return self.answer(picture("GIF", (1, 1)), "image/gif")
                if path in ("/moved", "/inside", "/loop"):
                    self.send_response(302)
                    target = {
                        "/moved": "/ok.jpg",
                        "/inside": "http://10.1.2.3/cover.jpg",
                        "/loop": "/loop",
                    }[path]
                    self.send_header("Location", target)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return None
                if path == "/busy":
                    return self.answer(b"busy", "text/plain", status=503)
                if path == "/slow.jpg":
                    time.sleep(server.slow_seconds)
                    try:
                        return self.answer(server.jpeg, "image/jpeg")
                    except (BrokenPipeError, ConnectionResetError):
                        return None
                return self.answer(b"not found", "text/plain", status=404)

        self.base = self._running.enter_context(serve(Handler))
        return self

    def __exit__(self, *exc):
        self._running.close()
