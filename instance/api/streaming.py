"""The streaming API as Server-Sent Events (what mastodon-py and most clients accept
besides WebSockets): user and public streams. Each stream reads new rows from the
database, so it sees works and notifications written by any process (server or worker);
when to look is `stream_wakeup`'s: on PostgreSQL when a NOTIFY says something was
written, on SQLite (or with `[api] streaming_wakeups = "poll"`) every second."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator

from quart import Blueprint, Response, current_app, stream_with_context

from instance.api.auth import scoped, viewer, with_required_scopes
from instance.api.common import base_url
from instance.api.filtering import apply_filters
from instance.api.status_batch import social_graph, statuses_for
from instance.api.stream_wakeup import Wakeups
from instance.api.visibility import outside_blocked_domains, shown_works
from instance.services import current_services
from instance.storage.models import Notification, Work

blueprint = Blueprint("api_streaming", __name__, url_prefix="/api/v1/streaming")

HEARTBEAT_SECONDS = 15.0
MAX_PER_POLL = 20


@blueprint.get("/health")
async def health():
    """Clients check this before opening a stream; it needs no token (like Mastodon's)."""
    return Response("OK", content_type="text/plain")


def _event(name: str, payload: object) -> bytes:
    return f"event: {name}\ndata: {json.dumps(payload, separators=(',', ':'))}\n\n".encode()


async def _latest_work_id() -> int:
    row = await Work.all().order_by("-id").only("id").first()
    return row.id if row else 0


Event = tuple[str | None, object]  # (event name, payload); None for a heartbeat


def _wakeups() -> Wakeups:
    """This process's one listener (made on first use, closed when the app stops)."""
    wakeups = current_app.extensions.get("stream_wakeups")
    if wakeups is None:
        config = current_services().config
        wakeups = Wakeups(config.database_url, config.api.streaming_wakeups)
        current_app.extensions["stream_wakeups"] = wakeups
    return wakeups


@blueprint.after_app_serving
async def close_wakeups() -> None:
    wakeups = current_app.extensions.pop("stream_wakeups", None)
    if wakeups is not None:
        await wakeups.close()


async def _stream(kind: str, account_id: int | None, local_only: bool) -> AsyncIterator[Event]:
    base = base_url()
    wakeups = _wakeups()
    mark = wakeups.mark()  # before reading where we are: nothing written after is missed
    last_work = await _latest_work_id()
    last_note = 0
    if account_id is not None:
        row = await Notification.filter(recipient_id=account_id).order_by("-id").only("id").first()
        last_note = row.id if row else 0
    yield None, ":)"
    beat = time.monotonic()
    while True:
        if not await wakeups.wait(mark, HEARTBEAT_SECONDS):
            beat = time.monotonic()
            yield None, ":thump"  # listening and nothing written: nothing to read
            continue
        mark = wakeups.mark()
        followed, hidden = await social_graph(account_id) if account_id is not None else ([], set())
        if kind == "user":
            query = shown_works().filter(
                account_id__in=[account_id, *followed], visibility__in=("public", "unlisted", "private")
            )
        else:
            query = shown_works().filter(visibility="public")
            if local_only:
                query = query.filter(local=True)
        if hidden:
            query = query.filter(account_id__not_in=list(hidden))
        if account_id is not None:
            query = query.filter(outside_blocked_domains(account_id))
        ids = list(
            await query.filter(id__gt=last_work)
            .order_by("id")
            .limit(MAX_PER_POLL)
            .values_list("id", flat=True)
        )
        if ids:
            last_work = ids[-1]
            shown = await statuses_for(ids, base, account_id)
            for status in await apply_filters(shown, account_id, "home" if kind == "user" else "public"):
                yield "update", status
        if kind == "user":
            from instance.api.notifications import entities

            assert account_id is not None  # the user stream is always somebody's
            notes = (
                await Notification.filter(recipient_id=account_id, id__gt=last_note, dismissed=False)
                .filter(outside_blocked_domains(account_id, "from_account"))
                .order_by("id")
                .limit(MAX_PER_POLL)
                .select_related("from_account")
            )
            if notes:
                last_note = notes[-1].id
                for entity in await entities(list(notes), account_id):
                    yield "notification", entity
        if time.monotonic() - beat > HEARTBEAT_SECONDS:
            beat = time.monotonic()
            yield None, ":thump"


async def _sse_lines(events: AsyncIterator[Event]) -> AsyncIterator[bytes]:
    async for name, payload in events:
        yield f"{payload}\n\n".encode() if name is None else _event(name, payload)


def _sse(events: AsyncIterator[Event]) -> Response:
    # The stream runs after the view returns: keep the request context for base_url().
    generator = _sse_lines(events)
    response = Response(stream_with_context(lambda: generator)(), content_type="text/event-stream")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Accel-Buffering"] = "no"
    response.timeout = None
    return response


@blueprint.get("/user")
@scoped("read:statuses", "read:notifications")
async def user_stream():
    return _sse(_stream("user", viewer().id, False))


@blueprint.get("/public")
@scoped("read:statuses")
async def public_stream():
    account = viewer()
    return _sse(_stream("public", account.id if account else None, False))


@blueprint.get("/public/local")
@scoped("read:statuses")
async def local_stream():
    account = viewer()
    return _sse(_stream("public", account.id if account else None, True))


STREAM_SCOPES = {
    "user": ("read:statuses", "read:notifications"),
    "public": ("read:statuses",),
    "public:local": ("read:statuses",),
}


@blueprint.websocket("")
async def websocket_stream():
    """Mastodon's WebSocket streaming: /api/v1/streaming?stream=user|public|public:local
    (token as ?access_token=, Authorization or Sec-WebSocket-Protocol); messages are
    {"stream": [...], "event": ..., "payload": "<JSON text>"}. A missing or bad token
    refuses the handshake with 401; a token without the scope with 403."""
    from quart import websocket

    from instance.api.oauth import scopes as scope_rules
    from instance.api.oauth.tokens import find_token

    raw = websocket.args.get("access_token") or websocket.headers.get("Sec-WebSocket-Protocol", "")
    header = websocket.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        raw = header[7:].strip()
    token = await find_token(raw) if raw else None
    if token is None or token.user is None or token.user.disabled or token.user.account.suspended:
        return Response('{"error":"The access token is invalid"}', 401, content_type="application/json")
    stream = websocket.args.get("stream", "user")
    if stream not in STREAM_SCOPES:
        return Response('{"error":"Unknown stream type"}', 400, content_type="application/json")
    if not scope_rules.allows(scope_rules.expand(token.scopes), *STREAM_SCOPES[stream]):
        return Response(
            '{"error":"This action is outside the authorized scopes"}', 403, content_type="application/json"
        )
    protocol = websocket.headers.get("Sec-WebSocket-Protocol")
    await websocket.accept(subprotocol=protocol if protocol and protocol == raw else None)
    kind = "user" if stream == "user" else "public"
    async for name, payload in _stream(kind, token.user.account.id, stream == "public:local"):
        if name is not None:
            await websocket.send(
                json.dumps(
                    {"stream": [stream], "event": name, "payload": json.dumps(payload, separators=(",", ":"))}
                )
            )


with_required_scopes(websocket_stream, ("read:statuses",))  # checked per stream inside
