"""Login throttling: a bounded in-memory window of failed attempts per client address and
per username (a worker-per-process deployment keeps one window per process)."""

from __future__ import annotations

import time
from collections import OrderedDict, deque


class Throttle:
    def __init__(self, limit: int = 5, window_seconds: float = 300.0, max_keys: int = 10_000) -> None:
        self.limit, self.window, self.max_keys = limit, window_seconds, max_keys
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.get(key)
        if times is None:
            return deque()
        while times and now - times[0] > self.window:
            times.popleft()
        return times

    def retry_after(self, *keys: str) -> float:
        """Seconds until another attempt is allowed (0 when allowed now)."""
        now = time.monotonic()
        waits = [
            self.window - (now - times[0])
            for key in keys
            if len(times := self._recent(key, now)) >= self.limit
        ]
        return max(waits, default=0.0)

    def failed(self, *keys: str) -> None:
        now = time.monotonic()
        for key in keys:
            times = self._failures.setdefault(key, deque())
            self._failures.move_to_end(key)
            times.append(now)
        while len(self._failures) > self.max_keys:
            self._failures.popitem(last=False)

    def succeeded(self, *keys: str) -> None:
        for key in keys:
            self._failures.pop(key, None)
