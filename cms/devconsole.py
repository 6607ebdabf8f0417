"""The console of ``make run`` (development settings only, ``cms.settings.dev``).

- `QuietBackgroundFilter`: the task worker and the scheduler log a line for every task
  started and finished; on the console only their warnings and failures show, unless
  ``AFFINITES_TASK_LOG=all``. Daphne's websocket handshake and disconnect lines are dropped
  too (its "WebSocket CONNECT" line stays: one line per request).
- `BannerEmailBackend`: each email is written to a ``.eml`` file and shown on the console
  between two rulers, with its recipients, subject, file and plain-text body, so that a
  sign-up link is found at a glance among the access lines.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from email import policy
from email.parser import BytesParser
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend

BACKGROUND_LOGGERS = ("django_tasks", "django_tasks_db", "affinites.tasks", "feeds.tasks")
WEBSOCKET_NOISE = ("WebSocket HANDSHAKING", "WebSocket DISCONNECT")


class QuietBackgroundFilter(logging.Filter):
    """Drop background-task chatter below WARNING (and websocket handshakes) unless asked."""

    def __init__(self, show_all: bool = False) -> None:
        super().__init__()
        self.show_all = show_all

    def filter(self, record: logging.LogRecord) -> bool:
        if self.show_all or record.levelno >= logging.WARNING:
            return True
        if record.name.startswith(BACKGROUND_LOGGERS):
            return False
        return not (
            record.name == "django.channels.server"
            and isinstance(record.msg, str)
            and record.msg.startswith(WEBSOCKET_NOISE)
        )


RULER = "=" * 78


class BannerEmailBackend(BaseEmailBackend):
    """Write each message to ``EMAIL_FILE_PATH`` and show it on the console, framed."""

    _lock = threading.Lock()

    def __init__(self, *args, stream=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        import sys

        self.stream = stream or sys.stdout
        self.directory = Path(getattr(settings, "EMAIL_FILE_PATH", "var/mail"))

    def send_messages(self, email_messages) -> int:
        sent = 0
        with self._lock:
            self.directory.mkdir(parents=True, exist_ok=True)
            for message in email_messages:
                if not message.recipients():
                    continue
                raw = message.message().as_bytes(linesep="\n")
                stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
                path = self.directory / f"{stamp}.eml"
                path.write_bytes(raw)
                self.stream.write(self._banner(message, raw, path))
                self.stream.flush()
                sent += 1
        return sent

    @staticmethod
    def _banner(message, raw: bytes, path: Path) -> str:
        parsed = BytesParser(policy=policy.default).parsebytes(raw)
        body = parsed.get_body(preferencelist=("plain", "html"))
        text = body.get_content() if body is not None else ""
        lines = [
            "",
            RULER,
            f"EMAIL to {', '.join(message.recipients())}",
            f"Subject: {parsed['subject']}",
            f"File:    {path.resolve()}",
            "-" * 78,
            text.rstrip(),
            RULER,
            "",
        ]
        return "\n".join(lines) + "\n"
