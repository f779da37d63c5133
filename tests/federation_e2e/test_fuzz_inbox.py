"""Property tests of a real inbox over HTTP (peer b of the shared pair): hostile bodies and
signature headers never get a response ≥ 500 and store nothing unsigned; activities of
arbitrary shape signed by a real actor are accepted or refused with a 4xx, and
processing them never hits a handler bug (no item ends "handler error")."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import Counter

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from instance.actors.accounts import create_local_user
from instance.storage.models import Account, InboxItem
from tests.federation_e2e.test_two_instances import PASSWORD
from tests.rig.fuzz import fuzz_settings
from tests.rig.signing import signed_headers

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("federation_e2e")]

AS = "https://www.w3.org/ns/activitystreams"
TYPES = ["Create", "Update", "Delete", "Follow", "Accept", "Reject", "Undo", "Announce", "Like",
         "Block", "Flag", "Move", "Note", "Image", "Video", "Person", "Tombstone", "Bite", "as:Like"]
KEYS = ["id", "type", "actor", "object", "target", "to", "cc", "attributedTo", "content", "url",
        "attachment", "tag", "inReplyTo", "href", "name", "mediaType", "published", "@context"]
SCALAR = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(allow_nan=False),
                   st.text(max_size=30), st.sampled_from(TYPES),
                   st.sampled_from([AS, f"{AS}#Public", "javascript:alert(1)", "http://127.0.0.1:1/x",
                                    "https://www.w3.org/ns/credentials/v2", "", "@x"]))
VALUE = st.recursive(SCALAR, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(KEYS), inner, max_size=5)),
    max_leaves=20)
# what a client can put on the wire (no control characters, no surrounding spaces)
HEADER_TEXT = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7e),
                      max_size=80).map(str.strip)


def _post(url: str, body: bytes, headers: dict[str, str]) -> int:
    with httpx.Client(timeout=30) as http:
        return http.post(url, content=body, headers=headers).status_code


async def _items(peer) -> int:
    async with peer.open():
        return await InboxItem.all().count()


@pytest.fixture(scope="module")
def fuzzer(peers):
    a, b = peers

    async def make():
        async with a.open() as services:
            user = await create_local_user(services.urls, f"fuzz{uuid.uuid4().hex[:6]}", PASSWORD)
            return await Account.get(id=user.account_id)

    return a, b, asyncio.run(make())


def test_unsigned_garbage_never_500_and_stores_nothing(fuzzer):
    _, b, _ = fuzzer
    before = asyncio.run(_items(b))
    statuses: list[int] = []

    @fuzz_settings(60)
    @given(body=st.one_of(st.binary(max_size=300), VALUE.map(lambda v: json.dumps(v).encode())),
           content_type=st.sampled_from(["application/activity+json", "application/json",
                                         'application/ld+json; profile="x"', "text/plain", ""]),
           signature=st.one_of(HEADER_TEXT, st.builds(
               lambda k, h, s: f'keyId="{k}",headers="{h}",signature="{s}"',
               HEADER_TEXT, HEADER_TEXT, HEADER_TEXT)),
           digest=HEADER_TEXT, path=st.sampled_from(["/inbox", "/actor/inbox", "/users/nobody/inbox"]))
    def run(body, content_type, signature, digest, path):
        status = _post(b.url + path, body, {"Content-Type": content_type, "Signature": signature,
                                            "Digest": digest, "Date": "Thu, 01 Jan 2026 00:00:00 GMT"})
        statuses.append(status)
        assert status < 500 and status != 201

    run()
    print(f"\nunsigned inbox fuzz: {len(statuses)} requests, statuses {dict(Counter(statuses))}")
    assert statuses and all(400 <= s < 500 or s == 202 for s in statuses)
    assert asyncio.run(_items(b)) == before


def test_signed_activities_of_any_shape_never_hit_a_handler_bug(fuzzer):
    a, b, actor = fuzzer
    inbox = f"{b.url}/inbox"
    statuses: list[int] = []

    @fuzz_settings(40)
    @given(kind=st.one_of(st.sampled_from(TYPES), st.lists(st.sampled_from(TYPES), min_size=1, max_size=3)),
           obj=VALUE, extra=st.dictionaries(st.sampled_from(KEYS[4:]), VALUE, max_size=4))
    def run(kind, obj, extra):
        activity = {"@context": AS, **extra, "id": f"{actor.ap_id}#fuzz/{uuid.uuid4().hex}",
                    "type": kind, "actor": actor.ap_id, "object": obj}
        body = json.dumps(activity).encode()
        status = _post(inbox, body, signed_headers(inbox, body, actor))
        statuses.append(status)
        assert status < 500, (status, activity)

    run()
    print(f"\nsigned inbox fuzz: {len(statuses)} requests, statuses {dict(Counter(statuses))}")
    assert 202 in statuses
    asyncio.run(b.run_jobs())

    async def bugs():
        async with b.open():
            return await InboxItem.filter(actor_id=actor.ap_id, reason__startswith="handler error"
                                          ).values_list("activity_type", "reason")

    assert asyncio.run(bugs()) == []
