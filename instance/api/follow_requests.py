"""Follow requests (locked accounts) with authorize/reject, and the block and mute lists."""

from __future__ import annotations

from quart import Blueprint, jsonify

from instance.api.auth import me, scoped
from instance.api.body import params
from instance.api.common import account_or_404, base_url, json_page
from instance.api.entities import account_entity, relationships
from instance.api.paging import link_header, page
from instance.services import current_services
from instance.storage.models import Block, Follow, FollowState, Mute

blueprint = Blueprint("api_follow_requests", __name__, url_prefix="/api/v1")


async def _listing(query, related: str):
    p = await params()
    paging = page(p, default=40, maximum=80)
    rows = await paging.rows(query.select_related(related))
    body = [account_entity(getattr(r, related), base_url()) for r in rows]
    return json_page(
        body, link_header(base_url(), rows[0].id if rows else None, rows[-1].id if rows else None)
    )


@blueprint.get("/follow_requests")
@scoped("read:follows")
async def follow_requests():
    return await _listing(Follow.filter(target_id=me().id).exclude(state=FollowState.ACCEPTED), "follower")


async def _answer(account_id: str, accept: bool):
    from instance.actions.social import accept_follow, reject_follow

    follower = await account_or_404(account_id)
    await (accept_follow if accept else reject_follow)(current_services(), me(), follower)
    return jsonify((await relationships(me().id, [follower.id]))[0])


@blueprint.post("/follow_requests/<account_id>/authorize")
@scoped("write:follows")
async def authorize(account_id: str):
    return await _answer(account_id, True)


@blueprint.post("/follow_requests/<account_id>/reject")
@scoped("write:follows")
async def reject(account_id: str):
    return await _answer(account_id, False)


@blueprint.get("/blocks")
@scoped("read:blocks")
async def blocks():
    return await _listing(Block.filter(account_id=me().id), "target")


@blueprint.get("/mutes")
@scoped("read:mutes")
async def mutes():
    return await _listing(Mute.filter(account_id=me().id), "target")
