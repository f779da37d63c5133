"""Leaving with what one owns: the CSV exports in Mastodon's exact formats (the same
headers, columns and `true`/`false` spellings Mastodon 4.x writes), so another server
imports them as they are. Built from the database at request time (they are small)."""

from __future__ import annotations

import csv
import io
from collections.abc import Awaitable, Callable

from instance.storage.models import (
    AccountDomainBlock,
    AccountList,
    Block,
    Bookmark,
    Follow,
    FollowState,
    ListMember,
    Mute,
)

FOLLOWING_HEADER = ("Account address", "Show boosts", "Notify on new posts", "Languages")
MUTES_HEADER = ("Account address", "Hide notifications")


def address(username: str, domain: str | None, local_domain: str) -> str:
    """`user@domain`, with this server's domain for a local account (as Mastodon writes)."""
    return f"{username}@{domain or local_domain}"


def _csv(rows: list[tuple[str, ...]], header: tuple[str, ...] | None = None) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if header:
        writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def _flag(value: bool) -> str:
    return "true" if value else "false"


async def following_csv(account_id: int, local: str) -> str:
    rows = await Follow.filter(follower_id=account_id, state=FollowState.ACCEPTED).order_by("id") \
        .values_list("target__username", "target__domain", "show_reblogs", "notify")
    return _csv([(address(u, d, local), _flag(r), _flag(n), "") for u, d, r, n in rows], FOLLOWING_HEADER)


async def followers_csv(account_id: int, local: str) -> str:
    rows = await Follow.filter(target_id=account_id, state=FollowState.ACCEPTED).order_by("id") \
        .values_list("follower__username", "follower__domain")
    return _csv([(address(u, d, local),) for u, d in rows])


async def blocks_csv(account_id: int, local: str) -> str:
    rows = await Block.filter(account_id=account_id).order_by("id").values_list(
        "target__username", "target__domain")
    return _csv([(address(u, d, local),) for u, d in rows])


async def mutes_csv(account_id: int, local: str) -> str:
    rows = await Mute.filter(account_id=account_id).order_by("id").values_list(
        "target__username", "target__domain", "notifications")
    return _csv([(address(u, d, local), _flag(n)) for u, d, n in rows], MUTES_HEADER)


async def domain_blocks_csv(account_id: int, local: str) -> str:
    """Mastodon's header-less file: one blocked domain a line, oldest first."""
    rows = await AccountDomainBlock.filter(account_id=account_id).order_by("id") \
        .values_list("domain", flat=True)
    return _csv([(str(domain),) for domain in rows])


async def bookmarks_csv(account_id: int, local: str) -> str:
    rows = await Bookmark.filter(account_id=account_id, work__deleted_at=None).order_by("id") \
        .values_list("work__ap_id", flat=True)
    return _csv([(str(uri),) for uri in rows if uri])


async def lists_csv(account_id: int, local: str) -> str:
    titles = dict(await AccountList.filter(owner_id=account_id).values_list("id", "title"))
    rows = await ListMember.filter(account_list_id__in=list(titles) or [0]).order_by(
        "account_list_id", "id").values_list("account_list_id", "account__username", "account__domain")
    return _csv([(str(titles[lid]), address(u, d, local)) for lid, u, d in rows])


# what → (file name Mastodon gives it, builder)
EXPORTS: dict[str, tuple[str, Callable[[int, str], Awaitable[str]]]] = {
    "following": ("following_accounts.csv", following_csv),
    "followers": ("followers.csv", followers_csv),
    "blocks": ("blocked_accounts.csv", blocks_csv),
    "mutes": ("muted_accounts.csv", mutes_csv),
    "domain_blocks": ("blocked_domains.csv", domain_blocks_csv),
    "bookmarks": ("bookmarks.csv", bookmarks_csv),
    "lists": ("lists.csv", lists_csv),
}


async def export_csv(what: str, account_id: int, local_domain: str) -> tuple[str, str]:
    """(file name, CSV text) for one export kind; KeyError for an unknown kind."""
    name, build = EXPORTS[what]
    return name, await build(account_id, local_domain)
