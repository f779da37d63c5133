"""draft-cavage HTTP signatures: what Mastodon, GoToSocial, Pixelfed and bovine send.

Signing follows Mastodon (rsa-sha256, `(request-target) host date digest content-type`
for POST, `(request-target) host date accept` for GET). Verification follows Mastodon's
`SignatureVerification` concern rule for rule, so whatever Mastodon accepts we accept.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import UTC
from email.utils import parsedate_to_datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from federation.keys import PublicKey, load_private_key
from federation.signatures.common import (
    Now,
    SignatureError,
    as_body,
    check_window,
    host_of_url,
    http_date,
    lower_headers,
    outgoing_sha256_b64,
    path_and_query,
    sha256_b64,
    timestamp,
)

SCHEME = "draft-cavage"
ALGORITHMS = ("rsa-sha256", "hs2019")
POST_HEADERS = ("(request-target)", "host", "date", "digest", "content-type")
GET_HEADERS = ("(request-target)", "host", "date", "accept")
DEFAULT_CONTENT_TYPE = "application/activity+json"
DEFAULT_ACCEPT = (
    'application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
)

# name="quoted \" value" (unrolled-loop regex: fast on 344-char signatures) or name=123
_PARAM = re.compile(r'\s*([A-Za-z]+)\s*=\s*(?:"([^"\\]*(?:\\.[^"\\]*)*)"|([^,"]*))\s*(?:,|$)')

def sign(
    method: str,
    url: str,
    headers: dict[str, str] | None,
    body: bytes | str | None,
    key_id: str,
    private_key_pem: str,
    now: Now = None,
) -> dict[str, str]:
    """Headers to send (the given ones plus Host, Date, Digest, Signature).

    A fresh Date is always set: peers accept as little as ±60 s (Takahē).
    """
    key = load_private_key(private_key_pem)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("draft-cavage signing needs an RSA key")
    method = method.upper()
    out = {k: v for k, v in (headers or {}).items() if k.lower() not in {"host", "date"}}
    out["Host"] = host_of_url(url)
    out["Date"] = http_date(now)
    lowered = {k.lower() for k in out}
    covered: tuple[str, ...]
    if method == "GET":
        covered = GET_HEADERS
        if "accept" not in lowered:
            out["Accept"] = DEFAULT_ACCEPT
    else:
        covered = POST_HEADERS
        out = {k: v for k, v in out.items() if k.lower() != "digest"}
        out["Digest"] = "SHA-256=" + outgoing_sha256_b64(as_body(body))
        if "content-type" not in lowered:
            out["Content-Type"] = DEFAULT_CONTENT_TYPE
    path, query = path_and_query(url)
    target = f"{path}?{query}" if query else path
    text = _signing_string(covered, method, target, lower_headers(out), {})
    signature = key.sign(text.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
    out["Signature"] = (
        f'keyId="{key_id}",algorithm="rsa-sha256",headers="{" ".join(covered)}",'
        f'signature="{base64.b64encode(signature).decode("ascii")}"'
    )
    return out


def parse_signature_header(value: str) -> dict[str, str]:
    """`keyId="…",algorithm="…",headers="…",signature="…"` → dict (names lower-cased)."""
    params: dict[str, str] = {}
    pos = 0
    value = value.strip()
    while pos < len(value):
        match = _PARAM.match(value, pos)
        if not match or match.end() == pos:
            raise SignatureError(401, "malformed Signature header")
        quoted, bare = match.group(2), match.group(3)
        if quoted is None:
            param = bare.strip()
        else:
            param = re.sub(r"\\(.)", r"\1", quoted) if "\\" in quoted else quoted
        params[match.group(1).lower()] = param
        pos = match.end()
    return params


@dataclass(frozen=True)
class CavageSignature:
    """A draft-cavage signature that passed the structural, digest and window checks."""

    key_id: str
    algorithm: str
    signature: bytes
    signing_strings: tuple[bytes, ...]  # with the query string first, then without
    scheme: str = SCHEME

    def verify(self, key: PublicKey) -> bool:
        if not isinstance(key, rsa.RSAPublicKey):
            return False  # Mastodon: hs2019 and rsa-sha256 both mean RSA PKCS#1 v1.5 SHA-256
        for text in self.signing_strings:
            try:
                key.verify(self.signature, text, padding.PKCS1v15(), hashes.SHA256())
                return True
            except InvalidSignature:
                continue
        return False


def prepare(method: str, url: str, headers: dict[str, str], body: bytes, now: Now = None):
    """Parse and check everything that needs no key; `headers` are lower-cased."""
    raw = headers.get("signature")
    if raw is None:
        auth = headers.get("authorization", "")
        if not auth.lower().startswith("signature "):
            raise SignatureError(401, "request is not signed")
        raw = auth[len("signature ") :]
    params = parse_signature_header(raw)
    if not params.get("keyid") or not params.get("signature"):
        raise SignatureError(401, "incompatible request signature: keyId and signature required")
    algorithm = params.get("algorithm", "hs2019").lower()
    if algorithm not in ALGORITHMS:
        raise SignatureError(401, f"unsupported signature algorithm {algorithm!r}")
    default = "(created)" if algorithm == "hs2019" else "date"
    covered = tuple((params.get("headers") or default).lower().split())
    method = method.upper()
    _check_strength(covered, method)
    if "digest" in covered:
        _check_digest(headers, body)
    _check_time(params, algorithm, headers, now)
    try:
        signature = base64.b64decode(params["signature"], validate=True)
    except binascii.Error as exc:
        raise SignatureError(401, "signature is not valid base64") from exc
    path, query = path_and_query(url)
    targets = [f"{path}?{query}", path] if query else [path]
    strings = tuple(
        _signing_string(covered, method, t, headers, params).encode("utf-8") for t in targets
    )
    return CavageSignature(params["keyid"], algorithm, signature, strings)


def _check_strength(covered: tuple[str, ...], method: str) -> None:
    """What a signature must cover to bind it to this request (docs/federation.md):
    the method and path, the host, a time, and on POST the body's digest."""
    if "(request-target)" not in covered:
        raise SignatureError(401, "the signature must cover (request-target)")
    if "host" not in covered:
        raise SignatureError(401, "the signature must cover the Host header")
    if "date" not in covered and "(created)" not in covered:
        raise SignatureError(401, "the Date header or (created) pseudo-header must be signed")
    if method != "GET" and method != "HEAD" and "digest" not in covered:
        raise SignatureError(401, f"the Digest header must be signed on a {method} request")


def _check_digest(headers: dict[str, str], body: bytes) -> None:
    value = headers.get("digest")
    if not value:
        raise SignatureError(401, "Digest header missing")
    digests = {}
    for part in value.split(","):
        name, _, encoded = part.strip().partition("=")
        digests[name.strip().lower()] = encoded.strip()
    if "sha-256" not in digests:
        raise SignatureError(401, "only SHA-256 is supported in the Digest header")
    if digests["sha-256"] != sha256_b64(body):
        raise SignatureError(401, "Digest does not match the body")


def _check_time(params: dict[str, str], algorithm: str, headers: dict[str, str], now: Now):
    try:
        created = expires = None
        if algorithm == "hs2019" and params.get("created"):
            created = float(int(params["created"]))
        elif headers.get("date"):
            date = parsedate_to_datetime(headers["date"])
            if date.tzinfo is None:  # "-0000": UTC by RFC 5322's reading
                date = date.replace(tzinfo=UTC)
            created = date.timestamp()
        if params.get("expires"):
            expires = float(int(params["expires"]))
    except (TypeError, ValueError, IndexError) as exc:
        raise SignatureError(401, f"invalid Date header or created/expires: {exc}") from exc
    check_window(created, expires, timestamp(now))


def _signing_string(
    covered: tuple[str, ...] | list[str],
    method: str,
    target: str,
    headers: dict[str, str],
    params: dict[str, str],
) -> str:
    lines = []
    for name in covered:
        if name == "(request-target)":
            lines.append(f"(request-target): {method.lower()} {target}")
        elif name in ("(created)", "(expires)"):
            param = name[1:-1]
            if params.get("algorithm", "hs2019").lower() != "hs2019":
                raise SignatureError(401, f"pseudo-header {name} is only valid with hs2019")
            if not params.get(param):
                raise SignatureError(401, f"pseudo-header {name} used but {param} is missing")
            lines.append(f"{name}: {params[param]}")
        elif name.startswith("("):
            raise SignatureError(401, f"unknown pseudo-header {name}")
        elif name in headers:
            lines.append(f"{name}: {headers[name]}")
        else:
            raise SignatureError(401, f"signed header {name!r} is missing from the request")
    return "\n".join(lines)
