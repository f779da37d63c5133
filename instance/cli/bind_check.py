"""`[server] bind` against `[instance] domain` on a local setup: the start line names the
address that really answers, and a warning says when the domain (which every link and
ActivityPub id is built from) names another port or host. A public domain sits behind a
proxy, so it is never compared with the bind."""

from __future__ import annotations

from urllib.parse import urlsplit

from instance.config import Config

WILDCARDS = frozenset({"0.0.0.0", "::", ""})


def _is_loopback(host: str) -> bool:
    return host in ("localhost", "::1") or host.startswith("127.") or host.endswith(".localhost")


def _domain_host_port(config: Config) -> tuple[str, int]:
    parts = urlsplit(config.base_url)
    default = 443 if parts.scheme == "https" else 80
    try:
        port = parts.port or default
    except ValueError:  # a port that is not a number: let the comparison fail loudly
        port = -1
    return (parts.hostname or "").lower(), port


def disagreement(config: Config, host: str, port: int) -> str | None:
    """The warning to print when a local domain does not name where we listen, else None."""
    domain_host, domain_port = _domain_host_port(config)
    if not _is_loopback(domain_host):
        return None
    same_host = host in WILDCARDS or host == domain_host or (
        _is_loopback(host) and _is_loopback(domain_host))
    if same_host and port == domain_port:
        return None
    listening = f"{_url_host(host, domain_host)}:{port}"
    return (
        f"warning: [instance] domain is {config.instance.domain} but the server listens on "
        f"{host or '*'}:{port}. Links, media and ActivityPub ids name {config.instance.domain}, "
        f"where nothing answers. On this local setup set [instance] domain = \"{listening}\" "
        f"(or IMPASTO_INSTANCE_DOMAIN={listening}) before anyone follows you here: ids never move."
    )


def _url_host(host: str, domain_host: str) -> str:
    if host in WILDCARDS:
        return domain_host
    return f"[{host}]" if ":" in host else host


def open_url(config: Config, host: str, port: int) -> str:
    """The address to open: the configured one, or where we really listen when a local
    domain disagrees with it."""
    if disagreement(config, host, port) is None:
        return f"{config.base_url}/"
    domain_host = _domain_host_port(config)[0]
    return f"{config.instance.scheme}://{_url_host(host, domain_host)}:{port}/"
