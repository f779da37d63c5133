"""The inbox's gates over real HTTP: every refused request is answered 401/403/413 and
leaves nothing stored; a replayed request (the same signature again) is refused, an
activity re-sent with a fresh signature is a no-op; a suspended domain gets 202 and
nothing."""

from __future__ import annotations

import base64
import json
import time
import uuid
from email.utils import formatdate

import httpx
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from instance.actors.accounts import create_local_user
from instance.storage.models import Account, DomainPolicy, InboxItem, Job
from tests.federation_e2e.test_two_instances import PASSWORD
from tests.rig.signing import signed_headers

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("federation_e2e")]


async def signer(peer, name: str) -> Account:
    async with peer.open() as services:
        user = await create_local_user(services.urls, name, PASSWORD)
        return await Account.get(id=user.account_id)


def like(actor: Account, origin: str | None = None) -> dict:
    base = origin or actor.ap_id
    return {"@context": "https://www.w3.org/ns/activitystreams",
            "id": f"{base}#likes/{uuid.uuid4().hex}", "type": "Like", "actor": actor.ap_id,
            "object": "http://127.0.0.1:1/users/nobody/works/1"}


async def stored(peer) -> tuple[int, int]:
    async with peer.open():
        return await InboxItem.all().count(), await Job.filter(kind="inbox.process").count()


def post(url: str, body: bytes, headers: dict[str, str]) -> int:
    return httpx.post(url, content=body, headers=headers, timeout=20).status_code


async def test_refusals_store_nothing_and_replays_are_refused(peers):
    a, b = peers
    ida = await signer(a, "ida")
    await signer(a, "jon")
    inbox = f"{b.url}/inbox"
    before = await stored(b)

    body = json.dumps(like(ida)).encode()
    tampered = signed_headers(inbox, body, ida)
    assert post(inbox, body.replace(b"Like", b"Boop"), tampered) == 401

    impostor = dict(like(ida), actor=f"{a.url}/users/jon")
    impostor["id"] = f"{a.url}/users/jon#x"
    raw = json.dumps(impostor).encode()
    assert post(inbox, raw, signed_headers(inbox, raw, ida)) == 403

    stale = signed_headers(inbox, body, ida, now=time.time() - 2 * 3600)
    assert post(inbox, body, stale) == 401

    assert post(inbox, body, _without_digest(inbox, body, ida)) == 401

    foreign = json.dumps(like(ida, origin="http://evil.example/a")).encode()
    assert post(inbox, foreign, signed_headers(inbox, foreign, ida)) == 403

    huge = json.dumps(dict(like(ida), content="x" * (b.config.federation.max_inbox_bytes))).encode()
    assert post(inbox, huge, signed_headers(inbox, huge, ida)) == 413

    unsigned = {"Content-Type": "application/activity+json"}
    assert post(inbox, body, unsigned) == 401
    assert await stored(b) == before

    original = signed_headers(inbox, body, ida)
    assert post(inbox, body, original) == 202
    assert post(inbox, body, original) == 401  # the captured request replayed
    resent = signed_headers(inbox, body, ida, now=time.time() + 5)  # a peer retrying signs anew
    assert post(inbox, body, resent) == 202  # a no-op
    assert await stored(b) == (before[0] + 1, before[1] + 1)

    bite = json.dumps(dict(like(ida), type="Bite")).encode()  # a type nobody here knows
    assert post(inbox, bite, signed_headers(inbox, bite, ida)) == 202
    await b.run_jobs()
    async with b.open():
        items = {i.activity_type: i for i in await InboxItem.filter(actor_id=ida.ap_id)}
    assert items["Bite"].state == "dropped" and "unsupported" in items["Bite"].reason
    assert items["Like"].state == "dropped" and "not a work of ours" in items["Like"].reason


async def test_suspended_domain_is_dropped_silently(peers):
    a, b = peers
    kai = await signer(a, "kai")
    async with b.open():
        policy = await DomainPolicy.create(domain=a.domain, severity="suspend")
    # A change made in another process reaches POSTs to an inbox within a second and any
    # other request at once (docs/status.md, "Caches"): one GET makes b read it now, so the
    # POST below is judged under the suspension whatever b answered just before.
    assert httpx.get(f"{b.url}/api/v1/instance", timeout=20).status_code == 200
    try:
        before = await stored(b)
        body = json.dumps(like(kai)).encode()
        assert post(f"{b.url}/inbox", body, signed_headers(f"{b.url}/inbox", body, kai)) == 202
        assert await stored(b) == before
    finally:
        async with b.open():
            await policy.delete()  # through the model: every process notices


def _without_digest(url: str, body: bytes, account: Account) -> dict[str, str]:
    """A draft-cavage signature over (request-target) host date only: no Digest."""
    host = url.split("/")[2]
    date = formatdate(usegmt=True)
    text = f"(request-target): post /inbox\nhost: {host}\ndate: {date}"
    key = serialization.load_pem_private_key(account.private_key_pem.encode(), None)
    sig = base64.b64encode(key.sign(text.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()
    return {
        "Host": host, "Date": date, "Content-Type": "application/activity+json",
        "Signature": f'keyId="{account.public_key_id}",algorithm="rsa-sha256",'
                     f'headers="(request-target) host date",signature="{sig}"',
    }
