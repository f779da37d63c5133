"""Lists (Mastodon's): a person's named groups of accounts they follow, each read as its
own timeline. `replies_policy` decides which replies show there; an `exclusive` list's
members leave home (instance.api.status_batch.social_graph_full)."""

from __future__ import annotations

from typing import Any

from quart import Blueprint, jsonify

from instance.actions.lists import MAX_TITLE, create_list
from instance.api.auth import me, scoped
from instance.api.body import Params, as_id, params
from instance.api.common import account_or_404, base_url, json_page, parse_id
from instance.api.entities import account_entity
from instance.api.errors import ApiError
from instance.api.filtering import apply_filters
from instance.api.home import home_statuses, merged_items, reblog_conditions
from instance.api.paging import link_header, page
from instance.api.status_batch import social_graph_full
from instance.api.visibility import outside_blocked_domains_sql, shown_sql
from instance.storage.models import AccountList, ListMember, RepliesPolicy
from instance.storage.raw_sql import int_list

blueprint = Blueprint("api_lists", __name__, url_prefix="/api/v1")

MAX_IDS_PER_CALL = 250


def list_entity(row: AccountList) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "title": row.title,
        "replies_policy": row.replies_policy,
        "exclusive": row.exclusive,
    }


async def _mine(list_id: str) -> AccountList:
    found = await AccountList.get_or_none(id=parse_id(list_id), owner_id=me().id)
    if found is None:
        raise ApiError(404, "Record not found")
    return found


def _title(p: Params, required: bool) -> str | None:
    if p.get("title") is None and not required:
        return None
    title = p.text("title", max_length=MAX_TITLE).strip()
    if not title:
        raise ApiError(422, "Validation failed: Title can't be blank")
    return title


def _policy(p: Params) -> str | None:
    value = p.get("replies_policy")
    if value is None:
        return None
    if value not in set(RepliesPolicy):
        raise ApiError(422, "replies_policy must be one of followed, list, none")
    return str(value)


@blueprint.get("/lists")
@scoped("read:lists")
async def index():
    rows = await AccountList.filter(owner_id=me().id).order_by("id")
    return jsonify([list_entity(r) for r in rows])


@blueprint.post("/lists")
@scoped("write:lists")
async def create():
    p = await params()
    title = _title(p, required=True)
    policy = _policy(p) or RepliesPolicy.LIST.value
    exclusive = p.flag("exclusive")
    row = await create_list(me(), title, replies_policy=policy, exclusive=exclusive)
    return jsonify(list_entity(row))


@blueprint.get("/lists/<list_id>")
@scoped("read:lists")
async def show(list_id: str):
    return jsonify(list_entity(await _mine(list_id)))


@blueprint.put("/lists/<list_id>")
@scoped("write:lists")
async def update(list_id: str):
    row = await _mine(list_id)
    p = await params()
    title, policy = _title(p, required=False), _policy(p)
    exclusive = p.flag("exclusive", row.exclusive)
    row.title = title or row.title
    row.replies_policy = policy or row.replies_policy
    row.exclusive = exclusive
    await row.save(update_fields=["title", "replies_policy", "exclusive"])
    return jsonify(list_entity(row))


@blueprint.delete("/lists/<list_id>")
@scoped("write:lists")
async def delete(list_id: str):
    row = await _mine(list_id)
    await row.delete()
    return jsonify({})


@blueprint.get("/lists/<list_id>/accounts")
@scoped("read:lists")
async def members(list_id: str):
    row = await _mine(list_id)
    p = await params()
    # limit=0 means every member, as in Mastodon
    paging = page(p, default=40, maximum=80) if p.integer("limit") != 0 else None
    query = ListMember.filter(account_list_id=row.id, account__suspended=False).select_related("account")
    found = await paging.rows(query) if paging else list(await query.order_by("-id"))
    body = [account_entity(m.account, base_url()) for m in found]
    headers = link_header(base_url(), found[0].id, found[-1].id) if paging and found else {}
    return json_page(body, headers)


def _account_ids(p: Params) -> list[int]:
    raw = p.list("account_ids")
    if not raw:
        raise ApiError(422, "account_ids is required")
    if len(raw) > MAX_IDS_PER_CALL:
        raise ApiError(422, f"At most {MAX_IDS_PER_CALL} account_ids at once")
    ids = []
    for text in raw:
        value = as_id(text)
        if value is None:
            raise ApiError(404, "Record not found")
        ids.append(value)
    return list(dict.fromkeys(ids))


@blueprint.post("/lists/<list_id>/accounts")
@scoped("write:lists")
async def add_members(list_id: str):
    row = await _mine(list_id)
    ids = _account_ids(await params())
    for account_id in ids:
        await account_or_404(str(account_id))
    followed, _, _ = await social_graph_full(me().id, home=False)
    strangers = [i for i in ids if i not in set(followed)]
    if strangers:
        raise ApiError(422, "Validation failed: You can only add accounts you follow to a list")
    present = set(await ListMember.filter(account_list_id=row.id, account_id__in=ids)
                  .values_list("account_id", flat=True))
    new = [ListMember(account_list_id=row.id, account_id=i) for i in ids if i not in present]
    if new:
        await ListMember.bulk_create(new, ignore_conflicts=True)
    return jsonify({})


@blueprint.delete("/lists/<list_id>/accounts")
@scoped("write:lists")
async def remove_members(list_id: str):
    row = await _mine(list_id)
    ids = _account_ids(await params())
    await ListMember.filter(account_list_id=row.id, account_id__in=ids).delete()
    return jsonify({})


@blueprint.get("/accounts/<account_id>/lists")
@scoped("read:lists")
async def lists_with(account_id: str):
    target = await account_or_404(account_id)
    rows = await AccountList.filter(owner_id=me().id, members__account_id=target.id).order_by("id")
    return jsonify([list_entity(r) for r in rows])


def _replies_sql(policy: str, owner: int, members: list[int], followed: list[int]) -> str:
    """Which replies the list shows (Mastodon's rule), as SQL over the work w: a reply to
    oneself or to the list's owner always; to another account only under `followed`
    (someone the owner follows) or `list` (a member of the list)."""
    parents = [owner]
    if policy == RepliesPolicy.FOLLOWED:
        parents += followed
    elif policy == RepliesPolicy.LIST:
        parents += members
    return ("(w.in_reply_to_id IS NULL OR EXISTS (SELECT 1 FROM works p WHERE p.id = w.in_reply_to_id "
            f"AND (p.account_id = w.account_id OR p.account_id IN ({int_list(parents)}))))")


@blueprint.get("/timelines/list/<list_id>")
@scoped("read:lists")
async def timeline(list_id: str):
    row = await _mine(list_id)
    p = await params()
    owner = me().id
    followed, hidden, no_reblogs = await social_graph_full(owner, home=False)
    listed = set(await ListMember.filter(account_list_id=row.id).values_list("account_id", flat=True))
    members = [a for a in followed if a in listed and a not in hidden]
    works = [shown_sql("w", "a"), f"w.account_id IN ({int_list(members)})",
             "w.visibility IN ('public', 'unlisted', 'private')",
             _replies_sql(row.replies_policy, owner, members, followed),
             outside_blocked_domains_sql(owner, "a")]
    boosters = [a for a in members if a not in no_reblogs]
    reblogs = reblog_conditions(boosters, hidden, owner) if boosters else None
    items = await merged_items(works, reblogs, page(p))
    body = await apply_filters(await home_statuses(items, base_url(), owner), owner, "home")
    first, last = (items[0][1], items[-1][1]) if items else (None, None)
    return json_page(body, link_header(base_url(), first, last))
