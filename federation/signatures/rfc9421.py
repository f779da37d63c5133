"""RFC 9421 HTTP Message Signatures, as Mastodon 4.5+ and Fedify use them.

Accepted: exactly one signature; `created` required; covers `@method` and `@target-uri`
(or `@authority` + `@path` [+ `@query` when there is one], the shape bovine can verify);
POST covers `content-digest` (RFC 9530) matching the body; algorithms `rsa-v1_5-sha256`
and `ed25519`. The time window is Mastodon's, shared with draft-cavage.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from federation.keys import PublicKey, load_private_key
from federation.signatures import sfv
from federation.signatures.common import (
    Now,
    SignatureError,
    as_body,
    check_window,
    host_of_url,
    http_date,
    lower_headers,
    path_and_query,
    timestamp,
)

SCHEME = "rfc9421"
RSA_ALG = "rsa-v1_5-sha256"
ED25519_ALG = "ed25519"
ALGORITHMS = (RSA_ALG, ED25519_ALG)
TARGET_URI_COMPONENTS = ("@method", "@target-uri")
# bovine does not verify @target-uri; sign with these when talking to it
AUTHORITY_PATH_COMPONENTS = ("@method", "@authority", "@path", "@query")
_DIGESTS = {"sha-256": hashlib.sha256, "sha-512": hashlib.sha512}


def content_digest(body: bytes) -> str:
    """RFC 9530 `Content-Digest` value with sha-256."""
    return "sha-256=:" + base64.b64encode(hashlib.sha256(body).digest()).decode("ascii") + ":"


def sign(
    method: str,
    url: str,
    headers: dict[str, str] | None,
    body: bytes | str | None,
    key_id: str,
    private_key_pem: str,
    now: Now = None,
    *,
    components: Sequence[str] | None = None,
    label: str = "sig1",
    expires: int | None = None,
) -> dict[str, str]:
    """Headers to send: the given ones plus Content-Digest (if covered), Signature-Input
    and Signature. The algorithm follows the key type (RSA or Ed25519)."""
    key = load_private_key(private_key_pem)
    method = method.upper()
    data = as_body(body)
    out = dict(headers or {})
    out.setdefault("Date", http_date(now))
    if components is None:
        components = TARGET_URI_COMPONENTS + (("content-digest",) if method == "POST" else ())
    components = tuple(c for c in components if c != "@query" or path_and_query(url)[1])
    if "content-digest" in components:
        out = {k: v for k, v in out.items() if k.lower() != "content-digest"}
        out["Content-Digest"] = content_digest(data)
    alg = ED25519_ALG if isinstance(key, ed25519.Ed25519PrivateKey) else RSA_ALG
    params: dict[str, sfv.BareItem] = {"created": int(timestamp(now))}
    if expires is not None:
        params["expires"] = int(expires)
    params.update(keyid=key_id, alg=alg)
    inner = sfv.InnerList([sfv.Item(c) for c in components], params)
    base = signature_base(method, url, lower_headers(out), inner)
    if isinstance(key, ed25519.Ed25519PrivateKey):
        signature = key.sign(base)
    else:
        signature = key.sign(base, padding.PKCS1v15(), hashes.SHA256())
    out["Signature-Input"] = f"{label}={sfv.serialize_inner_list(inner)}"
    out["Signature"] = f"{label}={sfv.serialize_bare(signature)}"
    return out


def signature_base(method: str, url: str, headers: dict[str, str], inner: sfv.InnerList) -> bytes:
    """The RFC 9421 §2.5 signature base; `headers` are lower-cased."""
    lines = []
    for item in inner.items:
        name = item.value
        if not isinstance(name, str) or isinstance(name, sfv.Token):
            raise SignatureError(401, "covered components must be strings")
        if item.params:
            raise SignatureError(401, f"component parameters are not supported ({name})")
        value = _component_value(name, method, url, headers)
        lines.append(f"{sfv.serialize_item(item)}: {value}")
    lines.append(f'"@signature-params": {sfv.serialize_inner_list(inner)}')
    return "\n".join(lines).encode("utf-8")


def _component_value(name: str, method: str, url: str, headers: dict[str, str]) -> str:
    path, query = path_and_query(url)
    if name == "@method":
        return method.upper()
    if name == "@target-uri":
        return target_uri(url)
    if name == "@authority":
        return host_of_url(url)
    if name == "@scheme":
        return urlsplit(url).scheme.lower()
    if name == "@path":
        return path
    if name == "@query":
        return "?" + query
    if name == "@request-target":
        return f"{path}?{query}" if query else path
    if name.startswith("@"):
        raise SignatureError(401, f"unsupported derived component {name}")
    if name not in headers:
        raise SignatureError(401, f"covered header {name!r} is missing from the request")
    return headers[name]


def target_uri(url: str) -> str:
    """Absolute target URI, normalised the way WHATWG URL parsers (Fedify) print it."""
    parts = urlsplit(url)
    path, query = path_and_query(url)
    return urlunsplit((parts.scheme.lower(), host_of_url(url), path, query, ""))


@dataclass(frozen=True)
class Rfc9421Signature:
    """An RFC 9421 signature that passed every check that needs no key."""

    key_id: str
    algorithm: str | None
    signature: bytes
    base: bytes
    scheme: str = SCHEME

    def verify(self, key: PublicKey) -> bool:
        try:
            if isinstance(key, rsa.RSAPublicKey) and self.algorithm in (None, RSA_ALG):
                key.verify(self.signature, self.base, padding.PKCS1v15(), hashes.SHA256())
                return True
            if isinstance(key, ed25519.Ed25519PublicKey) and self.algorithm in (None, ED25519_ALG):
                key.verify(self.signature, self.base)
                return True
        except InvalidSignature:
            return False
        return False


def prepare(method: str, url: str, headers: dict[str, str], body: bytes, now: Now = None):
    """Parse and check everything that needs no key; `headers` are lower-cased."""
    method = method.upper()
    try:
        inputs = sfv.parse_dictionary(headers["signature-input"])
        signatures = sfv.parse_dictionary(headers.get("signature", ""))
    except sfv.StructuredFieldError as exc:
        raise SignatureError(401, f"malformed Signature-Input/Signature: {exc}") from exc
    if len(inputs) != 1:
        raise SignatureError(401, "exactly one signature is supported")
    label, inner = next(iter(inputs.items()))
    sig = signatures.get(label)
    if not isinstance(inner, sfv.InnerList) or not isinstance(sig, sfv.Item):
        raise SignatureError(401, f"signature {label!r} is missing or malformed")
    if not isinstance(sig.value, bytes) or isinstance(sig.value, bool):
        raise SignatureError(401, "signature value must be a byte sequence")
    raw_expires = inner.params.get("expires")
    created, expires = _int_or_none(inner.params.get("created")), _int_or_none(raw_expires)
    key_id, alg = inner.params.get("keyid"), inner.params.get("alg")
    if created is None or (raw_expires is not None and expires is None):
        raise SignatureError(401, "the created parameter is required (integer)")
    if not isinstance(key_id, str) or not key_id:
        raise SignatureError(401, "the keyid parameter is required")
    if alg is not None and alg not in ALGORITHMS:
        raise SignatureError(401, f"unsupported signature algorithm {alg!r}")
    covered = [i.value for i in inner.items]
    if len(set(covered)) != len(covered):
        raise SignatureError(401, "a component is covered twice")
    _check_coverage(covered, method, url)
    if method == "POST":
        _check_content_digest(headers.get("content-digest"), body)
    check_window(float(created), None if expires is None else float(expires), timestamp(now))
    base = signature_base(method, url, headers, inner)
    return Rfc9421Signature(key_id, alg if isinstance(alg, str) else None, sig.value, base)


def _int_or_none(value: object) -> int | None:
    """An sf-integer parameter (a boolean is not one)."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _check_coverage(covered: list, method: str, url: str) -> None:
    if "@method" not in covered:
        raise SignatureError(401, "the signature must cover @method")
    if "@target-uri" not in covered:
        needed = ["@authority", "@path"] + (["@query"] if path_and_query(url)[1] else [])
        if any(c not in covered for c in needed):
            raise SignatureError(401, "the signature must cover @target-uri or @authority+@path")
    if method == "POST" and "content-digest" not in covered:
        raise SignatureError(401, "a POST signature must cover content-digest")


def _check_content_digest(value: str | None, body: bytes) -> None:
    if not value:
        raise SignatureError(401, "Content-Digest header missing")
    try:
        digests = sfv.parse_dictionary(value)
    except sfv.StructuredFieldError as exc:
        raise SignatureError(401, f"malformed Content-Digest: {exc}") from exc
    checked = False
    for name, algo in _DIGESTS.items():
        entry = digests.get(name)
        if entry is None:
            continue
        if not isinstance(entry, sfv.Item) or entry.value != algo(body).digest():
            raise SignatureError(401, f"Content-Digest {name} does not match the body")
        checked = True
    if not checked:
        raise SignatureError(401, "Content-Digest must include sha-256")
