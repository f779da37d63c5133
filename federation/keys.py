"""Key material for HTTP signatures.

Actors publish RSA keys as PEM (`publicKey.publicKeyPem`); newer peers (Fedify, FEP-521a)
also publish Ed25519 keys as multibase `Multikey`s, which RFC 9421 can use. Parsing a key
costs more than verifying with it, so parsed keys sit in a small LRU cache keyed by text.
"""

from __future__ import annotations

import functools
from typing import TypeAlias

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

PublicKey: TypeAlias = rsa.RSAPublicKey | ed25519.Ed25519PublicKey
PrivateKey: TypeAlias = rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey

RSA_BITS = 2048
MIN_RSA_BITS = 1024  # a few old actors still have them; refusing would cut them off
MAX_RSA_BITS = 16384  # verification cost grows with size; refuse absurd keys
CACHE_SIZE = 1024

# multicodec prefixes (unsigned varints) used by Multikey / did:key
_ED25519_PUB = b"\xed\x01"
_RSA_PUB = b"\x85\x24"
_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


class KeyFormatError(ValueError):
    """The text is not a public/private key we can use."""


def generate_rsa_keypair(bits: int = RSA_BITS) -> tuple[str, str]:
    """A fresh RSA key pair as (private PKCS#8 PEM, public SPKI PEM)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    return _private_pem(key), public_pem(key.public_key())


def generate_ed25519_keypair() -> tuple[str, str]:
    """A fresh Ed25519 key pair as (private PKCS#8 PEM, public multibase)."""
    key = ed25519.Ed25519PrivateKey.generate()
    return _private_pem(key), ed25519_multibase(key.public_key())


def _private_pem(key: PrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


def public_pem(key: PublicKey) -> str:
    """SPKI PEM, the form Mastodon publishes in `publicKeyPem`."""
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def public_pem_of(private_key_pem: str) -> str:
    """The public PEM matching a private PEM (for building the actor document)."""
    return public_pem(load_private_key(private_key_pem).public_key())


def ed25519_multibase(key: ed25519.Ed25519PublicKey) -> str:
    """`z…` base58btc multibase of the multicodec-tagged raw key (FEP-521a Multikey)."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "z" + _b58encode(_ED25519_PUB + raw)


@functools.lru_cache(maxsize=64)
def load_private_key(pem: str) -> PrivateKey:
    """Parse a private PEM once: RSA key loading validates the key and takes milliseconds."""
    try:
        key = serialization.load_pem_private_key(pem.encode("ascii"), password=None)
    except (ValueError, TypeError, UnicodeEncodeError) as exc:
        raise KeyFormatError(f"unusable private key: {exc}") from exc
    if not isinstance(key, rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey):
        raise KeyFormatError(f"unsupported private key type {type(key).__name__}")
    return key


def load_public_key(text: str | PublicKey) -> PublicKey:
    """Parse an RSA/Ed25519 PEM or a multibase Multikey; parsed keys are cached."""
    if isinstance(text, rsa.RSAPublicKey | ed25519.Ed25519PublicKey):
        return text
    if not isinstance(text, str):
        raise KeyFormatError(f"expected key text, got {type(text).__name__}")
    return _load_public_key_cached(text.strip())


@functools.lru_cache(maxsize=CACHE_SIZE)
def _load_public_key_cached(text: str) -> PublicKey:
    if text.startswith("-----BEGIN"):
        try:
            key = serialization.load_pem_public_key(text.encode("ascii"))
        except (ValueError, TypeError, UnicodeEncodeError) as exc:
            raise KeyFormatError(f"unusable public key PEM: {exc}") from exc
    elif text.startswith("z"):
        key = _load_multibase(text)
    else:
        raise KeyFormatError("public key is neither PEM nor multibase (z…)")
    if isinstance(key, rsa.RSAPublicKey):
        if not MIN_RSA_BITS <= key.key_size <= MAX_RSA_BITS:
            raise KeyFormatError(f"RSA key size {key.key_size} not accepted")
        return key
    if isinstance(key, ed25519.Ed25519PublicKey):
        return key
    raise KeyFormatError(f"unsupported public key type {type(key).__name__}")


def _load_multibase(text: str) -> PublicKey:
    try:
        data = _b58decode(text[1:])
    except ValueError as exc:
        raise KeyFormatError(str(exc)) from exc
    if data.startswith(_ED25519_PUB) and len(data) == 34:
        return ed25519.Ed25519PublicKey.from_public_bytes(data[2:])
    if data.startswith(_RSA_PUB):
        try:
            key = serialization.load_der_public_key(_pkcs1_to_spki(data[2:]))
        except ValueError as exc:
            raise KeyFormatError(f"bad RSA multikey: {exc}") from exc
        assert isinstance(key, rsa.RSAPublicKey)
        return key
    raise KeyFormatError("multibase key has an unknown multicodec prefix")


def _pkcs1_to_spki(pkcs1: bytes) -> bytes:
    """Wrap a DER RSAPublicKey in SubjectPublicKeyInfo (cryptography loads only SPKI DER)."""
    algo = bytes.fromhex("300d06092a864886f70d0101010500")  # rsaEncryption, NULL
    bitstring = b"\x03" + _der_len(len(pkcs1) + 1) + b"\x00" + pkcs1
    body = algo + bitstring
    return b"\x30" + _der_len(len(body)) + body


def _der_len(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def _b58encode(data: bytes) -> str:
    n = int.from_bytes(data, "big")
    out = ""
    while n:
        n, rem = divmod(n, 58)
        out = _B58[rem] + out
    pad = len(data) - len(data.lstrip(b"\0"))
    return "1" * pad + out


def _b58decode(text: str) -> bytes:
    n = 0
    for ch in text:
        idx = _B58.find(ch)
        if idx < 0:
            raise ValueError(f"invalid base58 character {ch!r}")
        n = n * 58 + idx
    pad = len(text) - len(text.lstrip("1"))
    body = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    return b"\0" * pad + body
