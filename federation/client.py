"""The one HTTP client for talking to other servers: signed GET/POST behind an SSRF guard.

GETs (fetches, with redirects, compression and large bodies) go through aiohttp; POSTs
(deliveries, Web Push: many small requests whose answers are a status) through
federation.http1, a lean keep-alive HTTP/1.1 pool on httptools' parser, which costs about
a third of aiohttp's CPU per request (bench/http_clients.py, docs/federation.md
"Performance"). Both connect only through federation.guard: every new connection resolves
the host, refuses private addresses and connects to the vetted IP itself, so a DNS answer
cannot change between check and connect (rebinding). TLS verifies the certificate against
the URL's host name (SNI is the host name). No cookies are kept, no proxy from the
environment is used.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import metadata
from typing import Any, Literal
from urllib.parse import urljoin

import aiohttp
import certifi
from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

from federation import safe_json
from federation.guard import AddressGuard, FetchError, FetchErrorKind
from federation.http1 import Http1Pool
from federation.signatures import sign_request
from federation.signatures.common import lower_headers
from federation.vocab import AP_ACCEPT, AP_CONTENT_TYPE, is_activitypub_content_type

_REDIRECTS = frozenset({301, 302, 303, 307, 308})


class _GuardedResolver(AbstractResolver):
    """aiohttp's name resolution through the guard: a connection (first request, each
    redirect hop, each new pooled connection) is opened only to vetted addresses, and to
    the very addresses vetted (no second lookup to rebind). IP literals never reach a
    resolver in aiohttp: `FederationClient._request` vets those itself."""

    def __init__(self, guard: AddressGuard) -> None:
        self.guard = guard

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        return [
            ResolveResult(hostname=host, host=ip, port=port,
                          family=socket.AF_INET6 if ":" in ip else socket.AF_INET,
                          proto=0, flags=socket.AI_NUMERICHOST)
            for ip in await self.guard.resolve(host, port)
        ]

    async def close(self) -> None:
        return None


def _ssl_context(verify: Any) -> ssl.SSLContext:
    """`verify`: True (certifi's roots), False (tests only: verifies nothing) or a context."""
    if verify is True:
        return ssl.create_default_context(cafile=certifi.where())
    if isinstance(verify, ssl.SSLContext):
        return verify
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    return context


@dataclass(frozen=True)
class Signer:
    """Who signs outgoing requests: a key id (…#main-key) and its private PEM."""

    key_id: str
    private_key_pem: str
    scheme: Literal["draft-cavage", "rfc9421"] = "draft-cavage"


@dataclass(frozen=True)
class Response:
    url: str  # the final URL, after redirects
    status: int
    headers: dict[str, str]  # lower-cased names
    body: bytes

    def json(self) -> Any:
        try:
            return safe_json.loads(self.body, max_bytes=len(self.body))
        except safe_json.JsonInputError as exc:
            raise FetchError(f"invalid JSON from {self.url}: {exc.reason}", url=self.url,
                             kind="not-json") from exc


def _package_version() -> str:
    try:
        return metadata.version("impasto")
    except metadata.PackageNotFoundError:
        return "0.0.0"


class FederationClient:
    """One pooled aiohttp session for every remote request; create one client per process."""

    def __init__(
        self,
        domain: str,
        *,
        version: str | None = None,
        allow_private_addresses: Iterable[str] = (),
        allowed_networks: Iterable[str] = (),
        max_response_bytes: int = 2_000_000,
        timeout: float = 10.0,
        total_timeout: float = 30.0,
        max_redirects: int = 3,
        per_host_connections: int = 4,
        max_connections: int = 100,
        verify: Any = True,
    ) -> None:
        self.user_agent = f"Impasto/{version or _package_version()} (+https://{domain}/)"
        self.guard = AddressGuard(allow_private_addresses, allowed_networks)  # host:port list
        self.max_response_bytes = max_response_bytes
        self.total_timeout = total_timeout
        self.max_redirects = max_redirects
        self.per_host_connections = per_host_connections
        self.timeouts = aiohttp.ClientTimeout(
            total=None, sock_connect=min(timeout, 5.0), sock_read=timeout)
        self._max_connections = max_connections
        self._ssl = _ssl_context(verify)
        self._session: aiohttp.ClientSession | None = None
        self._session_loop: asyncio.AbstractEventLoop | None = None
        self._hosts: dict[str, tuple[asyncio.Semaphore, int]] = {}
        self._posts = Http1Pool(
            self.guard, self._ssl, user_agent=self.user_agent,
            connect_timeout=min(timeout, 5.0), read_timeout=timeout, max_idle=max_connections)

    def _client(self) -> aiohttp.ClientSession:
        """The pooled session of the running event loop, made on first use (aiohttp binds
        a session to one loop; a process runs one loop, tests run several in turn)."""
        loop = asyncio.get_running_loop()
        if self._session is None or self._session.closed or self._session_loop is not loop:
            connector = aiohttp.TCPConnector(
                resolver=_GuardedResolver(self.guard), ssl=self._ssl,
                limit=self._max_connections, limit_per_host=0,  # per host: _enter_host
                keepalive_timeout=30.0,
            )
            self._session = aiohttp.ClientSession(
                connector=connector, headers={"User-Agent": self.user_agent},
                timeout=self.timeouts, cookie_jar=aiohttp.DummyCookieJar(), trust_env=False,
            )
            self._session_loop = loop
        return self._session

    async def __aenter__(self) -> FederationClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        self._posts.close()
        session, self._session = self._session, None
        if session is not None and not session.closed:
            await session.close()

    async def get(
        self,
        url: str,
        *,
        signer: Signer | None = None,
        accept: str = AP_ACCEPT,
        max_bytes: int | None = None,
    ) -> Response:
        """GET following at most `max_redirects` redirects (each hop guarded, re-signed).
        `max_bytes` replaces the client's response bound for this request (images)."""
        for _ in range(self.max_redirects + 1):
            response = await self._request("GET", url, {"Accept": accept}, b"", signer, max_bytes)
            location = response.headers.get("location")
            if response.status not in _REDIRECTS or not location:
                return response
            url = urljoin(response.url, location)
        raise FetchError(f"more than {self.max_redirects} redirects", url=url)

    async def fetch_json(
        self,
        url: str,
        *,
        signer: Signer | None = None,
        accept: str = AP_ACCEPT,
        activitypub: bool = True,
    ) -> Any:
        """GET a JSON document; with `activitypub`, insist on an AP content type."""
        response = await self.get(url, signer=signer, accept=accept)
        if not 200 <= response.status < 300:
            raise FetchError(
                f"GET {response.url} answered {response.status}",
                status=response.status, url=response.url,
            )
        ctype = response.headers.get("content-type", "")
        if activitypub and not is_activitypub_content_type(ctype):
            raise FetchError(f"{response.url} is not ActivityPub JSON ({ctype!r})", url=url,
                             kind="not-json")
        return response.json()

    async def post(
        self,
        url: str,
        body: bytes,
        *,
        signer: Signer,
        content_type: str = AP_CONTENT_TYPE,
    ) -> Response:
        """Signed POST (no redirects followed); the caller judges the status."""
        return await self._request("POST", url, {"Content-Type": content_type}, body, signer)

    async def post_plain(self, url: str, body: bytes, headers: dict[str, str], *,
                         max_bytes: int | None = None) -> Response:
        """Unsigned POST with the caller's headers (Web Push), guarded and bounded alike."""
        return await self._request("POST", url, dict(headers), body, None, max_bytes)

    async def _request(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        body: bytes,
        signer: Signer | None,
        max_bytes: int | None = None,
    ) -> Response:
        try:
            parsed = URL(url)
        except (ValueError, TypeError) as exc:
            raise FetchError(f"invalid URL {url!r}: {exc}", url=url, kind="invalid-url") from exc
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise FetchError(f"refusing non-HTTP(S) URL {url!r}", url=url, kind="invalid-url")
        if parsed.raw_fragment:
            parsed = parsed.with_fragment(None)
        url = str(parsed)
        if method != "POST":
            await self._vet_literal(parsed)  # http1 vets every connection, literals included
        if signer is not None:
            headers = sign_request(
                method, url, headers, body, signer.key_id, signer.private_key_pem,
                scheme=signer.scheme,
            )
        host = f"{parsed.raw_host}:{parsed.port}"
        limit = max_bytes or self.max_response_bytes
        semaphore = self._enter_host(host)
        try:
            async with semaphore, asyncio.timeout(self.total_timeout):
                if method == "POST":
                    answer = await self._posts.post(parsed, headers, body, limit)
                    return Response(url, answer.status, answer.headers, answer.body)
                return await self._send(method, parsed, url, headers, body, limit)
        except TimeoutError as exc:  # aiohttp's read/connect timeouts are TimeoutErrors too
            raise FetchError(f"{method} {url} timed out", url=url, kind="timeout") from exc
        except aiohttp.ClientError as exc:
            reason = f"{method} {url} failed: {type(exc).__name__}: {exc}"
            kind: FetchErrorKind = ("unreachable" if isinstance(exc, aiohttp.ClientConnectionError)
                                    else "other")
            raise FetchError(reason, url=url, kind=kind) from exc
        finally:
            self._leave_host(host)

    async def _vet_literal(self, url: URL) -> None:
        """An IP-literal host skips aiohttp's resolver, so the guard sees it here."""
        try:
            ipaddress.ip_address((url.host or "").strip("[]"))
        except ValueError:
            return  # a name: the resolver vets it
        await self.guard.resolve(url.host or "", url.port or 0)

    async def _send(
        self, method: str, parsed: URL, url: str, headers: dict[str, str], body: bytes,
        limit: int,
    ) -> Response:
        async with self._client().request(
            method, parsed, headers=headers, data=body or None, allow_redirects=False,
        ) as response:
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > limit:
                raise FetchError(f"{url} response too large ({declared} bytes)", url=url,
                                 kind="too-large")
            chunks, total = [], 0
            async for chunk in response.content.iter_chunked(65536):
                total += len(chunk)
                if total > limit:
                    raise FetchError(f"{url} response larger than {limit}", url=url,
                                     kind="too-large")
                chunks.append(chunk)
            return Response(url, response.status, lower_headers(response.headers),
                            b"".join(chunks))

    def _enter_host(self, host: str) -> asyncio.Semaphore:
        semaphore, users = self._hosts.get(host) or (
            asyncio.Semaphore(self.per_host_connections), 0,
        )
        self._hosts[host] = (semaphore, users + 1)
        return semaphore

    def _leave_host(self, host: str) -> None:
        semaphore, users = self._hosts[host]
        if users <= 1:
            del self._hosts[host]
        else:
            self._hosts[host] = (semaphore, users - 1)
