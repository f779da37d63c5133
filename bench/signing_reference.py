"""In-run references for the federation benches: raw RSA-2048 PKCS#1 v1.5 SHA-256
signing and verifying, and the whole draft-cavage sign / verify path on a 2 KB body."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from federation.keys import generate_rsa_keypair
from federation.signatures import PublicKeyInfo, sign_request, verify_request

SIGNING_STRING = b"(request-target): post /inbox\nhost: example.com\ndate: x\ndigest: y"


def raw_sign_ms(private_pem: str, rounds: int = 300) -> float:
    """Raw RSA-2048 PKCS#1 v1.5 SHA-256 signing with the sender's key: CPU ms each."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding

    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    message = SIGNING_STRING
    before = time.thread_time()
    for _ in range(rounds):
        key.sign(message, padding.PKCS1v15(), hashes.SHA256())
    return 1000 * (time.thread_time() - before) / rounds


@dataclass
class Crypto:
    """Per-operation times in ms: raw RSA-2048 PKCS#1 v1.5 SHA-256, and the whole
    draft-cavage path (digest, signing string, headers; parse and verify)."""

    raw_sign: float
    raw_verify: float
    cavage_sign: float
    cavage_verify: float


def timed_ms(fn, rounds: int) -> float:
    started = time.perf_counter()
    for _ in range(rounds):
        fn()
    return (time.perf_counter() - started) * 1000 / rounds


def crypto(rounds: int = 500) -> Crypto:
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding

    private_pem, public_pem = generate_rsa_keypair()
    private_key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    public_key = serialization.load_pem_public_key(public_pem.encode())
    message = SIGNING_STRING
    signature = private_key.sign(message, padding.PKCS1v15(), hashes.SHA256())
    raw_sign = raw_sign_ms(private_pem, rounds)
    raw_verify = timed_ms(
        lambda: public_key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256()), rounds)

    url, body = "https://example.com/inbox", b'{"type":"Create"}' * 120  # about 2 KB
    key_id = "https://sender.example/users/a#main-key"
    headers: dict[str, str] = {}

    def sign_once() -> None:
        headers.update(sign_request("POST", url, {"Content-Type": "application/activity+json"}, body,
                                    key_id, private_pem))

    cavage_sign = timed_ms(sign_once, rounds)
    info = PublicKeyInfo("https://sender.example/users/a", public_pem)

    async def resolver(_key_id: str, _refresh: bool) -> PublicKeyInfo:
        return info

    async def verify_all() -> float:
        started = time.perf_counter()
        for _ in range(rounds):
            await verify_request("POST", url, headers, body, resolver)
        return (time.perf_counter() - started) * 1000 / rounds

    return Crypto(raw_sign, raw_verify, cavage_sign, asyncio.run(verify_all()))


