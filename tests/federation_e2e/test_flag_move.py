"""Flag becomes a report for the moderators; Move takes local followers to the new
account only when that account claims the old one (alsoKnownAs)."""

from __future__ import annotations

import pytest

from instance.actions import social, works
from instance.actors.accounts import create_local_user
from instance.actors.remote import resolve_acct
from instance.storage.models import Account, Follow, InboxItem, Report
from tests.federation_e2e.test_two_instances import PASSWORD, exchange
from tests.rig.signing import post_signed

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("federation_e2e")]
AS = "https://www.w3.org/ns/activitystreams"


async def local_user(peer, name: str) -> Account:
    async with peer.open() as services:
        return await Account.get(id=(await create_local_user(services.urls, name, PASSWORD)).account_id)


async def test_flag_becomes_a_report(peers):
    a, b = peers
    reporter = await local_user(a, "rita")
    target = await local_user(b, "troy")
    async with b.open() as services:
        work = await works.create_work(services, target, title="X", content_source="spam")
    flag = {"@context": AS, "id": f"{reporter.ap_id}#flags/1", "type": "Flag",
            "actor": reporter.ap_id, "object": [target.ap_id, work.ap_id], "content": "Spam"}
    assert post_signed(f"{b.url}/inbox", reporter, flag) == 202
    await b.run_jobs()
    async with b.open():
        report = await Report.get(ap_id=flag["id"]).prefetch_related("target")
        assert report.target.username == "troy" and report.work_ids == [work.id]
        assert report.comment == "Spam"


async def test_move_takes_followers_only_when_claimed(peers):
    a, b = peers
    old, new = await local_user(a, "oldname"), await local_user(a, "newname")
    await local_user(b, "fern")
    async with b.open() as services:
        fern = await Account.get(username="fern", domain=None)
        await social.follow(services, fern, await resolve_acct(services, "oldname", a.domain))
    await exchange(b, a, b)
    move = {"@context": AS, "id": f"{old.ap_id}#moves/1", "type": "Move", "actor": old.ap_id,
            "object": old.ap_id, "target": new.ap_id}
    assert post_signed(f"{b.url}/inbox", old, move) == 202
    await b.run_jobs()
    async with b.open():
        item = await InboxItem.get(activity_id=move["id"])
        assert item.state == "dropped" and "alsoKnownAs" in item.reason  # not claimed yet

    async with a.open() as services:
        await social.update_profile(services, new, also_known_as=[old.ap_id])
    move["id"] = f"{old.ap_id}#moves/2"
    assert post_signed(f"{b.url}/inbox", old, move) == 202
    await exchange(b, a, b)  # B: Undo + Follow out; A: accepts; B: Accept in
    async with b.open():
        assert (await Account.get(ap_id=old.ap_id)).moved_to_id is not None
        follows = await Follow.filter(follower__username="fern").prefetch_related("target")
        assert [(f.target.ap_id, f.state) for f in follows] == [(new.ap_id, "accepted")]
    async with a.open():
        assert not await Follow.filter(target_id=old.id).exists()
        assert await Follow.filter(target_id=new.id, state="accepted").exists()
