"""The HTTP server under `impasto run`: Uvicorn with the httptools (llhttp) parser.

Why not Hypercorn (Quart's default): its pure-Python h11 parser was most of what an inbox
POST cost once the app's own path was trimmed (bench/federation.py, alternated runs:
0.40-0.48 ms of CPU per stored activity on Hypercorn, 0.27-0.29 ms here, same app and load).

What Uvicorn leaves to us, kept as Hypercorn had it (the last is new):
- a bound on the request head: httptools buffers a header of any length, so a slow client
  could grow one without limit; `BoundedHttpToolsProtocol` answers 431 past HEAD_LIMIT;
- TCP_NODELAY on every connection (`listen`);
- signals: `impasto run` owns SIGINT/SIGTERM and exits 0 after a graceful stop (Uvicorn's
  own handling re-raises the signal once it has stopped);
- log levels: instance.logs sets them (Uvicorn is given none to apply);
- X-Forwarded-For/-Proto are read only from `[server] trusted_proxies` (none by default).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
from collections.abc import Iterator, Sequence
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

# Request line and headers together, as Hypercorn's h11 allowed (h11's default buffer).
HEAD_LIMIT = 16 * 1024
# Longer than clients' polling intervals (mastodon-py polls a processing upload every 5 s
# on a kept-alive connection; a 5 s timeout races it).
KEEP_ALIVE_SECONDS = 75
GRACEFUL_SECONDS = 10


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    """Uvicorn's httptools protocol with a bound on the bytes of an unfinished request head.

    Counted per read while a head is incomplete; a read in which a head or message ended
    restarts the count, so memory stays within HEAD_LIMIT plus one read."""

    head_bytes = 0
    in_head = True
    boundary = False

    def data_received(self, data: bytes) -> None:
        self.boundary = False
        super().data_received(data)
        if self.boundary or not self.in_head:
            self.head_bytes = 0
            return
        self.head_bytes += len(data)
        if self.head_bytes > HEAD_LIMIT and not self.transport.is_closing():
            self.send_431_response()

    def on_headers_complete(self) -> None:
        self.in_head, self.boundary = False, True
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self.in_head, self.boundary = True, True
        super().on_message_complete()

    def send_431_response(self) -> None:
        message = b"Request header fields too large."
        self.transport.write(
            b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
            b"content-type: text/plain; charset=utf-8\r\n"
            b"content-length: " + str(len(message)).encode() + b"\r\n"
            b"connection: close\r\n\r\n" + message
        )
        self.transport.close()


class _Server(uvicorn.Server):
    """Uvicorn's server minus its signal capture (serve() sets `should_exit` instead)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def listen(host: str, port: int) -> socket.socket:
    """A listening TCP socket for `serve`, with TCP_NODELAY for every connection.

    Without it a response's header and body writes wait on the client's delayed ACK (~40 ms
    a request; Hypercorn set it itself, and asyncio sets it only on sockets made with
    proto=IPPROTO_TCP, which socket.create_server's are not). Set on the listener before
    anything can connect: a connection takes the listener's options when the kernel
    accepts it, before serve() is running."""
    listener = socket.create_server(
        (host, port), family=socket.AF_INET6 if ":" in host else socket.AF_INET
    )
    listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return listener


def serve(app: Any, listener: socket.socket, trusted_proxies: Sequence[str] = ()) -> bool:
    """Serve `app` on `listener` (from `listen`) until SIGINT or SIGTERM, then stop
    gracefully (open requests get GRACEFUL_SECONDS). False if the app failed to start
    (Uvicorn has logged why). Only from `trusted_proxies` are X-Forwarded-For/-Proto read."""
    config = uvicorn.Config(
        app,
        http=BoundedHttpToolsProtocol,
        ws="wsproto",
        lifespan="on",
        log_config=None,  # instance.logs configured the process already
        log_level=None,
        access_log=False,
        server_header=False,
        proxy_headers=bool(trusted_proxies),
        forwarded_allow_ips=list(trusted_proxies),
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
        timeout_graceful_shutdown=GRACEFUL_SECONDS,
    )
    server = _Server(config)

    async def until_signal() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, lambda: setattr(server, "should_exit", True))
        await server.serve(sockets=[listener])

    asyncio.run(until_signal())
    return server.started
