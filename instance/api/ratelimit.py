"""Mastodon's rate limits: a fixed window per token (or per address without one), with
X-RateLimit-Limit/Remaining/Reset on every API answer and 429 past the limit. Windows
live in this process's memory (bounded), like the login throttle."""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass
class Window:
    started: float
    count: int = 0


class RateLimiter:
    def __init__(self, limit: int, seconds: float, max_keys: int = 50_000) -> None:
        self.limit, self.seconds, self.max_keys = limit, seconds, max_keys
        self._windows: OrderedDict[str, Window] = OrderedDict()

    def hit(self, key: str) -> tuple[bool, int, float]:
        """Count one request: (allowed, remaining, reset epoch seconds)."""
        now = time.time()
        window = self._windows.get(key)
        if window is None or now - window.started >= self.seconds:
            window = Window(started=now)
            self._windows[key] = window
        self._windows.move_to_end(key)
        while len(self._windows) > self.max_keys:
            self._windows.popitem(last=False)
        window.count += 1
        remaining = max(0, self.limit - window.count)
        return window.count <= self.limit, remaining, window.started + self.seconds


def client_key(authorization: str, address: str | None) -> str:
    """Key by token (hashed: raw tokens are never kept) or by address."""
    if authorization[:7].lower() == "bearer " and authorization[7:].strip():
        return "t:" + hashlib.sha256(authorization[7:].strip().encode()).hexdigest()[:32]
    return "ip:" + (address or "unknown")


def headers(limit: int, remaining: int, reset: float) -> dict[str, str]:
    stamp = datetime.fromtimestamp(reset, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return {
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Remaining": str(remaining),
        "X-RateLimit-Reset": stamp,
    }
