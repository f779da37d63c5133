"""POST /inbox (shared), /users/<name>/inbox, /actor/inbox and /services/jobs/inbox.

Gates, in order: size, content type, JSON shape, domain policy (a suspended domain is
answered 202 and nothing is stored), HTTP signature, key owner = actor, activity id on
the actor's origin. Then the raw item and its processing job are stored (with those of
every other request waiting at that moment, in one transaction: inbox/batch.py) and we
answer 202 once that transaction has committed. An activity id seen before is a no-op (202) when
signed anew — peers retry that way — and a replay (401) when the very same signature
comes again."""

from __future__ import annotations

import hashlib
import time
from typing import Any

from quart import Blueprint, Response, request

from federation import safe_json
from federation.signatures import SignatureError, check_owner, verify_request
from federation.vocab import first_type, id_of, is_activitypub_content_type, same_origin
from inbox.batch import group_commit
from instance.actors.remote import resolve_key
from instance.moderation.gate import domain_of, url_is_suspended
from instance.services import current_services
from instance.storage.models import Account, InboxItem, InstanceInfo
from instance.web.activitypub.signed_fetch import error, public_url

blueprint = Blueprint("inbox", __name__)


def accepted() -> Response:
    return Response("", status=202)


async def _read_body(limit: int) -> bytes | None:
    declared = request.content_length
    if declared is not None and declared > limit:
        return None
    chunks, total = [], 0
    async for chunk in request.body:
        total += len(chunk)
        if total > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _content_type_ok(value: str | None) -> bool:
    return is_activitypub_content_type(value) or (value or "").startswith("application/json")


async def receive() -> Response:
    svc = current_services()
    body = await _read_body(svc.config.federation.max_inbox_bytes)
    if body is None:
        return error(413, "activity too large")
    if not _content_type_ok(request.headers.get("Content-Type")):
        return error(415, "send application/activity+json")
    try:
        activity: Any = safe_json.loads(body, max_bytes=len(body))
    except safe_json.JsonInputError as exc:
        return error(400, f"body is not acceptable JSON: {exc.reason}")
    if not isinstance(activity, dict):
        return error(400, "an activity is a JSON object")
    activity_id, actor_id = id_of(activity), id_of(activity.get("actor"))
    kind = first_type(activity.get("type"))
    if not activity_id or not actor_id or not kind:
        return error(400, "an activity needs id, type and actor")
    if await url_is_suspended(svc, actor_id):
        return accepted()  # dropped: nothing accepted from a suspended domain
    if kind == "Delete" and id_of(activity.get("object")) == actor_id:
        if not await Account.filter(ap_id=actor_id).exists():
            return accepted()  # a stranger's farewell: nothing of theirs to delete

    actor_domain = domain_of(actor_id)

    async def resolver(key_id: str, refresh: bool):
        if not same_origin(key_id, actor_id):  # refused before fetching anything
            raise SignatureError(403, f"key {key_id} is not on the origin of {actor_id}")
        return await resolve_key(svc, key_id, refresh)

    try:
        verified = await verify_request("POST", public_url(), dict(request.headers), body, resolver)
        check_owner(verified, actor_id)
    except SignatureError as exc:
        return error(exc.status, exc.reason)
    if not same_origin(activity_id, actor_id):
        return error(403, "the activity id is not on the actor's origin")
    signature = _signature_digest()
    outcome = await group_commit().store(svc.jobs, dict(
        activity_id=activity_id, actor_id=actor_id, activity_type=kind[:64],
        document=activity, signature_digest=signature,
    ))  # returns once the item and its job are committed (inbox/batch.py)
    if outcome == "duplicate":
        if await InboxItem.filter(activity_id=activity_id, signature_digest=signature).exists():
            return error(401, "replayed request: this signature was used before")
        return accepted()  # the peer sent it again, signed anew: a no-op
    await _host_is_alive(actor_domain)
    return accepted()


def _signature_digest() -> str:
    """Identifies the signature itself: a peer re-sending an activity signs it anew, so
    the very same signature twice is somebody replaying a captured request."""
    headers = request.headers
    signed = "\n".join(headers.get(name, "") for name in ("Signature", "Signature-Input"))
    return hashlib.sha256(signed.encode("latin-1", "replace")).hexdigest()


_alive_marked: dict[str, float] = {}


async def _host_is_alive(host: str | None) -> None:
    """A signed activity from a host shows it is up: lift its unavailability (as
    Mastodon does), or a skipped host could never come back. Once per host per 10 min."""
    now = time.monotonic()
    if not host or now - _alive_marked.get(host, -1e9) < 600:
        return
    _alive_marked[host] = now
    await InstanceInfo.filter(domain=host, unavailable=True).update(
        unavailable=False, failure_days=[])


@blueprint.post("/inbox")
async def shared_inbox():
    return await receive()


@blueprint.post("/actor/inbox")
async def instance_actor_inbox():
    return await receive()


@blueprint.post("/services/jobs/inbox")
async def jobs_actor_inbox():
    return await receive()


@blueprint.post("/users/<username>/inbox")
async def personal_inbox(username: str):
    if not await Account.filter(username=username.lower(), domain=None).exists():
        return error(404, "no such account")
    return await receive()
