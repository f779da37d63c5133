"""Followers-only and direct works can be fetched, over real signed HTTP, by their
audience only: an accepted follower's signature (followers-only) or a mentioned actor's;
anyone else — another account, the instance actor, an unsigned request — gets 404 (or
401 in authorized-fetch mode), as if the work did not exist."""

from __future__ import annotations

import httpx
import pytest

from federation.client import FetchError
from federation.vocab import AP_ACCEPT
from instance.actions import works
from instance.actors.instance_actor import instance_signer, signer_for
from instance.storage.models import Account
from tests.federation_e2e.test_two_instances import exchange, follow, user

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("federation_e2e")]


async def fetch_status(services, url: str, signer) -> int:
    try:
        await services.http.fetch_json(url, signer=signer)
    except FetchError as exc:
        return exc.status
    return 200


async def test_followers_only_and_direct_works_reach_their_audience_only(peers):
    a, b = peers
    for name in ("finch", "crow", "jay"):
        await user(a, name)
    await user(b, "wren")
    await follow(a, "finch", b, "wren")
    await exchange(a, b, a)
    async with b.open() as services:
        wren = await Account.get(username="wren", domain=None)
        kept = await works.create_work(services, wren, title="Sketchbook",
                                       content_source="For followers", visibility="private")
        direct = await works.create_work(services, wren, title="For you",
                                         content_source=f"@jay@{a.domain} a study for you",
                                         visibility="direct")
        public = await works.create_work(services, wren, title="Show", content_source="For all")
    async with a.open() as services:
        finch, crow, jay = [signer_for(await Account.get(username=name, domain=None))
                            for name in ("finch", "crow", "jay")]
        assert await fetch_status(services, kept.ap_id, finch) == 200
        assert await fetch_status(services, kept.ap_id + "/activity", finch) == 200
        assert await fetch_status(services, kept.ap_id, crow) == 404
        assert await fetch_status(services, kept.ap_id, await instance_signer(services)) == 404
        assert await fetch_status(services, direct.ap_id, jay) == 200
        assert await fetch_status(services, direct.ap_id, finch) == 404  # a follower, not addressed
        assert await fetch_status(services, public.ap_id, crow) == 200
    assert httpx.get(kept.ap_id, headers={"Accept": AP_ACCEPT}).status_code == 401
