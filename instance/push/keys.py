"""The server's VAPID key pair (RFC 8292), made once and kept in instance_settings so
every process signs with the same key, and the sealing of access tokens for Mastodon's
payload (`access_token`): tokens are stored only as hashes, so a subscription keeps its
token encrypted (AES-GCM) with a key derived from the server's secret key file."""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from tortoise.exceptions import IntegrityError

from instance.config import Config
from instance.storage.models import InstanceSetting

VAPID_SETTING = "_push.vapid"  # not a settings-page key: site_settings skips it


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Standard or URL-safe base64, padded or not (clients send every form)."""
    cleaned = text.strip().replace("+", "-").replace("/", "_").rstrip("=")
    return base64.b64decode(cleaned + "=" * (-len(cleaned) % 4), altchars=b"-_", validate=True)


@dataclass(frozen=True)
class VapidKeys:
    private_raw: str  # base64url of the 32-byte private number (py-vapid's from_raw)
    public_raw: bytes  # the uncompressed P-256 point, 65 bytes

    @property
    def server_key(self) -> str:
        """The public key as Mastodon shows it (`vapid_key`, `server_key`): URL-safe
        base64 with padding."""
        return base64.urlsafe_b64encode(self.public_raw).decode("ascii")


def _generate() -> dict[str, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    number = key.private_numbers().private_value.to_bytes(32, "big")
    public = key.public_key().public_bytes(serialization.Encoding.X962,
                                           serialization.PublicFormat.UncompressedPoint)
    return {"private": b64url(number), "public": b64url(public)}


async def vapid_keys() -> VapidKeys:
    """The stored key pair, made on first use (two processes racing keep the first)."""
    row = await InstanceSetting.get_or_none(key=VAPID_SETTING)
    if row is None:
        try:
            row = await InstanceSetting.create(key=VAPID_SETTING, value=_generate())
        except IntegrityError:
            row = await InstanceSetting.get(key=VAPID_SETTING)
    value = row.value
    return VapidKeys(private_raw=value["private"], public_raw=b64url_decode(value["public"]))


def _sealing_key(config: Config) -> bytes | None:
    path = config.resolve_path(config.server.secret_key_file)
    try:
        secret = path.read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return hashlib.sha256(b"impasto web push token\x00" + secret.encode()).digest()


def seal(config: Config, token: str) -> str:
    """The token encrypted for storage (empty when there is no secret key file)."""
    key = _sealing_key(config)
    if key is None:
        return ""
    nonce = os.urandom(12)
    return b64url(nonce + AESGCM(key).encrypt(nonce, token.encode(), b"push"))


def unseal(config: Config, sealed: str) -> str:
    """The token back, or "" when it cannot be opened (secret key replaced)."""
    key = _sealing_key(config)
    if key is None or not sealed:
        return ""
    try:
        data = b64url_decode(sealed)
        return AESGCM(key).decrypt(data[:12], data[12:], b"push").decode()
    except (InvalidTag, ValueError):
        return ""
