"""The `emojis` of Status and Account entities, for a whole page in one query: each
text's custom emoji are those of its origin (the author's domain; local for local
accounts), so a remote server cannot make a local shortcode show its image."""

from __future__ import annotations

from typing import Any

from instance.emoji.store import entity, shown_for
from instance.emoji.text import shortcodes_in


def _domain(account: dict[str, Any]) -> str | None:
    handle = str(account.get("acct") or "")
    return handle.rsplit("@", 1)[1].lower() if "@" in handle else None


def _account_codes(account: dict[str, Any]) -> set[str]:
    fields = " ".join(f"{f.get('name', '')} {f.get('value', '')}" for f in account.get("fields") or [])
    return shortcodes_in(account.get("display_name"), account.get("note"), fields)


def _status_codes(status: dict[str, Any]) -> set[str]:
    extra = status.get("impasto") or {}
    return shortcodes_in(status.get("content"), status.get("spoiler_text"), extra.get("title"))


async def attach(base: str, statuses: list[dict[str, Any]] = (),  # type: ignore[assignment]
                 accounts: list[dict[str, Any]] = ()) -> None:  # type: ignore[assignment]
    """Fill `emojis` of the statuses (and their accounts) and of the accounts given."""
    every_account = list(accounts) + [s["account"] for s in statuses if isinstance(s.get("account"), dict)]
    wanted: set[tuple[str | None, str]] = set()
    for status in statuses:
        domain = _domain(status.get("account") or {})
        wanted |= {(domain, c) for c in _status_codes(status)}
    for account in every_account:
        domain = _domain(account)
        wanted |= {(domain, c) for c in _account_codes(account)}
    if not wanted:
        return
    found = await shown_for(wanted)
    if not found:
        return

    def pick(domain: str | None, codes: set[str]) -> list[dict[str, Any]]:
        return [entity(found[(domain, c)], base) for c in sorted(codes) if (domain, c) in found]

    for status in statuses:
        status["emojis"] = pick(_domain(status.get("account") or {}), _status_codes(status))
    for account in every_account:
        account["emojis"] = pick(_domain(account), _account_codes(account))
