"""A small progress bar for long imports, drawn on a terminal stream (stderr).

    [##########··········]  52 %  51 200 notices  8 412 notices/s

It redraws at most `max_rate` times a second whatever the call rate, shows a percentage
when the total size is known (bytes read / file size), and draws nothing when disabled
(stderr is not a terminal and --progress was not given).
"""

import time
from typing import TextIO


class RawOutput:
    """A management command's ``self.stderr`` written as is: the bar redraws its line with
    "\r", so no line ending and no error colour may be added (``OutputWrapper.write``'s
    ``ending`` and ``style_func``)."""

    def __init__(self, output) -> None:
        self.output = output

    def write(self, text: str) -> None:
        self.output.write(text, style_func=str, ending="")

    def flush(self) -> None:
        self.output.flush()

    def isatty(self) -> bool:
        return self.output.isatty()


def _thousands(value: float) -> str:
    return f"{value:,.0f}".replace(",", "\u202f")


class ProgressBar:
    def __init__(
        self,
        stream: TextIO,
        *,
        total_bytes: int | None = None,
        enabled: bool = True,
        width: int = 20,
        max_rate: float = 10.0,
        clock=time.monotonic,
    ) -> None:
        self.stream = stream
        self.total_bytes = total_bytes or None
        self.enabled = enabled
        self.width = width
        self.interval = 1.0 / max_rate
        self.clock = clock
        self.started = clock()
        self.last_draw = float("-inf")
        self.draws = 0
        self.records = 0
        self.position: int | None = None

    def __call__(self, records: int, position: int | None = None) -> None:
        self.records, self.position = records, position
        now = self.clock()
        if self.enabled and now - self.last_draw >= self.interval:
            self.last_draw = now
            self.draw(now)

    def render(self, now: float) -> str:
        elapsed = max(now - self.started, 1e-9)
        rate = self.records / elapsed
        parts = []
        if self.total_bytes and self.position is not None:
            fraction = min(max(self.position / self.total_bytes, 0.0), 1.0)
            filled = round(fraction * self.width)
            parts.append("[" + "#" * filled + "·" * (self.width - filled) + "]")
            parts.append(f"{fraction * 100:3.0f} %")
        parts.append(f"{_thousands(self.records)} notices")
        parts.append(f"{_thousands(rate)} notices/s")
        return "  ".join(parts)

    def draw(self, now: float) -> None:
        self.draws += 1
        self.stream.write("\r" + self.render(now) + "\033[K")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled and self.draws:
            self.draw(self.clock())
            self.stream.write("\n")
            self.stream.flush()
