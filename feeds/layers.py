"""The embedded default's channel layer: Channels' in-memory layer, with its expiry sweep
run at most once a second.

Channels' ``InMemoryChannelLayer`` sweeps every channel and every group for expired
messages on each ``group_send`` and each ``receive``: with N pages open, a push to N members
walks N channels N times over, and each page's receive walks them again. With 1,000 open
pages that is about half a second before the first page hears anything. Messages expire
after a minute and group memberships after a day, so sweeping once a second changes
nothing a page can see; with Redis (REDIS_URL) this layer is not used.

It overrides Channels' private ``_clean_expired``, the one place the sweep can be spaced out:
a layer on ``BaseChannelLayer`` alone would have to re-implement the channels' queues
(``asyncio.Queue`` has no public way to look at its oldest message, which the sweep needs).
tests/feeds/test_layers.py fails if Channels renames or drops the method.
"""

from __future__ import annotations

import time

from channels.layers import InMemoryChannelLayer

SWEEP_EVERY = 1.0  # seconds


class LocalChannelLayer(InMemoryChannelLayer):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._next_sweep = 0.0

    def _clean_expired(self) -> None:
        now = time.monotonic()
        if now < self._next_sweep:
            return
        self._next_sweep = now + SWEEP_EVERY
        super()._clean_expired()
