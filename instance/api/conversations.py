"""Direct-message conversations as Mastodon's Conversation entities (id, unread,
accounts, last_status): list, mark read, remove. The threads and their read state come
from `instance.actions.conversations`, the same the web's /messages shows. Paging cursors
(`max_id`, `since_id`, `min_id`) are the id of a conversation's last status, which is
what the Link header carries."""

from __future__ import annotations

from typing import Any

from quart import Blueprint, jsonify

from instance.actions import conversations as actions
from instance.api.auth import me, scoped
from instance.api.body import params
from instance.api.common import base_url, json_page, parse_id
from instance.api.entities import account_entity
from instance.api.paging import link_header, page
from instance.api.status_batch import statuses_for

blueprint = Blueprint("api_conversations", __name__, url_prefix="/api/v1/conversations")


async def entities(found: list[actions.Conversation], viewer_id: int) -> list[dict[str, Any]]:
    base = base_url()
    statuses = {int(s["id"]): s for s in await statuses_for([c.last.id for c in found], base, viewer_id)}
    return [{
        "id": str(c.id),
        "unread": c.unread,
        "accounts": [account_entity(a, base) for a in c.participants],
        "last_status": statuses.get(c.last.id),
    } for c in found]


@blueprint.get("")
@blueprint.get("/")  # mastodon-py asks with the slash
@scoped("read:statuses")
async def index():
    p = await params()
    paging = page(p)
    account = me()
    since = paging.since_id if paging.min_id is None else max(paging.min_id, paging.since_id or 0)
    found = await actions.conversations(account, max_last=paging.max_id, since_last=since,
                                        limit=10_000 if paging.min_id is not None else paging.limit)
    if paging.min_id is not None:  # the page just after min_id, newest first
        found = found[-paging.limit:]
    headers = link_header(base_url(), found[0].last.id, found[-1].last.id) if found else {}
    return json_page(await entities(found, account.id), headers)


@blueprint.post("/<conversation_id>/read")
@scoped("write:conversations")
async def read(conversation_id: str):
    account = me()
    found = await actions.mark_read(account, parse_id(conversation_id, "Conversation"))
    return jsonify((await entities([found], account.id))[0])


@blueprint.delete("/<conversation_id>")
@scoped("write:conversations")
async def remove(conversation_id: str):
    await actions.remove(me(), parse_id(conversation_id, "Conversation"))
    return jsonify({})
