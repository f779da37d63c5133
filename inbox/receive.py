"""One signed activity POSTed to an inbox, checked and stored: the part of the inbox
views that needs no web framework, so Quart's views (inbox/views.py) and the lean ASGI
path for the busiest routes (instance/web/inbox_fast_path.py) run the very same gates.

Gates, in order: content type, JSON shape, domain policy (a suspended domain is answered
202 and nothing is stored), HTTP signature, key owner = actor, activity id on the
actor's origin. Then the raw item and its processing job are stored (with those of every
other request waiting at that moment, in one transaction: inbox/batch.py) and the answer
is 202 once that transaction has committed. An activity id seen before is a no-op (202)
when signed anew — peers retry that way — and a replay (401) when the very same signature
comes again. The size bound is the caller's: it reads the body."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from federation import safe_json
from federation.signatures import SignatureError, check_owner, verify_request
from federation.vocab import first_type, id_of, is_activitypub_content_type, same_origin
from inbox.batch import group_commit
from instance.actors.remote import resolve_key
from instance.moderation.gate import domain_of, url_is_suspended
from instance.storage.models import Account, InboxItem, InstanceInfo

if TYPE_CHECKING:
    from instance.services import Services


@dataclass(frozen=True)
class Answer:
    """What to send back: 202 with an empty body (`error` None), or a JSON error."""

    status: int
    error: str | None = None


ACCEPTED = Answer(202)
TOO_LARGE = Answer(413, "activity too large")
NO_SUCH_ACCOUNT = Answer(404, "no such account")


def content_length_ok(declared: str | None, limit: int) -> bool:
    """False when a declared Content-Length is already over the bound (read nothing)."""
    return not (declared and declared.isdigit() and int(declared) > limit)


async def local_account_exists(username: str) -> bool:
    return await Account.filter(username=username.lower(), domain=None).exists()


def _content_type_ok(value: str | None) -> bool:
    return is_activitypub_content_type(value) or (value or "").startswith("application/json")


async def receive_activity(svc: Services, url: str, headers: Mapping[str, str],
                           body: bytes) -> Answer:
    """`url` is the public URL the peer signed; `headers` have lower-case names."""
    if not _content_type_ok(headers.get("content-type")):
        return Answer(415, "send application/activity+json")
    try:
        activity: Any = safe_json.loads(body, max_bytes=len(body))
    except safe_json.JsonInputError as exc:
        return Answer(400, f"body is not acceptable JSON: {exc.reason}")
    if not isinstance(activity, dict):
        return Answer(400, "an activity is a JSON object")
    activity_id, actor_id = id_of(activity), id_of(activity.get("actor"))
    kind = first_type(activity.get("type"))
    if not activity_id or not actor_id or not kind:
        return Answer(400, "an activity needs id, type and actor")
    if await url_is_suspended(svc, actor_id):
        return ACCEPTED  # dropped: nothing accepted from a suspended domain
    if kind == "Delete" and id_of(activity.get("object")) == actor_id:
        if not await Account.filter(ap_id=actor_id).exists():
            return ACCEPTED  # a stranger's farewell: nothing of theirs to delete

    async def resolver(key_id: str, refresh: bool):
        if not same_origin(key_id, actor_id):  # refused before fetching anything
            raise SignatureError(403, f"key {key_id} is not on the origin of {actor_id}")
        return await resolve_key(svc, key_id, refresh)

    try:
        verified = await verify_request("POST", url, headers, body, resolver)
        check_owner(verified, actor_id)
    except SignatureError as exc:
        return Answer(exc.status, exc.reason)
    if not same_origin(activity_id, actor_id):
        return Answer(403, "the activity id is not on the actor's origin")
    signature = _signature_digest(headers)
    outcome = await group_commit().store(svc.jobs, dict(
        activity_id=activity_id, actor_id=actor_id, activity_type=kind[:64],
        document=activity, signature_digest=signature,
    ))  # returns once the item and its job are committed (inbox/batch.py)
    if outcome == "duplicate":
        if await InboxItem.filter(activity_id=activity_id, signature_digest=signature).exists():
            return Answer(401, "replayed request: this signature was used before")
        return ACCEPTED  # the peer sent it again, signed anew: a no-op
    await _host_is_alive(domain_of(actor_id))
    return ACCEPTED


def _signature_digest(headers: Mapping[str, str]) -> str:
    """Identifies the signature itself: a peer re-sending an activity signs it anew, so
    the very same signature twice is somebody replaying a captured request."""
    signed = "\n".join(headers.get(name, "") for name in ("signature", "signature-input"))
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
