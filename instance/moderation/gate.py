"""The one domain-policy gate that inbox, fetch and delivery all ask: may we accept from,
fetch from or deliver to this domain? (The policies themselves are `domains`.)"""

from __future__ import annotations

from urllib.parse import urlsplit

from instance.moderation import domains
from instance.services import Services


async def is_suspended(domain: str | None, *, allowlist_mode: bool = False) -> bool:
    """True when nothing may be accepted from, fetched from or delivered to `domain`
    (host[:port]; a suspension of a parent domain covers its subdomains)."""
    if not domain:
        return False
    return await domains.is_suspended(domain.lower(), allowlist_mode=allowlist_mode)


def domain_of(url: str | None) -> str | None:
    """host[:port] of a URL, lower-cased — how remote accounts record their domain."""
    if not url:
        return None
    try:
        netloc = urlsplit(url).netloc.lower()
    except ValueError:
        return None
    return netloc.rsplit("@", 1)[-1] or None


async def url_is_suspended(services: Services, url: str | None) -> bool:
    return await is_suspended(
        domain_of(url), allowlist_mode=services.config.moderation.allowlist_mode
    )
