"""Pieces both signature schemes share: the error type, header normalisation, the
Mastodon time window, and the `now` clock that tests inject."""

from __future__ import annotations

import base64
import functools
import hashlib
import time
from collections.abc import Iterable, Mapping
from datetime import datetime
from email.utils import formatdate
from typing import Any, Protocol
from urllib.parse import urlsplit

from federation.keys import PublicKey

CLOCK_SKEW_MARGIN = 3600  # Mastodon: CLOCK_SKEW_MARGIN = 1.hour
DEFAULT_EXPIRY = 300  # created + 5 min when no expiry is given
EXPIRATION_WINDOW_LIMIT = 12 * 3600  # expiry is capped at created + 12 h

Now = float | datetime | None


class SignatureError(Exception):
    """Why a request's signature was refused; `status` is the HTTP answer (401 or 403)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(f"{status}: {reason}")
        self.status = status
        self.reason = reason


class PreparedSignature(Protocol):
    """A parsed signature that passed every check that needs no key."""

    key_id: str
    scheme: str

    def verify(self, key: PublicKey) -> bool: ...


def timestamp(now: Now = None) -> float:
    """Seconds since the epoch; `now` may be injected as a float or an aware datetime."""
    if now is None:
        return time.time()
    if isinstance(now, datetime):
        return now.timestamp()
    return float(now)


def lower_headers(headers: Mapping[str, str] | Iterable[tuple[str, str]] | Any) -> dict[str, str]:
    """Lower-case names; repeated fields joined with ", " (RFC 9110 field combination).

    Accepts dicts, httpx/werkzeug header objects (via `.items()`) or pairs.
    """
    items = headers.items() if hasattr(headers, "items") else headers
    out: dict[str, str] = {}
    for name, value in items:
        key = name.lower()
        value = str(value).strip()
        out[key] = f"{out[key]}, {value}" if key in out else value
    return out


def check_window(created: float | None, expires: float | None, now: float) -> None:
    """Mastodon's acceptance window (signature_verification.rb `matches_time_window?`).

    expires defaults to created + 5 min and is capped at created + 12 h; reject when
    created is more than 1 h ahead or now is more than 1 h past expiry. With only a Date
    header that accepts [now - 65 min, now + 60 min].
    """
    if created is not None:
        if expires is None:
            expires = created + DEFAULT_EXPIRY
        expires = min(expires, created + EXPIRATION_WINDOW_LIMIT)
        if created > now + CLOCK_SKEW_MARGIN:
            raise SignatureError(401, "signed request date outside acceptable time window")
    if expires is not None and now > expires + CLOCK_SKEW_MARGIN:
        raise SignatureError(401, "signed request date outside acceptable time window")


def sha256_b64(body: bytes) -> str:
    return base64.b64encode(hashlib.sha256(body).digest()).decode("ascii")


@functools.lru_cache(maxsize=8)
def outgoing_sha256_b64(body: bytes) -> str:
    """The digest of a body this server sends: one activity goes to many inboxes with the
    same bytes, so its digest is computed once (a few recent bodies kept; never used for
    received bodies, which are each new)."""
    return sha256_b64(body)


def http_date(now: Now = None) -> str:
    """The Date header for `now` (an IMF-fixdate, to the second)."""
    return _http_date(int(timestamp(now)))


@functools.lru_cache(maxsize=4)
def _http_date(seconds: int) -> str:
    return formatdate(seconds, usegmt=True)


def host_of_url(url: str) -> str:
    """`host[:port]` as a client sends it in `Host` (default ports dropped)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    if port is None or (parts.scheme, port) in {("http", 80), ("https", 443)}:
        return host
    return f"{host}:{port}"


def path_and_query(url: str) -> tuple[str, str]:
    """The raw path ("/" when empty) and query string (without "?") of a URL."""
    parts = urlsplit(url)
    return parts.path or "/", parts.query


def as_body(body: bytes | str | None) -> bytes:
    if body is None:
        return b""
    return body.encode("utf-8") if isinstance(body, str) else bytes(body)

