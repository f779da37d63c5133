"""Search (v2) and account search: local accounts by name, `user@domain` (or an actor
URL) resolved over WebFinger/ActivityPub when `resolve` is set and a user asks,
statuses by URL, hashtags by prefix."""

from __future__ import annotations

import re

from quart import Blueprint, jsonify

from instance.api.auth import scoped, viewer
from instance.api.body import params
from instance.api.common import base_url
from instance.api.entities import account_entity
from instance.api.errors import ApiError
from instance.api.status_batch import statuses_for
from instance.api.visibility import can_see
from instance.services import current_services
from instance.storage.models import Account, Tag, Work

blueprint = Blueprint("api_search", __name__)

ACCT_RE = re.compile(r"^@?([A-Za-z0-9_.\-]+)(?:@([A-Za-z0-9.\-]+(?::\d+)?))?$")


def _escape_like(text: str) -> str:
    return text.replace("\\", "").replace("%", "").replace("_", "\\_")


async def find_accounts(q: str, *, resolve: bool, limit: int, offset: int = 0) -> list[Account]:
    q = q.strip()
    if not q:
        return []
    match = ACCT_RE.match(q)
    found: list[Account] = []
    if match:
        username, domain = match.group(1), match.group(2)
        local = current_services().config.instance.domain.lower()
        if domain is None or domain.lower() == local:
            exact = await Account.get_or_none(username=username.lower(), domain=None, suspended=False)
        else:
            exact = await Account.get_or_none(username=username, domain=domain.lower(), suspended=False)
            if exact is None and resolve and viewer() is not None:
                from instance.actors.remote import resolve_acct

                exact = await resolve_acct(current_services(), username, domain)
        if exact is not None and not exact.suspended:
            found.append(exact)
        prefix = username.lower()
    elif q.startswith(("https://", "http://")):
        account = await Account.get_or_none(ap_id=q, suspended=False) or await Account.get_or_none(
            url=q, suspended=False
        )
        if account is None and resolve and viewer() is not None:
            from instance.actors.remote import ActorError, get_actor

            try:
                account = await get_actor(current_services(), q)
            except (ActorError, Exception):  # any fetch failure means "not found"
                account = None
        return [account] if account is not None and not account.suspended else []
    else:
        prefix = q.lower().lstrip("@")
    rows = (
        await Account.filter(username__istartswith=_escape_like(prefix), suspended=False, discoverable=True)
        .order_by("domain", "username")
        .offset(offset)
        .limit(limit)
    )
    for row in rows:
        if all(row.id != f.id for f in found):
            found.append(row)
    return found[:limit]


@blueprint.get("/api/v2/search")
@scoped("read:search", "read:accounts", public=True)
async def search_v2():
    p = await params()
    q = p.text("q", max_length=600).strip()
    kind = p.text("type", max_length=16)
    if kind not in ("", "accounts", "statuses", "hashtags"):
        raise ApiError(422, "type must be accounts, statuses or hashtags")
    limit = min(max(p.integer("limit", 20) or 20, 1), 40)
    offset = max(p.integer("offset", 0) or 0, 0)
    resolve = p.flag("resolve") and viewer() is not None
    body: dict = {"accounts": [], "statuses": [], "hashtags": []}
    if kind in ("", "accounts"):
        body["accounts"] = [
            account_entity(a, base_url())
            for a in await find_accounts(q, resolve=resolve, limit=limit, offset=offset)
        ]
    if kind in ("", "statuses") and q.startswith(("https://", "http://")):
        work = await Work.get_or_none(ap_id=q) or await Work.get_or_none(url=q)
        if work is not None and await can_see(work, viewer()):
            reader = viewer()
            body["statuses"] = await statuses_for([work.id], base_url(), reader.id if reader else None)
    if (
        kind in ("", "hashtags")
        and q
        and not q.startswith(("https://", "http://"))
        and "@" not in q.lstrip("@")
    ):
        name = q.lstrip("#").lower()
        tags = (
            await Tag.filter(name__startswith=_escape_like(name)).order_by("name").offset(offset).limit(limit)
        )
        body["hashtags"] = [
            {"name": t.name, "url": current_services().urls.tag(t.name), "history": []} for t in tags
        ]
    return jsonify(body)
