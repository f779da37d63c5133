"""RFC 9421 deliveries between real servers: an Impasto instance set to sign RFC 9421
first reaches another Impasto instance with it (verified there, no second knock), and
falls back to draft-cavage at once for bovine-herd, which answers 401 to a signature
covering `@target-uri` — then remembers that for the host."""

from __future__ import annotations

import pytest

from instance.actions import social
from instance.actors.remote import resolve_acct
from instance.storage.models import Account, Follow, InboxItem, InstanceInfo, Job
from tests.federation_e2e.test_interop_bovine import bovine  # noqa: F401 (the fixture)
from tests.federation_e2e.test_two_instances import exchange, follow, user
from tests.rig.peers import LATE_PEER, make_peer, serving, third_party_port

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("federation_e2e")]


async def test_rfc9421_first_with_draft_cavage_where_refused(peers, bovine, tmp_path):  # noqa: F811
    _, b = peers
    modern = make_peer("modern", tmp_path, port=third_party_port(LATE_PEER),
                       FEDERATION_SIGNATURE_SCHEME="rfc9421")  # a port the shared pair may reach
    # The remembered refusal lives in modern's database (InstanceInfo.cavage_only).
    with serving(modern, reach=peers):
        await user(modern, "kai")
        await user(b, "lin")
        await follow(modern, "kai", b, "lin")
        await exchange(modern)
        async with modern.open():  # B verified the RFC 9421 signature
            assert not await InstanceInfo.filter(domain=b.domain, cavage_only=True).exists()
        async with b.open():
            assert await InboxItem.filter(actor_id=f"{modern.url}/users/kai",
                                          activity_type="Follow").exists()
        await exchange(b, modern)
        async with modern.open() as services:
            kai = await Account.get(username="kai", domain=None)
            assert (await Follow.get(follower_id=kai.id)).state == "accepted"
            milou = await resolve_acct(services, "milou", bovine.domain)
            await social.follow(services, kai, milou)
        await exchange(modern)
        async with modern.open():
            job = await Job.filter(kind="outbox.deliver").order_by("-id").first()
            assert job.payload["inbox"] == milou.inbox_url
            assert job.state == "done", job.last_error
        async with modern.open():  # 401 to RFC 9421, 2xx to draft-cavage: remembered
            assert await InstanceInfo.filter(domain=bovine.domain, cavage_only=True).exists()
