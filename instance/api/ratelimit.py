"""Mastodon's rate limits: a fixed window per token (or per address without one), with
X-RateLimit-Limit/Remaining/Reset on every API answer and 429 past the limit. Counted in
the database (instance/counters.py), so every web process shares one limit."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from instance import counters


class RateLimiter:
    def __init__(self, name: str, limit: int, seconds: float) -> None:
        self.name, self.limit, self.seconds = name, limit, seconds

    async def hit(self, key: str) -> tuple[bool, int, float]:
        """Count one request: (allowed, remaining, reset epoch seconds)."""
        counted = await counters.hit(f"api:{self.name}:{key}", self.seconds)
        return counted.count <= self.limit, max(0, self.limit - counted.count), counted.reset


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
