"""Mastodon's per-person domain blocks (`/api/v1/domain_blocks`): the list, paged with a
Link header like Mastodon's, and blocking or unblocking one domain (`domain`). The rules
are `instance.actions.domain_blocks`."""

from __future__ import annotations

from quart import Blueprint, jsonify

from instance.actions.domain_blocks import block_domain, unblock_domain
from instance.api.auth import me, scoped
from instance.api.body import params
from instance.api.common import base_url, json_page
from instance.api.paging import link_header, page
from instance.services import current_services
from instance.storage.models import AccountDomainBlock

blueprint = Blueprint("api_domain_blocks", __name__, url_prefix="/api/v1")


@blueprint.get("/domain_blocks")
@scoped("read:blocks")
async def listed():
    """The domains the caller blocked, newest first (Mastodon: 100 a page, at most 200)."""
    paging = page(await params(), default=100, maximum=200)
    rows = await paging.rows(AccountDomainBlock.filter(account_id=me().id))
    return json_page([row.domain for row in rows], link_header(
        base_url(), rows[0].id if rows else None, rows[-1].id if rows else None))


@blueprint.post("/domain_blocks")
@scoped("write:blocks")
async def block():
    p = await params()
    await block_domain(current_services(), me(), p.text("domain", max_length=1000))
    return jsonify({})


@blueprint.delete("/domain_blocks")
@scoped("write:blocks")
async def unblock():
    p = await params()
    await unblock_domain(current_services(), me(), p.text("domain", max_length=1000))
    return jsonify({})
