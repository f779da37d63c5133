"""What an inbox handler raises to end an item without acting on it."""

from __future__ import annotations


class Drop(Exception):
    """The activity is understood but not acted on; the message is the reason kept."""
