"""One small HTTP/1.1 server on 127.0.0.1 for tests that need a real peer on the wire.

Real sockets catch what mocks hide (the SSRF guard, size limits, chunked bodies,
redirects, signatures as sent). The server serves `files` (raw bodies) and `documents`
(JSON) by request target, or asks `handler` when a test needs its own routing; it
records every request, and closes each connection after one answer.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypedDict

CHUNK = 1000


class Request(TypedDict):
    """A request as received: dict-shaped so tests can index it like the wire data."""

    method: str
    target: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Response:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    chunked: bool = False  # send the body as Transfer-Encoding: chunked, CHUNK bytes a piece


NOT_FOUND = Response(404, {"Content-Type": "text/plain"}, b"not found")
Handler = Callable[[Request], Response]


@dataclass
class LoopbackServer:
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # target -> (type, body)
    documents: dict[str, Any] = field(default_factory=dict)  # target -> JSON, as activity+json
    handler: Handler | None = None  # when set, answers every request instead of the dicts
    requests: list[Request] = field(default_factory=list)
    port: int = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base + path

    @property
    def paths(self) -> list[str]:
        """The request targets, in order received."""
        return [r["target"] for r in self.requests]

    def respond(self, request: Request) -> Response:
        if self.handler is not None:
            return self.handler(request)
        target = request["target"]
        if target in self.files:
            content_type, body = self.files[target]
            return Response(200, {"Content-Type": content_type}, body)
        if target in self.documents:
            return Response(200, {"Content-Type": "application/activity+json"},
                            json.dumps(self.documents[target]).encode())
        return NOT_FOUND

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()  # a client that connected and left without asking
            return
        lines = head.decode("latin-1").split("\r\n")
        method, target, _ = lines[0].split(" ", 2)
        headers = dict(line.split(": ", 1) for line in lines[1:] if line)
        length = int(next((v for k, v in headers.items() if k.lower() == "content-length"), 0))
        body = await reader.readexactly(length) if length else b""
        request = Request(method=method, target=target, headers=headers, body=body)
        self.requests.append(request)
        writer.write(_encode(self.respond(request)))
        try:
            await writer.drain()
        except ConnectionError:
            pass  # the client stopped reading (a size limit): that is its business
        writer.close()


def _encode(response: Response) -> bytes:
    head = [f"HTTP/1.1 {response.status} X", "Connection: close",
            *(f"{k}: {v}" for k, v in response.headers.items())]
    if not response.chunked:
        head.append(f"Content-Length: {len(response.body)}")
        return ("\r\n".join(head) + "\r\n\r\n").encode() + response.body
    head.append("Transfer-Encoding: chunked")
    pieces = [response.body[i:i + CHUNK] for i in range(0, len(response.body), CHUNK)]
    return (("\r\n".join(head) + "\r\n\r\n").encode()
            + b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces) + b"0\r\n\r\n")


# host:port of every loopback server open in this process: in-process services built by
# tests/rig/services.py allow exactly these private endpoints (and nothing else private).
OPEN_ENDPOINTS: set[tuple[str, int]] = set()


@asynccontextmanager
async def loopback_server(handler: Handler | None = None, port: int = 0
                          ) -> AsyncIterator[LoopbackServer]:
    """A LoopbackServer listening on 127.0.0.1 (a free port, or `port`) until the block ends."""
    server = LoopbackServer(handler=handler)
    listener = await asyncio.start_server(server.handle, "127.0.0.1", port)
    server.port = listener.sockets[0].getsockname()[1]
    OPEN_ENDPOINTS.add(("127.0.0.1", server.port))
    try:
        async with listener:
            yield server
    finally:
        OPEN_ENDPOINTS.discard(("127.0.0.1", server.port))
