"""Who may see which work: the one place the API and actions decide (drafts, processing, hidden,
deleted and suspended are never shown; private needs an accepted follow; direct needs
a mention; blocks hide both ways; a domain a person blocked hides its accounts from that
person's timelines, notifications and streams)."""

from __future__ import annotations

from typing import Any, Literal, cast

from tortoise.expressions import Q, Subquery
from tortoise.queryset import ValuesListQuery

from instance.storage.models import (
    Account,
    AccountDomainBlock,
    Block,
    Follow,
    FollowState,
    Mute,
    Work,
    WorkState,
)


def shown(relation: str = "") -> Q:
    """The rule of `shown_works` as a filter, for a query on works (`relation` "") or on
    rows reaching a work through `relation` ("work" for reblogs): one query, no id list."""
    at = f"{relation}__" if relation else ""
    rule: dict[str, Any] = {f"{at}state": WorkState.READY, f"{at}hidden": False, f"{at}deleted_at": None,
                           f"{at}account__suspended": False}
    return Q(**rule)


def shown_works():
    """Works that exist for readers at all."""
    return Work.filter(shown())


def shown_sql(work: str, account: str) -> str:
    """`shown` as SQL text over the aliases of a works row and its author's accounts row,
    for the hand-written timeline queries (the same on SQLite and PostgreSQL)."""
    return (f"{work}.state = '{WorkState.READY.value}' AND NOT {work}.hidden "
            f"AND {work}.deleted_at IS NULL AND NOT {account}.suspended")


async def _id_set(query: ValuesListQuery[Literal[False]]) -> set[int]:
    """The ids a `values_list(<id field>, flat=True)` query returns."""
    return set(cast(list[int], await query))


async def hidden_account_ids(viewer_id: int | None, *, mutes: bool = True) -> set[int]:
    """Accounts whose works the viewer never sees in lists: blocked either way, muted."""
    if viewer_id is None:
        return set()
    ids = await _id_set(Block.filter(account_id=viewer_id).values_list("target_id", flat=True))
    ids |= await _id_set(Block.filter(target_id=viewer_id).values_list("account_id", flat=True))
    if mutes:
        ids |= await _id_set(Mute.filter(account_id=viewer_id).values_list("target_id", flat=True))
    return ids


def outside_blocked_domains(viewer_id: int | None, relation: str = "account") -> Q:
    """A filter keeping rows whose account (through `relation`: "account" for works and
    reblogs, "from_account" for notifications) is local or on no domain the viewer
    blocked for themself. One subquery, no extra round trip; no viewer, no filter."""
    if viewer_id is None:
        return Q()
    blocked = Subquery(AccountDomainBlock.filter(account_id=viewer_id).values("domain"))
    local: dict[str, Any] = {f"{relation}__domain__isnull": True}
    elsewhere: dict[str, Any] = {f"{relation}__domain__not_in": blocked}
    return Q(**local) | Q(**elsewhere)


def outside_blocked_domains_sql(viewer_id: int, account: str) -> str:
    """`outside_blocked_domains` as SQL text over the alias of an accounts row."""
    return (f"({account}.domain IS NULL OR {account}.domain NOT IN "
            f"(SELECT domain FROM account_domain_blocks WHERE account_id = {int(viewer_id)}))")


async def can_see(work: Work, viewer: Account | None) -> bool:
    if work.state != WorkState.READY or work.hidden or work.deleted_at is not None:
        return (
            viewer is not None
            and viewer.id == work.account_id
            and work.state != WorkState.DELETED
            and work.deleted_at is None
        )
    if viewer is not None and viewer.id == work.account_id:
        return True
    if viewer is not None and await Block.filter(account_id=work.account_id, target_id=viewer.id).exists():
        return False
    if work.visibility in ("public", "unlisted"):
        return True
    if viewer is None:
        return False
    if work.visibility == "private":
        return await Follow.filter(
            follower_id=viewer.id, target_id=work.account_id, state=FollowState.ACCEPTED
        ).exists()
    return viewer.ap_id in (work.mentions or [])
