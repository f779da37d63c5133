"""What each kind of import file holds and does, as one table (`KINDS`): how a row is
read, what applying it means (through the same actions as the app and the API) and what
`overwrite` undoes afterwards. Accounts and posts not known here are looked up the way a
follow from search is (WebFinger, then the actor); a post is found only if this server
already has it (Impasto cannot fetch a post by its address yet), else its row fails."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from instance.actions import domain_blocks, lists, social
from instance.actions.importing.files import KIND_NAMES, Malformed
from instance.actions.portability import FOLLOWING_HEADER, MUTES_HEADER
from instance.errors import Refused
from instance.moderation.domain_names import DomainNameError, normalise_domain
from instance.services import Services
from instance.storage.models import Account, AccountList, Block, Bookmark, Follow, ListMember, Mute, Work
from instance.storage.visibility import can_see
from instance.translation import gettext as _

ADDRESS = re.compile(r"^@?([A-Za-z0-9_.-]{1,64})@([A-Za-z0-9.-]{1,253}(?::\d{1,5})?)$")
URL = re.compile(r"^https?://[^\s/]+/\S{0,2000}$")
BOOLEAN = {"true": True, "false": False, "": None}

Row = dict[str, Any]
# apply(services, account, row) → what was kept (an id), for `overwrite` to spare
Apply = Callable[[Services, Account, Row], Awaitable[Any]]
# prune(services, account, rows, kept): undo what the file leaves out
Prune = Callable[[Services, Account, list[Row], set[Any]], Awaitable[None]]


@dataclass(frozen=True)
class ImportKind:
    """One kind of file: how its rows read, what a row does, what `overwrite` undoes."""

    name: str  # as ImportRun.kind, and as the export of the same file
    label: str  # for the form's "what is in this file" choice
    file_name: str  # as Mastodon names it
    things: str  # what its rows are, in words
    done: str  # what an applied row was, in words
    header: tuple[str, ...]  # Mastodon's header; the file may carry it or not
    parse: Callable[[list[str]], Row]
    apply: Apply
    prune: Prune
    min_columns: int = 1
    subject_columns: int = 1  # cells a report line shows
    addresses_first: bool = True  # a first cell without "@" is a header


def _address(cell: str) -> Row:
    match = ADDRESS.match(cell)
    if match is None:
        raise Malformed("not a user@domain address")
    return {"address": cell.lstrip("@"), "username": match.group(1), "domain": match.group(2)}


def _flag(cells: list[str], index: int, name: str) -> bool | None:
    value = cells[index].lower() if len(cells) > index else ""
    if value not in BOOLEAN:
        raise Malformed(f"{name} must be true or false")
    return BOOLEAN[value]


def _following_row(cells: list[str]) -> Row:
    row = _address(cells[0])
    reblogs, notify = _flag(cells, 1, "Show boosts"), _flag(cells, 2, "Notify on new posts")
    return {**row, "reblogs": True if reblogs is None else reblogs, "notify": bool(notify)}


def _mute_row(cells: list[str]) -> Row:
    hide = _flag(cells, 1, "Hide notifications")
    return {**_address(cells[0]), "hide": True if hide is None else hide}


def _bookmark_row(cells: list[str]) -> Row:
    if URL.match(cells[0]) is None:
        raise Malformed("not the http(s) address of a post")
    return {"address": cells[0]}


def _list_row(cells: list[str]) -> Row:
    title = cells[0]
    if not title or len(title) > lists.MAX_TITLE:
        raise Malformed(f"a list name has 1 to {lists.MAX_TITLE} characters")
    if len(cells) < 2:
        raise Malformed("no account address after the list name")
    return {**_address(cells[1]), "address": f"{title},{cells[1].lstrip('@')}", "list": title}


def _domain_row(cells: list[str]) -> Row:
    domain = cells[0].strip()
    if len(domain) > domain_blocks.MAX_LENGTH:
        raise Malformed(f"a domain name has at most {domain_blocks.MAX_LENGTH} characters")
    try:
        normalise_domain(domain)
    except DomainNameError:
        raise Malformed("not a domain name") from None
    return {"address": domain}


async def _account(services: Services, row: Row) -> Account:
    from instance.actors.remote import find_acct

    return await find_acct(services, row["username"], row["domain"])


async def _follow(services: Services, account: Account, row: Row) -> int:
    target = await _account(services, row)
    if target.suspended:
        raise Refused(_("the account is suspended"))
    await social.follow(services, account, target)
    await Follow.filter(follower_id=account.id, target_id=target.id).update(
        show_reblogs=row["reblogs"], notify=row["notify"])
    return target.id


async def _block(services: Services, account: Account, row: Row) -> int:
    target = await _account(services, row)
    await social.block(services, account, target)
    return target.id


async def _mute(services: Services, account: Account, row: Row) -> int:
    target = await _account(services, row)
    await social.mute(services, account, target, notifications=row["hide"])
    return target.id


async def _bookmark(services: Services, account: Account, row: Row) -> int:
    uri = row["address"]
    work = await Work.get_or_none(ap_id=uri) or await Work.filter(url=uri).order_by("id").first()
    if work is None:
        raise Refused(_("the post is not known on this server (Impasto cannot fetch a post "
                      "by its address yet)"))
    author = await Account.get(id=work.account_id)
    if author.suspended or not await can_see(work, account):
        raise Refused(_("the post is not visible to you"))
    await social.bookmark(account, work)
    return work.id


async def _block_domain(services: Services, account: Account, row: Row) -> str:
    return await domain_blocks.block_domain(services, account, row["address"])


async def _list_member(services: Services, account: Account, row: Row) -> tuple[int, int]:
    target = await _account(services, row)
    if target.suspended:
        raise Refused(_("the account is suspended"))
    account_list = await lists.list_titled(account, row["list"])
    await lists.follow_into_list(services, account, account_list, target)
    return account_list.id, target.id


def _acct(target: Account, local: str) -> str:
    return f"{target.username}@{target.domain or local}".lower()


async def _spare_listed(services: Services, account: Account, rows: list[Row], kept: set[Any],
                        targets: list[Account], undo: Callable[..., Awaitable[None]]) -> None:
    """Undo `targets` the file does not name (by address, or as resolved by this run)."""
    listed = {row["address"].lower() for row in rows}
    local = services.config.instance.domain.lower()
    for target in targets:
        if _acct(target, local) not in listed and target.id not in kept:
            await undo(services, account, target)


async def _unfollow_rest(services: Services, account: Account, rows: list[Row], kept: set[Any]) -> None:
    found = await Follow.filter(follower_id=account.id).select_related("target")
    await _spare_listed(services, account, rows, kept, [f.target for f in found], social.unfollow)


async def _unblock_rest(services: Services, account: Account, rows: list[Row], kept: set[Any]) -> None:
    found = await Block.filter(account_id=account.id).select_related("target")
    await _spare_listed(services, account, rows, kept, [b.target for b in found], social.unblock)


async def _unmute_rest(services: Services, account: Account, rows: list[Row], kept: set[Any]) -> None:
    found = await Mute.filter(account_id=account.id).select_related("target")
    await _spare_listed(services, account, rows, kept, [m.target for m in found], social.unmute)


async def _unbookmark_rest(services: Services, account: Account, rows: list[Row], kept: set[Any]) -> None:
    listed = {row["address"] for row in rows}
    for mark in await Bookmark.filter(account_id=account.id).select_related("work"):
        work = mark.work
        if work.id not in kept and work.ap_id not in listed and work.url not in listed:
            await social.unbookmark(account, work)


async def _unblock_domains_rest(services: Services, account: Account, rows: list[Row],
                                kept: set[Any]) -> None:
    listed = {row["address"].lower().rstrip(".") for row in rows}
    for domain in await domain_blocks.blocked_domains(account.id):
        if domain not in kept and domain not in listed:
            await domain_blocks.unblock_domain(services, account, domain)


async def _unlist_rest(services: Services, account: Account, rows: list[Row], kept: set[Any]) -> None:
    """As Mastodon: lists the file does not name go, and so do members it does not list."""
    titles = {row["list"] for row in rows}
    for account_list in await AccountList.filter(owner_id=account.id):
        if account_list.title not in titles:
            await lists.delete_list(account_list)
    listed = {(row["list"], f"{row['username']}@{row['domain']}".lower()) for row in rows}
    local = services.config.instance.domain.lower()
    members = await ListMember.filter(account_list__owner_id=account.id).select_related(
        "account_list", "account")
    for member in members:
        if ((member.account_list_id, member.account_id) not in kept
                and (member.account_list.title, _acct(member.account, local)) not in listed):
            await lists.remove_member(member.account_list, member.account)


KINDS: dict[str, ImportKind] = {kind.name: kind for kind in (
    ImportKind("following", "Follows", "following_accounts.csv", "accounts", "followed",
               FOLLOWING_HEADER, _following_row, _follow, _unfollow_rest),
    ImportKind("blocks", "Blocked accounts", "blocked_accounts.csv", "accounts", "blocked",
               ("Account address",), lambda cells: _address(cells[0]), _block, _unblock_rest),
    ImportKind("mutes", "Muted accounts", "muted_accounts.csv", "accounts", "muted",
               MUTES_HEADER, _mute_row, _mute, _unmute_rest),
    ImportKind("bookmarks", "Bookmarks", "bookmarks.csv", "posts", "bookmarked",
               ("#uri",), _bookmark_row, _bookmark, _unbookmark_rest, addresses_first=False),
    ImportKind("lists", "Lists", "lists.csv", "list members", "added to a list",
               ("List name", "Account address"), _list_row, _list_member, _unlist_rest,
               min_columns=2, subject_columns=2, addresses_first=False),
    ImportKind("domain_blocks", "Blocked domains", "blocked_domains.csv", "domains", "blocked",
               ("#domain",), _domain_row, _block_domain, _unblock_domains_rest,
               addresses_first=False),
)}
assert tuple(KINDS) == KIND_NAMES, "files.KIND_NAMES names the kinds of KINDS"
# Kinds Mastodon imports that Impasto cannot yet, and why (the upload is refused).
NOT_YET: dict[str, str] = {}
