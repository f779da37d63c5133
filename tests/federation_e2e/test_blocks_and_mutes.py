"""Per-person blocks and mutes at the inbox: a blocked account's like of the artist's
work is dropped; a muted account's mention does not notify."""

from __future__ import annotations

import pytest

from inbox.remote_works import store_work
from instance.actions import social, works
from instance.actors.accounts import create_local_user
from instance.actors.instance_actor import instance_signer
from instance.actors.remote import resolve_acct
from instance.storage.models import Account, Like, Notification, Work

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("federation_e2e")]
PASSWORD = "correct horse battery"


async def test_blocked_likes_and_muted_mentions_are_dropped(peers):
    a, b = peers
    async with a.open() as services:
        await create_local_user(services.urls, "quiet", PASSWORD)
    async with b.open() as services:
        await create_local_user(services.urls, "loud", PASSWORD)
        await create_local_user(services.urls, "pest", PASSWORD)
    async with a.open() as services:
        quiet = await Account.get(username="quiet", domain=None)
        work = await works.create_work(services, quiet, title="Still life", content_source="pears")
        loud = await resolve_acct(services, "loud", b.domain)
        pest = await resolve_acct(services, "pest", b.domain)
        await social.block(services, quiet, pest)
        await social.mute(services, quiet, loud)
    await a.run_jobs()
    await b.run_jobs()
    async with b.open() as services:
        # B learns of the work by fetching it (signed: A runs in authorized-fetch mode).
        note = await services.http.fetch_json(work.ap_id, signer=await instance_signer(services))
        stored = await store_work(services, await resolve_acct(services, "quiet", a.domain), note)
        pest_b = await Account.get(username="pest", domain=None)
        loud_b = await Account.get(username="loud", domain=None)
        await social.like(services, pest_b, stored)
        await works.create_work(services, loud_b, title="", content_source=f"@quiet@{a.domain} look!")
    await b.run_jobs()
    await a.run_jobs()
    async with a.open():
        target = await Work.get(ap_id=work.ap_id)
        assert not await Like.filter(work_id=target.id).exists() and target.likes_count == 0
        assert not await Notification.filter(
            recipient__username="quiet", kind__in=("mention", "favourite")
        ).exists()
