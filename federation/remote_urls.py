"""URLs that a remote document gives us (an actor's `url`/`icon`/`image`, a status's
`url`, an attachment's `href`) before they reach a client or a page: only an absolute
http(s) URL with a host passes, parsed and printed again in one normal form (scheme and
host lower-cased, IDN hosts in punycode, default port dropped, unsafe characters
percent-encoded). Everything else — `javascript:`, `data:`, `mailto:`, relative paths,
userinfo, control characters, bad ports — is dropped, and `check` says why, so the
caller can log the reason. Used at ingest and again at render (old rows)."""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from urllib.parse import quote, urlsplit, urlunsplit

log = logging.getLogger("impasto.federation")
MAX_LENGTH = 2048
_CONTROL = re.compile(r"[\x00-\x1f\x7f\s]")
_HOST = re.compile(r"[a-z0-9_-]+(\.[a-z0-9_-]+)*")
_IPV6 = re.compile(r"[0-9a-f:.]+")
_DEFAULT_PORTS = {"http": 80, "https": 443}
# what may stay unencoded in a path, query or fragment (RFC 3986 pchar + "/?%" etc.)
_SAFE = "/?#[]@!$&'()*+,;=:%-._~"


def check(value: object) -> tuple[str | None, str | None]:
    """(the normalised URL, None) or (None, the reason it was dropped)."""
    if not isinstance(value, str):
        return None, "not a string"
    return _check_text(value)


@lru_cache(maxsize=4096)
def _check_text(value: str) -> tuple[str | None, str | None]:
    """`check` of a string, remembered: a timeline page renders the same avatars, headers
    and profile URLs again and again (about 170 checks a page of 40 before)."""
    text = value.strip()
    if not text:
        return None, "empty"
    if len(text) > MAX_LENGTH:
        return None, f"longer than {MAX_LENGTH} characters"
    if _CONTROL.search(text) or "\\" in text:
        return None, "contains control characters, spaces or backslashes"
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        return None, f"unparsable: {exc}"
    scheme = parts.scheme.lower()
    if not scheme:
        return None, "relative URL"
    if scheme not in _DEFAULT_PORTS:
        return None, f"{scheme}: URL (only http and https)"
    if parts.username is not None or parts.password is not None:
        return None, "URL with user information"
    host = (parts.hostname or "").rstrip(".")
    if not host:
        return None, "URL without a host"
    try:
        host = host.encode("idna").decode("ascii") if not host.isascii() else host.lower()
    except UnicodeError:
        return None, "invalid host name"
    if ":" in host:
        if not _IPV6.fullmatch(host):
            return None, "invalid host name"
        host = f"[{host}]"  # IPv6 literal
    elif not _HOST.fullmatch(host):
        return None, "invalid host name"
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    path = quote(parts.path, safe=_SAFE) or "/"
    query, fragment = quote(parts.query, safe=_SAFE), quote(parts.fragment, safe=_SAFE)
    return urlunsplit((scheme, netloc, path, query, fragment)), None


def http_url(value: object) -> str | None:
    """The normalised http(s) URL, or None."""
    return check(value)[0]


def first_http_url(value: object, what: str, source: str | None) -> str | None:
    """The first usable URL in an AS2 `url`/`icon`/`image` value (a string, a Link or
    Image object, or a list of them); each dropped candidate is logged with its reason."""
    for candidate in _candidates(value):
        url, reason = check(candidate)
        if url is not None:
            return url
        log.info("dropped a URL from a remote document",
                 extra={"field": what, "source": source, "reason": reason,
                        "url": str(candidate)[:200]})
    return None


def _candidates(value: object, depth: int = 0) -> list[object]:
    if depth > 3:
        return []
    out: list[object] = []
    for entry in value if isinstance(value, list) else [value]:
        if isinstance(entry, dict):
            href = entry.get("href") if "href" in entry else entry.get("url")
            out.extend(_candidates(href, depth + 1))
        elif entry is not None:
            out.append(entry)
    return out
