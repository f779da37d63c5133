"""The one rule for a redirect target taken from a request (`next` after log-in): only a
path on this site passes. Browsers are lenient where a naive check is strict: they read
`\\` as `/`, drop tabs and newlines inside URLs, and some proxies and frameworks decode
`%2F`/`%5C` before routing, so `/\\evil.example`, `/\\t/evil.example` or `/%2F%2Fevil`
can all become `//evil.example`, another site. Anything doubtful is refused (the caller
falls back to a page of its own), never repaired. OAuth redirects follow their own
rule: only the URIs an application registered (instance/api/oauth/authorize.py)."""

from __future__ import annotations

import re
from urllib.parse import quote, unquote, urlsplit

MAX_LENGTH = 2048
_CONTROL_OR_SPACE = re.compile(r"[\x00-\x20\x7f]")
_ENCODED_SEPARATOR = re.compile(r"%(2f|5c)", re.IGNORECASE)


def same_origin_path(target: object) -> str | None:
    """`target` when it is a path (and query) on this site, else None."""
    if not isinstance(target, str) or not target or len(target) > MAX_LENGTH:
        return None
    if _CONTROL_OR_SPACE.search(target) or "\\" in target:
        return None
    target = quote(target, safe="".join(chr(c) for c in range(0x21, 0x7F)))  # IRI → URI
    path = target.split("?", 1)[0].split("#", 1)[0]
    if not path.startswith("/") or path.startswith("//") or _ENCODED_SEPARATOR.search(path):
        return None
    decoded = target
    for _ in range(3):  # whatever a lenient hop may decode must still be a local path
        decoded = unquote(decoded)
        if _CONTROL_OR_SPACE.search(decoded.split("?", 1)[0]) or "\\" in decoded.split("?", 1)[0]:
            return None
        if decoded.startswith("//"):
            return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
