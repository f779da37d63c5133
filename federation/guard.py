"""The SSRF guard of every request to another server, and the error all of them raise.

`AddressGuard.resolve` is the one place a remote host becomes addresses: it refuses
loopback/private/link-local/multicast/reserved/unspecified addresses (IPv4 and IPv6, incl.
IPv4-mapped, 6to4 and NAT64 forms) unless a test or an admin allowed that exact
host:port, and the connection is then opened to the very addresses vetted (no second
lookup to rebind). Both HTTP stacks (federation.client, federation.http1) connect only
through it."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Container, Iterable
from typing import Literal

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


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
