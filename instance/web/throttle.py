"""Login throttling: failed attempts per client address and per username in a fixed
window, counted in the database (instance/counters.py) so that a second web process does
not give an attacker a second allowance."""

from __future__ import annotations

import time

from instance import counters


class Throttle:
    def __init__(self, name: str, limit: int = 5, window_seconds: float = 300.0) -> None:
        self.name, self.limit, self.window = name, limit, window_seconds

    async def retry_after(self, *keys: str) -> float:
        """Seconds until another attempt is allowed (0 when allowed now)."""
        now = time.time()
        waits = []
        for key in keys:
            seen = await counters.current(f"{self.name}:{key}", self.window, now)
            if seen.count >= self.limit:
                waits.append(max(1.0, seen.reset - now))
        return max(waits, default=0.0)

    async def failed(self, *keys: str) -> None:
        for key in keys:
            await counters.hit(f"{self.name}:{key}", self.window)

    async def succeeded(self, *keys: str) -> None:
        await counters.clear(*(f"{self.name}:{key}" for key in keys))
