"""The one HTTP client for talking to other servers: signed GET/POST behind an SSRF guard.

The guard lives in the connection layer (a custom httpcore network backend): every TCP
connection — first request, each redirect hop, each new pooled connection — resolves
the host, refuses loopback/private/link-local/multicast/reserved/unspecified addresses
(IPv4 and IPv6, incl. IPv4-mapped, 6to4 and NAT64 forms) and then connects to the
vetted IP itself, so a DNS answer cannot change between check and connect (rebinding).
TLS still verifies the certificate against the URL's host name (SNI is the host name).
"""

from __future__ import annotations

import asyncio
import importlib.util
import ipaddress
import socket
import sys
from collections.abc import Container, Iterable
from dataclasses import dataclass
from importlib import metadata
from typing import Any, Literal
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from federation import safe_json
from federation.signatures import sign_request
from federation.signatures.common import lower_headers
from federation.vocab import AP_ACCEPT, AP_CONTENT_TYPE, is_activitypub_content_type

if "sniffio" not in sys.modules and importlib.util.find_spec("sniffio") is None:
    # httpcore asks `import sniffio` on every lock it makes (several per request); anyio 4
    # no longer installs it, so each ask searched sys.path anew and failed — about a
    # third of a delivery's CPU. Recording the absence once makes the failure instant;
    # httpcore then assumes asyncio, as it did before.
    sys.modules["sniffio"] = None  # type: ignore[assignment]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


FetchErrorKind = Literal[
    "unknown-host", "forbidden-address", "timeout", "unreachable", "status", "too-large",
    "not-json", "invalid-url", "other",
]


class FetchError(Exception):
    """Any failure to fetch or post: refused address, network error, timeout, oversize
    or wrong-type response, bad status (`status` set when the peer answered). `kind`
    says which, so callers can tell a person in words rather than show `reason`."""

    def __init__(self, reason: str, *, status: int | None = None, url: str | None = None,
                 kind: FetchErrorKind | None = None):
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.url = url
        self.kind: FetchErrorKind = kind or ("status" if status is not None else "other")


def is_forbidden_address(address: str | IPAddress) -> bool:
    """True for any address a federation request must not reach."""
    ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            return is_forbidden_address(embedded)
    return (
        ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


def parse_endpoint(entry: str) -> tuple[str, int]:
    """`host:port` (`127.0.0.1:8101`, `[::1]:8101`, `peer.lan:8443`) → (host, port), the
    host lower-cased and an IP literal in its canonical form; ValueError otherwise."""
    if not isinstance(entry, str):
        raise ValueError(f"{entry!r} is not host:port")
    host, sep, port = entry.strip().rpartition(":")
    host = host.strip("[]").lower()
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"{entry!r} is not host:port (e.g. 127.0.0.1:8101)")
    try:
        host = str(ipaddress.ip_address(host))
    except ValueError:
        pass
    return host, int(port)


class AddressGuard:
    """Resolve a host and vet every address it resolves to. `allowed_endpoints` are the
    exact host:port pairs that may be private (tests' loopback peers, a LAN peer);
    `allowed_networks` whole networks (a trusted relay). Everything else private stays
    refused, even in tests."""

    def __init__(self, allowed_endpoints: Iterable[str] = (), allowed_networks: Iterable[str] = ()):
        if isinstance(allowed_endpoints, bool | str):
            raise TypeError("allowed endpoints are a list of host:port entries")
        self.endpoints = {parse_endpoint(e) for e in allowed_endpoints}
        self.allowed = [ipaddress.ip_network(n) for n in allowed_networks]
        self.linked: list[Container[tuple[str, int]]] = []  # live sets (a test rig's servers)

    def allow(self, endpoint: str) -> None:
        """Allow one more host:port (a test's peer started after the client)."""
        self.endpoints.add(parse_endpoint(endpoint))

    def permits(self, ip: IPAddress, port: int | None = None, host: str | None = None) -> bool:
        if port is not None:
            keys = ((str(ip), port), ((host or "").strip("[]").lower(), port))
            if any(key in allowed for allowed in (self.endpoints, *self.linked) for key in keys):
                return True
        return any(ip in net for net in self.allowed) or not is_forbidden_address(ip)

    async def resolve(self, host: str, port: int) -> list[str]:
        host = host.strip("[]")
        try:
            addresses = [ipaddress.ip_address(host)]
        except ValueError:
            loop = asyncio.get_running_loop()
            try:
                infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            except OSError as exc:
                raise FetchError(f"cannot resolve {host}: {exc}", kind="unknown-host") from exc
            addresses = list(dict.fromkeys(ipaddress.ip_address(i[4][0]) for i in infos))
        if not addresses:
            raise FetchError(f"{host} has no addresses", kind="unknown-host")
        for ip in addresses:  # one bad answer taints the name (as Mastodon does)
            if not self.permits(ip, port, host):
                raise FetchError(f"refusing to connect to {host}: {ip} is not a public address",
                                 kind="forbidden-address")
        return [str(ip) for ip in addresses]


class _GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore backend that connects only to addresses the guard vetted."""

    def __init__(self, guard: AddressGuard) -> None:
        self.guard = guard
        self.inner = httpcore.AnyIOBackend()

    async def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        last: Exception | None = None
        for ip in await self.guard.resolve(host, port):
            try:
                return await self.inner.connect_tcp(
                    ip, port, timeout=timeout, local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None
        raise last

    async def connect_unix_socket(self, path, timeout=None, socket_options=None):
        raise FetchError("unix sockets are not allowed")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


class _GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport with its connection pool rebuilt around the guarded backend."""

    def __init__(self, guard: AddressGuard, limits: httpx.Limits, verify: Any = True) -> None:
        super().__init__(limits=limits, trust_env=False, verify=verify)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(verify=verify, trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_GuardedBackend(guard),
        )


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
    """One shared httpx.AsyncClient for every remote request; create one per process."""

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
        limits = httpx.Limits(
            max_connections=max_connections,
            max_keepalive_connections=max_connections // 2,
            keepalive_expiry=30.0,
        )
        self._http = httpx.AsyncClient(
            transport=_GuardedTransport(self.guard, limits, verify),
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            headers={"User-Agent": self.user_agent},
            follow_redirects=False,
            trust_env=False,
        )
        self._hosts: dict[str, tuple[asyncio.Semaphore, int]] = {}

    async def __aenter__(self) -> FederationClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

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
            parsed = httpx.URL(url)
        except httpx.InvalidURL as exc:
            raise FetchError(f"invalid URL {url!r}: {exc}", url=url, kind="invalid-url") from exc
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise FetchError(f"refusing non-HTTP(S) URL {url!r}", url=url, kind="invalid-url")
        url = str(parsed)
        if signer is not None:
            headers = sign_request(
                method, url, headers, body, signer.key_id, signer.private_key_pem,
                scheme=signer.scheme,
            )
        host = urlsplit(url).netloc.lower()
        semaphore = self._enter_host(host)
        try:
            async with semaphore, asyncio.timeout(self.total_timeout):
                return await self._send(method, url, headers, body, max_bytes or self.max_response_bytes)
        except TimeoutError as exc:
            raise FetchError(f"{method} {url} timed out", url=url, kind="timeout") from exc
        except httpx.TimeoutException as exc:
            raise FetchError(f"{method} {url} timed out: {exc}", url=url, kind="timeout") from exc
        except httpx.HTTPError as exc:
            reason = f"{method} {url} failed: {type(exc).__name__}: {exc}"
            kind: FetchErrorKind = "unreachable" if isinstance(exc, httpx.TransportError) else "other"
            raise FetchError(reason, url=url, kind=kind) from exc
        finally:
            self._leave_host(host)

    async def _send(
        self, method: str, url: str, headers: dict[str, str], body: bytes, limit: int
    ) -> Response:
        request = self._http.build_request(method, url, headers=headers, content=body or None)
        response = await self._http.send(request, stream=True)
        try:
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > limit:
                raise FetchError(f"{url} response too large ({declared} bytes)", url=url,
                                 kind="too-large")
            chunks, total = [], 0
            async for chunk in response.aiter_bytes():
                total += len(chunk)
                if total > limit:
                    raise FetchError(f"{url} response larger than {limit}", url=url, kind="too-large")
                chunks.append(chunk)
        finally:
            await response.aclose()
        headers_out = lower_headers(response.headers)
        return Response(url, response.status_code, headers_out, b"".join(chunks))

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
