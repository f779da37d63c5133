"""Independent signing code shaped like each peer's, written from the specs and the
peers' sources, sharing nothing with `federation.signatures` (so a symmetric bug in our
signer and verifier cannot hide)."""

from __future__ import annotations

import base64
import hashlib
from email.utils import formatdate

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

NOW = 1_700_000_000  # 2023-11-14T22:13:20Z; every test injects this clock
INBOX = "https://impasto.test/inbox"
BODY = (
    b'{"@context":"https://www.w3.org/ns/activitystreams","id":"https://peer.test/a/1",'
    b'"type":"Follow","actor":"https://peer.test/users/alice","object":"https://impasto.test/@bob"}'
)


def rsa_pair() -> tuple[rsa.RSAPrivateKey, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return key, pem.decode()


def private_pem(key) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def http_date(ts: float) -> str:
    return formatdate(ts, usegmt=True)


def _rsa_b64(key: rsa.RSAPrivateKey, text: str) -> str:
    sig = key.sign(text.encode(), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(sig).decode()


def cavage_headers(
    key: rsa.RSAPrivateKey,
    key_id: str,
    *,
    method: str = "POST",
    path: str = "/inbox",
    host: str = "impasto.test",
    body: bytes = BODY,
    date: float = NOW,
    covered: tuple[str, ...] = ("(request-target)", "host", "date", "digest", "content-type"),
    algorithm: str | None = "rsa-sha256",
    digest_name: str = "SHA-256",
    accept: str = "application/activity+json",
    created: int | None = None,
    expires: int | None = None,
    send_headers_param: bool = True,
) -> dict[str, str]:
    """draft-cavage the way Mastodon/GoToSocial/bovine build it."""
    headers = {"Host": host, "Date": http_date(date)}
    if method == "POST":
        digest = base64.b64encode(hashlib.sha256(body).digest()).decode()
        headers["Digest"] = f"{digest_name}={digest}"
        headers["Content-Type"] = "application/activity+json"
    else:
        headers["Accept"] = accept
    lines = []
    for name in covered:
        if name == "(request-target)":
            lines.append(f"(request-target): {method.lower()} {path}")
        elif name == "(created)":
            lines.append(f"(created): {created}")
        elif name == "(expires)":
            lines.append(f"(expires): {expires}")
        else:
            value = next(v for k, v in headers.items() if k.lower() == name)
            lines.append(f"{name}: {value}")
    params = [f'keyId="{key_id}"']
    if algorithm:
        params.append(f'algorithm="{algorithm}"')
    if created is not None:
        params.append(f"created={created}")
    if expires is not None:
        params.append(f"expires={expires}")
    if send_headers_param:
        params.append(f'headers="{" ".join(covered)}"')
    params.append(f'signature="{_rsa_b64(key, chr(10).join(lines))}"')
    headers["Signature"] = ",".join(params)
    return headers


def rfc9421_headers(
    key: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey,
    key_id: str,
    *,
    method: str = "POST",
    url: str = INBOX,
    body: bytes = BODY,
    created: int = NOW,
    expires: int | None = None,
    components: tuple[str, ...] = ("@method", "@target-uri", "@authority", "host", "date",
                                   "content-type", "content-digest"),
    label: str = "sig1",
) -> dict[str, str]:
    """RFC 9421 the way Fedify builds it (alg, keyid, created; @target-uri)."""
    host = url.split("/")[2]
    headers = {"Host": host, "Date": http_date(created)}
    if method == "POST":
        digest = base64.b64encode(hashlib.sha256(body).digest()).decode()
        headers["Content-Type"] = "application/activity+json"
        headers["Content-Digest"] = f"sha-256=:{digest}:"
    derived = {"@method": method, "@target-uri": url, "@authority": host,
               "@path": "/" + url.split("/", 3)[3].split("?")[0]}
    lower = {k.lower(): v for k, v in headers.items()}
    alg = "ed25519" if isinstance(key, ed25519.Ed25519PrivateKey) else "rsa-v1_5-sha256"
    params = f';alg="{alg}";keyid="{key_id}";created={created}'
    if expires is not None:
        params += f";expires={expires}"
    inner = "(" + " ".join(f'"{c}"' for c in components) + ")" + params
    lines = [f'"{c}": {derived[c] if c.startswith("@") else lower[c]}' for c in components]
    lines.append(f'"@signature-params": {inner}')
    base = "\n".join(lines).encode()
    if isinstance(key, ed25519.Ed25519PrivateKey):
        sig = key.sign(base)
    else:
        sig = key.sign(base, padding.PKCS1v15(), hashes.SHA256())
    headers["Signature-Input"] = f"{label}={inner}"
    headers["Signature"] = f"{label}=:{base64.b64encode(sig).decode()}:"
    return headers


def verify_cavage_independently(public_pem: str, method: str, path: str, headers: dict) -> bool:
    """Check a draft-cavage signature we produced, without our verifier."""
    params = dict(p.split("=", 1) for p in headers["Signature"].split('",'))
    params = {k: v.strip('"') for k, v in params.items()}
    lower = {k.lower(): v for k, v in headers.items()}
    lines = []
    for name in params["headers"].split():
        if name == "(request-target)":
            lines.append(f"(request-target): {method.lower()} {path}")
        else:
            lines.append(f"{name}: {lower[name]}")
    key = serialization.load_pem_public_key(public_pem.encode())
    try:
        key.verify(base64.b64decode(params["signature"]), "\n".join(lines).encode(),
                   padding.PKCS1v15(), hashes.SHA256())
    except Exception:
        return False
    return True
