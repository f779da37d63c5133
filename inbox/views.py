"""POST /inbox (shared), /users/<name>/inbox, /actor/inbox and /services/jobs/inbox.

The gates and the durable 202 are inbox/receive.py's; a view reads the body within the
size bound and turns the answer into a response. The app answers the shared and the
personal inboxes' POSTs on a leaner ASGI path before Quart (instance/web/inbox_fast_path.py)
with the same code; these views serve the others, and those two wherever the app runs
without that path."""

from __future__ import annotations

from quart import Blueprint, Response, request

from inbox import receive as gates
from instance.services import current_services
from instance.web.activitypub.signed_fetch import error, public_url

blueprint = Blueprint("inbox", __name__)


def respond(answer: gates.Answer) -> Response:
    if answer.error is None:
        return Response("", status=answer.status)
    return error(answer.status, answer.error)


async def _read_body(limit: int) -> bytes | None:
    if not gates.content_length_ok(request.headers.get("Content-Length"), limit):
        return None
    chunks, total = [], 0
    async for chunk in request.body:
        total += len(chunk)
        if total > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


async def receive() -> Response:
    svc = current_services()
    body = await _read_body(svc.config.federation.max_inbox_bytes)
    if body is None:
        return respond(gates.TOO_LARGE)
    headers = {name.lower(): value for name, value in request.headers.items()}
    return respond(await gates.receive_activity(svc, public_url(), headers, body))


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
    if not await gates.local_account_exists(username):
        return respond(gates.NO_SUCH_ACCOUNT)
    return await receive()
