"""POST /inbox and POST /users/<name>/inbox answered in front of Quart, on plain ASGI.

Federation's busiest route needs none of Quart's per-request machinery (request
context, session cookie, locale, routing, before/after hooks, response objects), and that
machinery was about half of the CPU an accepted activity cost. This path reads the body
within the same bound, runs the same code as the inbox views (inbox/receive.py: every
gate, and 202 only once the item is committed) and answers with the same status, body
and headers as those views with the app's hooks; every other request goes to Quart
unchanged. docs/architecture.md gives the figures that kept it."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from typing import Any

from werkzeug.exceptions import InternalServerError

from inbox.receive import (
    NO_SUCH_ACCOUNT,
    TOO_LARGE,
    Answer,
    content_length_ok,
    local_account_exists,
    receive_activity,
)
from instance import site_settings
from instance.api.hooks import RETRY_AFTER, UNAVAILABLE
from instance.logs import request_id
from instance.services import Services
from instance.storage import db
from instance.web.media_views import optout_headers_for

log = logging.getLogger("impasto.http")
INBOX_STAMP_SECONDS = 1.0  # how stale the settings/policy stamps may be for POST …/inbox
PERSONAL = re.compile(r"/users/([^/]+)/inbox")
Headers = list[tuple[bytes, bytes]]


class Disconnected(Exception):
    """The client went away before its body arrived: nobody to answer."""


class InboxFastPath:
    """ASGI middleware: the two inbox routes here, everything else to `inner` (Quart)."""

    def __init__(self, inner: Any, services: Services) -> None:
        self.inner = inner
        self.services = services
        self._optout: tuple[object, Headers] | None = None
        self.answered = 0  # requests this path answered (tests read it)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        username = self._route(scope)
        if username is None:
            await self.inner(scope, receive, send)
            return
        self.answered += 1
        started = time.perf_counter()
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        incoming = headers.get("x-request-id", "")
        rid = incoming[:64] if incoming.isprintable() and incoming else uuid.uuid4().hex
        request_id.set(rid)
        try:
            status, body, extra = await self._answer(scope, receive, headers, username)
        except Disconnected:
            return
        except Exception as exc:  # what the app's error handlers would send
            status, body, extra = self._failure(exc)
        extra.append((b"x-request-id", rid.encode("latin-1")))
        await send({"type": "http.response.start", "status": status, "headers": extra})
        await send({"type": "http.response.body", "body": body})
        if log.isEnabledFor(logging.INFO):
            log.info("request", extra={"method": "POST", "path": scope["path"], "status": status,
                                       "ms": round((time.perf_counter() - started) * 1000, 2)})

    @staticmethod
    def _route(scope: dict[str, Any]) -> str | None:
        """"" for the shared inbox, the name for a personal one, None for anything else."""
        if scope["type"] != "http" or scope["method"] != "POST" or scope.get("root_path"):
            return None
        path = scope["path"]
        if path == "/inbox":
            return ""
        found = PERSONAL.fullmatch(path)
        return found.group(1) if found else None

    async def _answer(self, scope: dict[str, Any], receive: Any, headers: dict[str, str],
                      username: str) -> tuple[int, bytes, Headers]:
        svc = self.services
        await site_settings.refresh(svc, max_age=INBOX_STAMP_SECONDS)
        if username and not await local_account_exists(username):
            return self._respond(NO_SUCH_ACCOUNT)
        body = await _read_body(receive, headers, svc.config.federation.max_inbox_bytes)
        if body is None:
            return self._respond(TOO_LARGE)
        query = scope.get("query_string", b"").decode("latin-1")
        url = svc.config.base_url + scope["path"] + (f"?{query}" if query else "")
        return self._respond(await receive_activity(svc, url, headers, body))

    def _respond(self, answer: Answer) -> tuple[int, bytes, Headers]:
        if answer.error is None:  # Quart's Response(""): an empty text/html page
            return answer.status, b"", [(b"content-type", b"text/html; charset=utf-8"),
                                        (b"content-length", b"0"), *self._optout_headers()]
        body = json.dumps({"error": answer.error}).encode()
        return answer.status, body, [(b"content-type", b"application/json"),
                                     (b"content-length", str(len(body)).encode())]

    def _failure(self, exc: Exception) -> tuple[int, bytes, Headers]:
        if db.is_unavailable(exc):
            log.warning("database unavailable", extra={"path": "inbox"})
            body = f"<!doctype html><title>Unavailable</title><p>{UNAVAILABLE}</p>".encode()
            status, extra = 503, [(b"retry-after", RETRY_AFTER.encode())]
        else:
            log.error("unhandled error", exc_info=exc)
            body, status, extra = InternalServerError().get_body().encode(), 500, []
        return status, body, [(b"content-type", b"text/html; charset=utf-8"),
                              (b"content-length", str(len(body)).encode()), *extra,
                              *self._optout_headers()]

    def _optout_headers(self) -> Headers:
        """The opt-out headers the app adds to every HTML answer, built once per config."""
        config = self.services.config
        if self._optout is None or self._optout[0] is not config:
            self._optout = (config, [(k.lower().encode(), v.encode())
                                     for k, v in optout_headers_for(config).items()])
        return self._optout[1]


async def _read_body(receive: Any, headers: dict[str, str], limit: int) -> bytes | None:
    """The body, or None when it is over `limit` (declared or as it arrives)."""
    if not content_length_ok(headers.get("content-length"), limit):
        return None
    chunks, total = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":  # the client went away
            raise Disconnected
        chunk = message.get("body", b"")
        total += len(chunk)
        if total > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def wrap(inner: Any, services: Services) -> InboxFastPath:
    return InboxFastPath(inner, services)
