"""Signed POSTs as a remote (or local) actor would send them, for tests that knock on
an inbox by hand. (tests/federation/peers.py signs independently, on purpose: it checks
our verifier against other servers' shapes, so it must not share this code.)"""

from __future__ import annotations

import json
from typing import Any, Protocol

import httpx

from federation.signatures import sign_request

ACTIVITY_JSON = "application/activity+json"


class SigningAccount(Protocol):
    """What signing needs of an Account row."""

    public_key_id: str
    private_key_pem: str


def signed_headers(url: str, body: bytes, account: SigningAccount, **kw: Any) -> dict[str, str]:
    """Headers for POSTing `body` to `url` as `account`; `kw` goes to sign_request
    (e.g. `now=` for a stale signature, `scheme=`)."""
    return sign_request("POST", url, {"Content-Type": ACTIVITY_JSON}, body,
                        account.public_key_id, account.private_key_pem, **kw)


def post_signed(url: str, account: SigningAccount, activity: dict[str, Any]) -> int:
    """POST `activity` to the inbox at `url`, signed by `account`; returns the status."""
    body = json.dumps(activity).encode()
    return httpx.post(url, content=body, headers=signed_headers(url, body, account),
                      timeout=20).status_code
