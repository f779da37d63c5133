"""What a job handler raises to steer the runner."""

from __future__ import annotations


class Retry(Exception):
    """Try again after `after` seconds (counts as an attempt)."""

    def __init__(self, after: float, reason: str = "") -> None:
        super().__init__(reason or f"retry in {after:.0f}s")
        self.after = after


class Permanent(Exception):
    """Give up now: retrying cannot help (bad payload, gone object, 4xx…)."""
