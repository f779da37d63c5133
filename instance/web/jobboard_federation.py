"""The board's "other servers" side: which job boards this server follows (its jobs actor
follows theirs) and, for moderators and admins, a form to follow another one."""

from __future__ import annotations

from typing import Any

from quart import Blueprint, redirect, request, url_for

from instance.actors.jobs_actor import existing_jobs_actor
from instance.jobboard.federate import follow_board
from instance.jobboard.listings import STAFF
from instance.services import current_services
from instance.storage.models import Follow
from instance.web.csrf import check_csrf
from instance.web.session import current_user, role_required

blueprint = Blueprint("jobboard_federation", __name__, url_prefix="/jobs")
blueprint.before_request(check_csrf)


@blueprint.app_template_global("jobboard_remote")
async def _remote() -> dict[str, Any]:
    """What the "other servers" tab says: the setting, followed boards, who may add one."""
    services = current_services()
    board = await existing_jobs_actor()
    follows = await Follow.filter(follower_id=board.id).prefetch_related("target") \
        if board is not None else []
    me = await current_user()
    return {"mode": services.config.jobboard.remote_listings,
            "handle": f"@jobs@{services.config.instance.domain}",
            "boards": [(f.target, f.state) for f in follows],
            "staff": me is not None and me.role in STAFF}


@blueprint.post("/boards/follow")
@role_required(*STAFF)
async def follow():
    """A moderator subscribes this board to another server's (`jobs@domain` or a domain)."""
    handle = str((await request.form).get("board", "")).strip()[:300]
    await follow_board(current_services(), handle)
    return redirect(url_for("jobboard.board_page", origin="other"))
