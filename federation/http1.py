"""Keep-alive HTTP/1.1 POSTs for deliveries, on httptools' response parser (llhttp, the
parser of Node.js; uvicorn's here too).

A fan-out is thousands of small POSTs whose answers are a status and a few bytes. Through
aiohttp each cost about 0.15 ms of CPU beside its RSA signature, here about 0.05 ms
(bench/http_clients.py; docs/federation.md "Performance"). So this does only what such a
POST needs: one request at a time on a connection, idle connections kept per origin for
KEEPALIVE seconds (at most `max_idle` in all), no redirects, no compression (none is
asked for), no cookies, no proxy.

Every new connection resolves its host through the AddressGuard and connects to the very
addresses vetted (no second lookup to rebind); TLS verifies the certificate against the
URL's host. The answer is bounded (`limit` bytes of body, HEAD_BYTES of head) and timed
(`read_timeout` from the request's last byte to the answer's last). A reused connection
that the server closed before answering anything is retried once on a new one: a peer's
idle timeout can race our send. Nothing else is retried here."""

from __future__ import annotations

import asyncio
import ssl
import time
from collections import OrderedDict

import httptools
from yarl import URL

from federation.guard import AddressGuard, FetchError
from federation.signatures.common import lower_headers

KEEPALIVE = 30.0  # seconds an idle connection is reused (aiohttp's keepalive_timeout)
HEAD_BYTES = 64 * 1024  # status line and headers of one answer
_FRAMING = frozenset({"content-length", "transfer-encoding", "connection"})

Origin = tuple[str, str, int]  # scheme, host (IDNA, no brackets), port


class _Unanswered(Exception):
    """The server closed the connection before a byte of the answer arrived."""


class Answer:
    """Status, lower-cased headers (repeated ones joined by ", ") and body of a response."""

    __slots__ = ("status", "headers", "body")

    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status, self.headers, self.body = status, headers, body


class _Connection(asyncio.Protocol):
    """One TCP (or TLS) connection and the answer it is reading."""

    def __init__(self, origin: Origin, pool: Http1Pool) -> None:
        self.origin, self.pool = origin, pool
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.waiter: asyncio.Future[None] | None = None
        self.url = ""
        self.limit = 0
        self.received = self.body_size = 0
        self.status = 0
        self.header_pairs: list[tuple[bytes, bytes]] = []
        self.chunks: list[bytes] = []
        self.headers_done = self.answered = self.keep_alive = False
        self.closed = False
        self.idle_since = 0.0

    # asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        if self.waiter is None or self.waiter.done():
            self._close()  # bytes nobody asked for: the connection is not ours to reuse
            return
        self.received += len(data)
        if self.received > self.limit + HEAD_BYTES:
            self._fail(FetchError(f"{self.url} response larger than {self.limit}", url=self.url,
                                  kind="too-large"))
            return
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._fail(FetchError(f"{self.url} answered with a protocol upgrade", url=self.url))
        except httptools.HttpParserError as exc:
            self._fail(FetchError(f"{self.url} sent a malformed response: {exc}", url=self.url))

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.pool.forget(self)
        waiter = self.waiter
        if waiter is None or waiter.done():
            return
        if self.received == 0:
            waiter.set_exception(_Unanswered())
        elif self.headers_done and self._reads_to_close():
            waiter.set_result(None)  # no length given: the body ended with the connection
        else:
            waiter.set_exception(FetchError(
                f"{self.url}: the server closed the connection mid-answer", url=self.url,
                kind="unreachable"))

    # httptools callbacks

    def on_message_begin(self) -> None:
        if self.answered:  # more than the one answer asked for: never reuse this stream
            self.closed = True

    def on_header(self, name: bytes, value: bytes) -> None:
        if not self.answered:
            self.header_pairs.append((name, value))

    def on_headers_complete(self) -> None:
        if not self.answered:
            self.status = self.parser.get_status_code()
            self.headers_done = True

    def on_body(self, body: bytes) -> None:
        if self.answered:
            return
        self.body_size += len(body)
        if self.body_size > self.limit:
            self._fail(FetchError(f"{self.url} response larger than {self.limit}", url=self.url,
                                  kind="too-large"))
        else:
            self.chunks.append(body)

    def on_message_complete(self) -> None:
        if self.answered:
            return
        if self.status < 200:  # 100 Continue, 103 Early Hints: the answer is still to come
            self.header_pairs, self.headers_done = [], False
            return
        self.answered = True
        self.keep_alive = self.parser.should_keep_alive()  # llhttp forgets it once this returns
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)

    # the exchange

    async def exchange(self, url: str, data: bytes, limit: int, timeout: float) -> Answer:
        """Send one request (`data`, head and body) and read its answer."""
        assert self.transport is not None
        loop = asyncio.get_running_loop()
        self.url, self.limit = url, limit
        self.received = self.body_size = self.status = 0
        self.header_pairs, self.chunks = [], []
        self.headers_done = self.answered = self.keep_alive = False
        self.waiter = waiter = loop.create_future()
        timer = loop.call_later(timeout, self._fail, FetchError(
            f"{url} did not answer within {timeout:g} s", url=url, kind="timeout"))
        try:
            self.transport.write(data)
            await waiter
        except BaseException:
            self._close()  # an answer half read (or cancelled) leaves the stream unusable
            raise
        finally:
            timer.cancel()
            self.waiter = None
        headers = lower_headers(
            (name.decode("latin-1"), value.decode("latin-1")) for name, value in self.header_pairs)
        answer = Answer(self.status, headers, b"".join(self.chunks))
        self.header_pairs, self.chunks = [], []
        if self.closed or not self.keep_alive:
            self._close()
        else:
            self.pool.release(self)
        return answer

    def _reads_to_close(self) -> bool:
        names = {name.lower() for name, _ in self.header_pairs}
        return b"content-length" not in names and b"transfer-encoding" not in names

    def _fail(self, error: FetchError) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(error)
        self._close()

    def _close(self) -> None:
        self.closed = True
        self.pool.forget(self)
        if self.transport is not None:
            self.transport.abort()


class Http1Pool:
    """Idle keep-alive connections by origin, bound to the event loop that made them."""

    def __init__(self, guard: AddressGuard, tls: ssl.SSLContext, *, user_agent: str,
                 connect_timeout: float, read_timeout: float, max_idle: int = 100) -> None:
        self.guard, self.tls, self.user_agent = guard, tls, user_agent
        self.connect_timeout, self.read_timeout = connect_timeout, read_timeout
        self.max_idle = max_idle
        self._idle: dict[Origin, list[_Connection]] = {}
        self._lru: OrderedDict[_Connection, None] = OrderedDict()  # idle, oldest first
        self._loop: asyncio.AbstractEventLoop | None = None

    async def post(self, url: URL, headers: dict[str, str], body: bytes, limit: int) -> Answer:
        """POST `body` to `url` (absolute http(s), already checked by the caller)."""
        origin: Origin = (url.scheme, url.raw_host or "", url.port or 0)
        data = self._request_bytes(url, headers, body)
        text = str(url)
        connection = self._reuse(origin)
        if connection is not None:
            try:
                return await connection.exchange(text, data, limit, self.read_timeout)
            except _Unanswered:
                pass  # closed by the peer as we sent: once more on a new connection
        connection = await self._connect(origin, text)
        try:
            return await connection.exchange(text, data, limit, self.read_timeout)
        except _Unanswered:
            raise FetchError(f"{text}: the server closed the connection without answering",
                             url=text, kind="unreachable") from None

    def _request_bytes(self, url: URL, headers: dict[str, str], body: bytes) -> bytes:
        lines = [f"POST {url.raw_path_qs} HTTP/1.1"]
        names = set()
        for name, value in headers.items():
            lower = name.lower()
            if lower in _FRAMING:
                continue  # framing is ours to say
            if ":" in name:
                raise FetchError(f"refusing a header name with a colon: {name!r}", url=str(url),
                                 kind="invalid-url")
            names.add(lower)
            lines.append(f"{name}: {value}")
        if "host" not in names:
            default = url.port == {"http": 80, "https": 443}.get(url.scheme)
            host = f"[{url.raw_host}]" if ":" in (url.raw_host or "") else url.raw_host
            lines.append(f"Host: {host}" if default else f"Host: {host}:{url.port}")
        if "user-agent" not in names:
            lines.append(f"User-Agent: {self.user_agent}")
        lines.append(f"Content-Length: {len(body)}\r\n\r\n")
        head = "\r\n".join(lines)
        breaks = len(lines) + 1  # one CRLF between lines, two at the end
        if head.count("\r") != breaks or head.count("\n") != breaks or "\0" in head:
            raise FetchError("refusing a header with a line break or NUL", url=str(url),
                             kind="invalid-url")
        return head.encode() + body  # UTF-8 beyond ASCII, as aiohttp sent it (an IDN Host)

    def _reuse(self, origin: Origin) -> _Connection | None:
        """The most recently used live idle connection to `origin`, if any."""
        self._bind()
        idle = self._idle.get(origin)
        now = time.monotonic()
        while idle:
            connection = idle.pop()
            del self._lru[connection]
            if not connection.closed and now - connection.idle_since < KEEPALIVE:
                return connection
            connection._close()
        return None

    async def _connect(self, origin: Origin, url: str) -> _Connection:
        scheme, host, port = origin
        loop = asyncio.get_running_loop()
        tls = self.tls if scheme == "https" else None
        failure: Exception | None = None
        for address in await self.guard.resolve(host, port):
            try:
                async with asyncio.timeout(self.connect_timeout):
                    _, connection = await loop.create_connection(
                        lambda: _Connection(origin, self), address, port, ssl=tls,
                        server_hostname=host if tls else None)
                return connection
            except TimeoutError:
                failure = TimeoutError(f"no connection within {self.connect_timeout:g} s")
            except OSError as exc:  # refused, unreachable, TLS refused (SSLError)
                failure = exc
        raise FetchError(f"POST {url} failed: cannot connect: {failure}", url=url,
                         kind="timeout" if isinstance(failure, TimeoutError) else "unreachable")

    def release(self, connection: _Connection) -> None:
        """Keep an answered connection for the next request to its origin."""
        connection.idle_since = time.monotonic()
        self._idle.setdefault(connection.origin, []).append(connection)
        self._lru[connection] = None
        while len(self._lru) > self.max_idle:
            oldest = next(iter(self._lru))
            oldest._close()

    def forget(self, connection: _Connection) -> None:
        """Drop a closed connection from the idle sets (no-op when it is in use)."""
        if connection in self._lru:
            del self._lru[connection]
            self._idle[connection.origin].remove(connection)
            if not self._idle[connection.origin]:
                del self._idle[connection.origin]

    def _bind(self) -> None:
        """Connections belong to one event loop; a new loop (tests run several) starts empty."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            if self._loop is not None and not self._loop.is_closed():
                self.close()
            self._idle.clear()  # a closed loop's transports went with it
            self._lru.clear()
            self._loop = loop

    def close(self) -> None:
        for connection in list(self._lru):
            connection._close()
