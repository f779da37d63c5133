"""Read markers (where the person stopped reading home and notifications), kept in the
user's settings so every client of theirs sees the same position."""

from __future__ import annotations

from quart import Blueprint, jsonify

from instance.actions.notifications import MARKER_TIMELINES as TIMELINES
from instance.actions.notifications import with_marker
from instance.api.auth import current_user, scoped
from instance.api.body import as_id, params
from instance.api.errors import ApiError
from instance.storage.models import User

blueprint = Blueprint("api_markers", __name__, url_prefix="/api/v1/markers")


@blueprint.get("")
@scoped("read:statuses", "read:notifications")
async def get_markers():
    p = await params()
    wanted = [t for t in p.list("timeline") if t in TIMELINES] or list(TIMELINES)
    user = await User.get(id=current_user().id)
    stored = (user.settings or {}).get("markers", {})
    return jsonify({t: stored[t] for t in wanted if t in stored})


@blueprint.post("")
@scoped("write:statuses")
async def save_markers():
    p = await params()
    user = await User.get(id=current_user().id)
    settings = user.settings
    changed = {}
    for timeline in TIMELINES:
        value = p.dict(timeline).get("last_read_id") or p.get(f"{timeline}[last_read_id]")
        if value is None:
            continue
        text = str(value)
        if as_id(text) is None:
            raise ApiError(422, f"Validation failed: {timeline}[last_read_id] must be an id")
        settings, changed[timeline] = with_marker(settings, timeline, text)
    if changed:
        await User.filter(id=user.id).update(settings=settings)
    return jsonify(changed)
