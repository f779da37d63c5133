"""Objects vouched for by a third party are fetched from their origin: a boost of a
work from a third instance is fetched from that instance, and an embedded object whose
id is on someone else's origin is never stored as sent."""

from __future__ import annotations

import pytest

from instance.actions import social, works
from instance.actors.accounts import create_local_user
from instance.actors.remote import resolve_acct
from instance.storage.models import Account, Boost, InboxItem, Work
from tests.federation_e2e.test_two_instances import PASSWORD, exchange
from tests.rig.peers import make_peer, serving
from tests.rig.signing import post_signed

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("federation_e2e")]


@pytest.fixture(scope="module")
def trio(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("trio")
    peers = make_peer("a", tmp), make_peer("b", tmp), make_peer("c", tmp)
    with serving(*peers):
        yield peers


async def make_user(peer, name: str) -> Account:
    async with peer.open() as services:
        created = await create_local_user(services.urls, name, PASSWORD)
        return await Account.get(id=created.account_id)


async def follow(peer, who: str, other, whom: str) -> None:
    async with peer.open() as services:
        me = await Account.get(username=who, domain=None)
        await social.follow(services, me, await resolve_acct(services, whom, other.domain))


async def test_boost_of_a_third_party_work_is_fetched_from_its_origin(trio):
    a, b, c = trio
    for peer, name in ((a, "alma"), (b, "bram"), (c, "cato")):
        await make_user(peer, name)
    await follow(a, "alma", b, "bram")
    await follow(b, "bram", c, "cato")
    await exchange(a, b, c, a, b)  # both Follows out, both Accepts back
    async with c.open() as services:
        cato = await Account.get(username="cato", domain=None)
        original = await works.create_work(services, cato, title="Fox", content_source="A fox")
    await exchange(c, b)
    async with b.open() as services:
        bram = await Account.get(username="bram", domain=None)
        await social.boost(services, bram, await Work.get(ap_id=original.ap_id))
    await exchange(b, a)  # Announce{id on C} → A fetches the work from C
    async with a.open():
        fetched = await Work.get(ap_id=original.ap_id).prefetch_related("account")
        assert fetched.title == "Fox" and fetched.account.ap_id == cato.ap_id
        assert await Boost.filter(work_id=fetched.id, account__username="bram").exists()


async def test_embedded_object_from_another_origin_is_not_trusted(trio):
    a, b, c = trio
    eve = await make_user(a, "eve")
    cora = await make_user(c, "cora")
    async with c.open() as services:
        real = await works.create_work(services, cora, title="Real", content_source="the real one")
    await make_user(b, "bo")
    forged = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{eve.ap_id}#create-forged", "type": "Create", "actor": eve.ap_id,
        "to": ["https://www.w3.org/ns/activitystreams#Public"], "cc": [f"{b.url}/users/bo"],
        "object": {"id": real.ap_id, "type": "Note", "attributedTo": eve.ap_id,
                   "content": "FORGED", "to": ["https://www.w3.org/ns/activitystreams#Public"],
                   "cc": [f"{b.url}/users/bo"]},
    }
    assert post_signed(f"{b.url}/inbox", eve, forged) == 202
    await b.run_jobs()
    async with b.open():
        item = await InboxItem.get(activity_id=forged["id"])
        assert item.state == "dropped" and "not attributed" in item.reason
        assert not await Work.filter(content__contains="FORGED").exists()
        assert not await Work.filter(ap_id=real.ap_id).exists()


async def test_object_whose_origin_is_down_is_retried_not_dropped(trio):
    from instance.storage.models import Job
    from tests.rig.peers import free_port

    a, b, _ = trio
    una = await make_user(a, "una")
    await make_user(b, "ugo")
    gone = f"http://127.0.0.1:{free_port()}/notes/1"  # nothing listens there
    create = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{una.ap_id}#create-elsewhere", "type": "Create", "actor": una.ap_id,
        "cc": [f"{b.url}/users/ugo"],
        "object": {"id": gone, "type": "Note", "attributedTo": una.ap_id, "content": "?"},
    }
    assert post_signed(f"{b.url}/inbox", una, create) == 202
    await b.run_jobs()
    async with b.open():
        item = await InboxItem.get(activity_id=create["id"])
        assert item.state == "received"
        job = next(j for j in await Job.filter(kind="inbox.process") if j.payload["item"] == item.id)
        assert job.state == "queued" and job.attempts == 1 and "unavailable" in job.last_error
