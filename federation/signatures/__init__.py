"""HTTP signatures: one entry point to verify whichever scheme a peer used, one to sign.

`verify_request` finds the scheme (RFC 9421 when `Signature-Input` is present, else
draft-cavage), runs every check that needs no key, then asks `key_resolver` for the key.
On a cryptographic failure it asks once more with `refresh=True` (the actor may have
rotated its key) and then gives up — Mastodon's behaviour.

The resolver must only return a key whose owner really claims it (e.g. the actor
document fetched from the key id lists that key id); a key on another origin than its
owner is refused (403) whatever the resolver says; `check_owner` then ties the key to
the activity's actor.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

from federation.keys import KeyFormatError, PublicKey, load_public_key
from federation.signatures import cavage, rfc9421
from federation.signatures.common import Now, PreparedSignature, SignatureError, lower_headers
from federation.vocab import same_origin

__all__ = [
    "KeyResolver",
    "PublicKeyInfo",
    "SignatureError",
    "VerifiedSignature",
    "check_owner",
    "sign_request",
    "verify_request",
]


@dataclass(frozen=True)
class PublicKeyInfo:
    """A key as the resolver found it: its owner (actor id) and the key (PEM, multibase
    or a parsed key object)."""

    owner: str
    key: str | PublicKey


KeyResolver = Callable[[str, bool], Awaitable[PublicKeyInfo | None]]


@dataclass(frozen=True)
class VerifiedSignature:
    """Who signed: the key id, the scheme used, and the resolved key info."""

    key_id: str
    scheme: str
    key_info: PublicKeyInfo

    @property
    def owner(self) -> str:
        return self.key_info.owner


def prepare(method: str, url: str, headers: Any, body: bytes | None, now: Now = None):
    """Every check that needs no key; raises SignatureError (401) on the first failure."""
    lowered = lower_headers(headers)
    data = body or b""
    if "signature-input" in lowered:
        return rfc9421.prepare(method, url, lowered, data, now)
    if "signature" in lowered or lowered.get("authorization", "").lower().startswith("signature "):
        return cavage.prepare(method, url, lowered, data, now)
    raise SignatureError(401, "request is not signed")


async def verify_request(
    method: str,
    url: str,
    headers: Any,
    body: bytes | None,
    key_resolver: KeyResolver,
    now: Now = None,
) -> VerifiedSignature:
    """Verify a signed request or raise SignatureError(status, reason).

    `url` is the full public URL the peer requested (scheme, host, path, query).
    `key_resolver(key_id, refresh)` returns a PublicKeyInfo, or None when the key cannot
    be found; it is called with refresh=False, then at most once with refresh=True.
    """
    prepared = prepare(method, url, headers, body, now)
    for refresh in (False, True):
        info = await key_resolver(prepared.key_id, refresh)
        if info is not None and not same_origin(prepared.key_id, info.owner):
            raise SignatureError(
                403, f"key {prepared.key_id} is not on the origin of its owner {info.owner}")
        if info is not None and _verifies(prepared, info):
            return VerifiedSignature(prepared.key_id, prepared.scheme, info)
    raise SignatureError(401, f"signature does not verify with key {prepared.key_id}")


def _verifies(prepared: PreparedSignature, info: PublicKeyInfo) -> bool:
    try:
        key = load_public_key(info.key)
    except KeyFormatError:
        return False
    return prepared.verify(key)


def check_owner(info: PublicKeyInfo | VerifiedSignature, actor_id: str | None) -> None:
    """Refuse (403) an activity whose actor is not the owner of the signing key, or whose
    key lives on another origin than the actor (as Mastodon and GoToSocial check)."""
    if not actor_id or info.owner != actor_id:
        raise SignatureError(403, f"signed by {info.owner}, but the actor is {actor_id}")
    if isinstance(info, VerifiedSignature) and not same_origin(info.key_id, actor_id):
        raise SignatureError(403, f"key {info.key_id} is not on the origin of {actor_id}")


def sign_request(
    method: str,
    url: str,
    headers: dict[str, str] | None,
    body: bytes | str | None,
    key_id: str,
    private_key_pem: str,
    *,
    scheme: Literal["draft-cavage", "rfc9421"] = "draft-cavage",
    now: Now = None,
) -> dict[str, str]:
    """All headers to send for a signed request (draft-cavage by default: every peer
    accepts it; RFC 9421 only Mastodon 4.5+, Fedify and bovine)."""
    if scheme == rfc9421.SCHEME:
        return rfc9421.sign(method, url, headers, body, key_id, private_key_pem, now)
    return cavage.sign(method, url, headers, body, key_id, private_key_pem, now)
