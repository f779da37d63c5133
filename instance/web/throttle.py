"""Login throttling: failed attempts per client address and per username over a sliding
window, counted in the database (instance/counters.py) so that a second web process does
not give an attacker a second allowance.

The window slides in steps of a tenth of its length: failures are counted in short
windows, each kept for the whole span, and summed. A fixed window would split a burst
that straddles its end and let up to twice the allowance through."""

from __future__ import annotations

import time

from instance import counters

STEPS = 10  # short windows per throttle window: the slide's resolution


class Throttle:
    def __init__(self, name: str, limit: int = 5, window_seconds: float = 300.0) -> None:
        self.name, self.limit, self.window = name, limit, window_seconds
        self.step = window_seconds / STEPS

    async def retry_after(self, *keys: str, now: float | None = None) -> float:
        """Seconds until another attempt is allowed (0 when allowed now)."""
        now = time.time() if now is None else now
        return max([await self._wait(f"{self.name}:{key}", now) for key in keys], default=0.0)

    async def _wait(self, key: str, now: float) -> float:
        # A short window counts until `window` seconds after it ends (its row's `keep`).
        steps = [(start, count) for start, count in
                 await counters.recent(key, now - self.window - self.step)
                 if start + self.step + self.window > now]
        counted = sum(count for _, count in steps)
        if counted < self.limit:
            return 0.0
        for start, count in steps:  # oldest first: when does the sum fall below the limit?
            counted -= count
            if counted < self.limit:
                return max(1.0, start + self.step + self.window - now)
        return 0.0

    async def failed(self, *keys: str, now: float | None = None) -> None:
        now = time.time() if now is None else now
        for key in keys:
            await counters.hit(f"{self.name}:{key}", self.step, now, keep=self.window)

    async def succeeded(self, *keys: str) -> None:
        await counters.clear(*(f"{self.name}:{key}" for key in keys))
