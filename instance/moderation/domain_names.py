"""Domain names as policies use them: normalised, and matched with their parents so a
block on example.com covers sub.example.com (and example.com:8443).

A port is kept when given: ActivityPub ids carry it, and two instances on one host (as in
tests on loopback) are different domains.
"""

from __future__ import annotations

import ipaddress
import re

from instance.errors import Refused
from instance.translation import gettext as _

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


class DomainNameError(Refused):
    """Not a usable domain name; the message says why."""


def _split_port(value: str, original: str) -> tuple[str, str]:
    if value.count(":") != 1:
        return value, ""
    host, port = value.split(":")
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise DomainNameError(_("%(original)r has an invalid port", original=original))
    return host, port


def normalise_domain(text: str) -> str:
    """Lower-case, IDNA-encoded host[:port] without scheme, path or trailing dot."""
    value = text.strip().lower()
    if "://" in value:
        value = value.split("://", 1)[1]
    value = value.split("/", 1)[0].split("?", 1)[0]
    if value.startswith("[") or value.count(":") > 1:
        raise DomainNameError(_("%(text)r: IPv6 literals are not supported as domains", text=text))
    host, port = _split_port(value, text)
    host = host.rstrip(".")
    if host.startswith("*."):
        host = host[2:]  # "*.example.com" means the same as example.com here
    if not host:
        raise DomainNameError(_("empty domain"))
    if not _is_ipv4(host):
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise DomainNameError(_("%(text)r is not a valid domain name", text=text)) from None
        if len(host) > 253 or not all(_LABEL.match(label) for label in host.split(".")):
            raise DomainNameError(_("%(text)r is not a valid domain name", text=text))
    return f"{host}:{port}" if port else host


def _is_ipv4(host: str) -> bool:
    try:
        ipaddress.IPv4Address(host)
    except ValueError:
        return False
    return True


def domain_and_parents(domain: str) -> list[str]:
    """sub.example.com:8443 → [sub.example.com:8443, sub.example.com, example.com, com]."""
    host, _, port = domain.partition(":")
    covering = [domain] if port else []
    if _is_ipv4(host):
        return [*covering, host]
    labels = host.split(".")
    return [*covering, *(".".join(labels[i:]) for i in range(len(labels)))]
