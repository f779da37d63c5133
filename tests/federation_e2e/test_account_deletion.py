"""An artist deletes their account (the CLI, as an admin would, and the action behind the
web form): over real HTTP the other instance is told with a signed Delete of the actor
and forgets them — works gone, follows severed both ways, counters right — while their
actor URL answers 410 with a Tombstone and their name cannot be taken again."""

from __future__ import annotations

import httpx
import pytest

from instance.actions import works
from instance.actors.accounts import AccountError, create_local_user
from instance.actors.instance_actor import instance_signer
from instance.storage.models import Account, Follow, MediaAttachment, User, Work
from tests.federation_e2e.test_two_instances import PASSWORD, exchange, follow, user
from tests.rig.processes import run_cli

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("federation_e2e")]


async def test_deleted_artist_is_forgotten_by_peers(peers):
    a, b = peers
    await user(a, "uma")
    await user(b, "zed")
    await follow(a, "uma", b, "zed")
    await follow(b, "zed", a, "uma")
    await exchange(a, b, a, b)
    async with b.open() as services:
        zed = await Account.get(username="zed", domain=None)
        work = await works.create_work(services, zed, title="Last light", content_source="dusk")
        await MediaAttachment.create(account=zed, state="ready", description="an unused upload")
    await exchange(b, a)
    async with a.open():
        assert await Work.filter(ap_id=work.ap_id, deleted_at=None).exists()
        uma = await Account.get(username="uma", domain=None)
        assert (uma.followers_count, uma.following_count) == (1, 1)

    refused = run_cli(["user", "delete", "zed"], b.env)
    assert refused.returncode == 2 and "--yes" in refused.stderr
    deleted = run_cli(["user", "delete", "zed", "--yes"], b.env)
    assert deleted.returncode == 0, deleted.stderr
    assert "a Delete goes to 1 inboxes" in deleted.stdout
    await exchange(b, a)

    async with a.open() as services:
        gone = await Account.get(ap_id=f"{b.url}/users/zed")
        assert gone.suspended
        assert await Work.get(ap_id=work.ap_id).values_list("state", flat=True) == "deleted"
        assert not await Follow.filter(follower_id=gone.id).exists()
        assert not await Follow.filter(target_id=gone.id).exists()
        uma = await Account.get(username="uma", domain=None)
        assert (uma.followers_count, uma.following_count) == (0, 0)
        signer = await instance_signer(services)
        answer = await services.http.get(f"{b.url}/users/zed", signer=signer)
    assert answer.status == 410 and answer.json()["type"] == "Tombstone"
    webfinger = httpx.get(f"{b.url}/.well-known/webfinger", params={"resource": f"acct:zed@{b.domain}"})
    assert webfinger.status_code == 404
    async with b.open() as services:
        assert (await User.get(account__username="zed")).disabled
        assert not await MediaAttachment.filter(account__username="zed").exists()
        with pytest.raises(AccountError):
            await create_local_user(services.urls, "zed", PASSWORD)
    again = run_cli(["user", "delete", "zed", "--yes"], b.env)
    assert again.returncode == 2 and "zed was deleted already" in again.stderr
