"""Mastodon's OAuth scopes: the four top-level ones and the granular ones under them.
A token's scopes imply their granular children; `follow` is the old alias for the
follow/block/mute scopes."""

from __future__ import annotations

from instance.errors import Refused

GRANULAR = {
    "read": (
        "accounts",
        "blocks",
        "bookmarks",
        "favourites",
        "filters",
        "follows",
        "jobs",  # Impasto's job board (/api/v1/impasto/jobs)
        "lists",
        "mutes",
        "notifications",
        "search",
        "statuses",
    ),
    "write": (
        "accounts",
        "blocks",
        "bookmarks",
        "conversations",
        "favourites",
        "filters",
        "follows",
        "jobs",
        "lists",
        "media",
        "mutes",
        "notifications",
        "reports",
        "statuses",
    ),
}
# Mastodon's admin scopes (only staff tokens get anything from them).
ADMIN = {"admin:read": ("domain_blocks",), "admin:write": ("domain_blocks",)}
FOLLOW_IMPLIES = ("read:follows", "read:blocks", "read:mutes", "write:follows", "write:blocks", "write:mutes")
TOP_LEVEL = ("read", "write", "follow", "push", "profile")
ALL_SCOPES: frozenset[str] = frozenset(
    [*TOP_LEVEL, *(f"{top}:{leaf}" for top, leaves in GRANULAR.items() for leaf in leaves),
     *ADMIN, *(f"{top}:{leaf}" for top, leaves in ADMIN.items() for leaf in leaves)]
)
DEFAULT_SCOPES = "read"


class ScopeError(Refused):
    """A requested scope is unknown or not allowed for the application."""


def parse(text: str | None, default: str = DEFAULT_SCOPES) -> list[str]:
    """Space- (or plus-, or comma-) separated scopes, validated, in their given order."""
    raw = (text or "").replace("+", " ").replace(",", " ").split()
    if not raw:
        raw = default.split()
    out: list[str] = []
    for scope in raw:
        if scope not in ALL_SCOPES:
            raise ScopeError(f"unknown scope {scope!r}")
        if scope not in out:
            out.append(scope)
    return out


def expand(scopes: list[str] | str) -> frozenset[str]:
    """Every scope a set of granted scopes covers."""
    items = scopes.split() if isinstance(scopes, str) else scopes
    out = set(items)
    for scope in items:
        if scope in GRANULAR:
            out.update(f"{scope}:{leaf}" for leaf in GRANULAR[scope])
        elif scope in ADMIN:
            out.update(f"{scope}:{leaf}" for leaf in ADMIN[scope])
        elif scope == "follow":
            out.update(FOLLOW_IMPLIES)
    return frozenset(out)


def allows(granted: frozenset[str], *needed: str) -> bool:
    """True when any one of `needed` is covered by the granted scopes."""
    return any(scope in granted for scope in needed)


def subset(requested: list[str], allowed: list[str]) -> bool:
    """A token may ask for no more than its application registered."""
    covered = expand(allowed)
    return all(scope in covered for scope in requested)


def describe(scope: str) -> str:
    """The consent page's line for one scope."""
    top, _, leaf = scope.partition(":")
    verbs = {
        "read": "Read",
        "write": "Change",
        "follow": "Follow, block and mute accounts",
        "push": "Receive push notifications",
        "profile": "Read your profile",
    }
    if not leaf:
        return {
            "read": "Read all your account's data",
            "write": "Change all your account's data and post for you",
        }.get(scope, verbs[top])
    return f"{verbs[top]} your {leaf.replace('_', ' ')}"
