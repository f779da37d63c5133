"""The result types of provenance detection (kept apart so every detector can import them
without importing the orchestrator)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# The fixed vocabulary other code (policy, moderation UI, CLI) switches on.
SIGNAL_NAMES: frozenset[str] = frozenset(
    {
        "c2pa",
        "iptc-xmp",
        "png-parameters",
        "comfyui",
        "exif",
        "stealth-alpha",
        "watermark",
        "software-text",
    }
)
HIGH = "high"
MEDIUM = "medium"


@dataclass(frozen=True)
class Signal:
    """One piece of evidence found in the file.

    `confidence` is "high" when the file itself declares AI generation in a structured,
    tool-specific way, "medium" when it only hints (free text, a bare `prompt` key).
    """

    signal: str
    detail: str
    confidence: str

    def to_dict(self) -> dict[str, str]:
        return {"signal": self.signal, "detail": self.detail, "confidence": self.confidence}


@dataclass(frozen=True)
class Verdict:
    """What the file declares: "ai" (a high signal), "needs-review" (only medium), "none".

    "none" never means "human-made": screenshots and re-encodes remove every signal.
    """

    verdict: str
    signals: tuple[Signal, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"verdict": self.verdict, "signals": [s.to_dict() for s in self.signals]}


def verdict_from(signals: list[Signal] | tuple[Signal, ...]) -> Verdict:
    """Fold signals into a verdict, dropping exact duplicates but keeping their order."""
    unique = tuple(dict.fromkeys(signals))
    if any(s.confidence == HIGH for s in unique):
        return Verdict("ai", unique)
    if unique:
        return Verdict("needs-review", unique)
    return Verdict("none", ())
