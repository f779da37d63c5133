"""The streaming API as Server-Sent Events (what mastodon-py and most clients accept
besides WebSockets): user and public streams. Each stream polls the database for new
rows, so it sees works and notifications written by any process (server or worker)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator

from quart import Blueprint, Response, stream_with_context

from instance.api.auth import scoped, viewer
from instance.api.common import base_url
from instance.api.status_batch import social_graph, statuses_for
from instance.api.visibility import shown_works
from instance.storage.models import Notification, Work

blueprint = Blueprint("api_streaming", __name__, url_prefix="/api/v1/streaming")

POLL_SECONDS = 1.0
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


async def _stream(kind: str, account_id: int | None, local_only: bool) -> AsyncIterator[bytes]:
    base = base_url()
    last_work = await _latest_work_id()
    last_note = 0
    if account_id is not None:
        row = await Notification.filter(recipient_id=account_id).order_by("-id").only("id").first()
        last_note = row.id if row else 0
    yield b":)\n\n"
    beat = time.monotonic()
    while True:
        await asyncio.sleep(POLL_SECONDS)
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
        ids = list(
            await query.filter(id__gt=last_work)
            .order_by("id")
            .limit(MAX_PER_POLL)
            .values_list("id", flat=True)
        )
        if ids:
            last_work = ids[-1]
            for status in await statuses_for(ids, base, account_id):
                yield _event("update", status)
        if kind == "user":
            from instance.api.notifications import entities

            notes = (
                await Notification.filter(recipient_id=account_id, id__gt=last_note, dismissed=False)
                .order_by("id")
                .limit(MAX_PER_POLL)
                .select_related("from_account")
            )
            if notes:
                last_note = notes[-1].id
                for entity in await entities(list(notes), account_id):
                    yield _event("notification", entity)
        if time.monotonic() - beat > HEARTBEAT_SECONDS:
            beat = time.monotonic()
            yield b":thump\n\n"


def _sse(generator: AsyncIterator[bytes]) -> Response:
    # The stream runs after the view returns: keep the request context for base_url().
    response = Response(stream_with_context(lambda: generator)(), content_type="text/event-stream")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Accel-Buffering"] = "no"
    response.timeout = None  # type: ignore[attr-defined]
    return response


@blueprint.get("/user")
@scoped("read:statuses", "read:notifications")
async def user_stream():
    return _sse(_stream("user", viewer().id, False))  # type: ignore[union-attr]


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
