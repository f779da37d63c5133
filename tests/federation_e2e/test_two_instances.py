"""Two real Impasto instances talk ActivityPub over loopback HTTP with real signatures:
follow (open and locked), publish a work with two images (alt text, blurhash, content
warning, licence), like, boost, reply, edit, delete, unfollow, block. Each instance's
jobs run in order, driven by the test (no sleeping)."""

from __future__ import annotations

import pytest

from instance.actions import editing, social, works
from instance.actors.accounts import create_local_user
from instance.actors.remote import resolve_acct
from instance.storage.models import (
    Account,
    Block,
    Boost,
    Follow,
    Like,
    MediaAttachment,
    Notification,
    Work,
)

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("federation_e2e")]
PASSWORD = "correct horse battery"


async def user(peer, name: str, *, locked: bool = False) -> int:
    async with peer.open() as services:
        created = await create_local_user(services.urls, name, PASSWORD)
        if locked:
            await Account.filter(id=created.account_id).update(locked=True)
        return created.account_id


async def follow(peer_from, who: str, peer_to, whom: str) -> None:
    async with peer_from.open() as services:
        me = await Account.get(username=who, domain=None)
        target = await resolve_acct(services, whom, peer_to.domain)
        assert target is not None and target.inbox_url == f"{peer_to.url}/users/{whom}/inbox"
        await social.follow(services, me, target)


async def exchange(*steps) -> None:
    """Run each peer's jobs in the given order (deliveries out, inbox items in)."""
    for peer in steps:
        await peer.run_jobs()


async def test_follow_publish_interact_edit_delete(peers):
    a, b = peers
    await user(a, "alice")
    await user(b, "bob")
    await follow(a, "alice", b, "bob")
    await exchange(a, b, a)  # Follow → B; B accepts → A
    async with b.open():
        bob = await Account.get(username="bob", domain=None)
        assert await Follow.filter(target_id=bob.id, state="accepted").count() == 1
        assert await Notification.filter(recipient_id=bob.id, kind="follow").exists()
    async with a.open():
        assert (await Follow.get(follower__username="alice")).state == "accepted"

    async with b.open() as services:
        bob = await Account.get(username="bob", domain=None)
        heron = await MediaAttachment.create(
            account=bob, state="ready", description="A heron in ink", width=1200, height=900,
            blurhash="LEHV6nWB2yk8pyo0adR*.7kCMdnj", focus_x=0.25, focus_y=-0.5,
            variants={"display": {"jpeg": "aa/heron.jpg", "width": 1200, "height": 900}},
        )
        reeds = await MediaAttachment.create(
            account=bob, state="ready", description="Reeds in a grey wash", width=900, height=1200,
            blurhash="L6PZfSi_.AyE_3t7t7R**0o#DgR4",
            variants={"display": {"jpeg": "bb/reeds.jpg", "width": 900, "height": 1200}},
        )
        work = await works.create_work(services, bob, title="Heron", content_source="Ink #heron",
                                       summary="Bird anatomy", sensitive=True,
                                       licence="https://creativecommons.org/licenses/by/4.0/",
                                       medium="ink", tools=["brush"], media_ids=[heron.id, reeds.id])
        work_ap_id = work.ap_id
    await exchange(b, a)
    async with a.open() as services:
        received = await Work.get(ap_id=work_ap_id).prefetch_related("tags")
        assert received.local is False and received.title == "Heron"
        assert "heron" in received.content and received.medium == "ink"
        assert received.summary == "Bird anatomy" and received.sensitive
        assert received.licence == "https://creativecommons.org/licenses/by/4.0/"
        assert [t.name for t in received.tags] == ["heron"]
        images = await MediaAttachment.filter(work_id=received.id).order_by("position", "id")
        assert [i.description for i in images] == ["A heron in ink", "Reeds in a grey wash"]
        assert [i.blurhash[:4] for i in images] == ["LEHV", "L6PZ"]
        image = images[0]
        assert (image.width, image.focus_x, image.focus_y) == (1200, 0.25, -0.5)
        assert image.remote_url == f"{b.url}/media/aa/heron.jpg"
        alice = await Account.get(username="alice", domain=None)
        await social.like(services, alice, received)
        await social.boost(services, alice, received)
        await works.create_work(services, alice, title="", content_source="Lovely!",
                                in_reply_to_id=received.id)
    await exchange(a, b)
    async with b.open():
        original = await Work.get(ap_id=work_ap_id)
        assert original.likes_count == 1 and original.boosts_count == 1
        assert original.replies_count == 1
        assert await Like.filter(work_id=original.id, account__username="alice").exists()
        assert await Boost.filter(work_id=original.id, account__username="alice").exists()
        reply = await Work.get(in_reply_to_id=original.id)
        assert "Lovely!" in reply.content and not reply.local
        kinds = set(await Notification.filter(recipient__username="bob").values_list("kind", flat=True))
        assert {"favourite", "reblog", "mention"} <= kinds

    async with b.open() as services:
        bob = await Account.get(username="bob", domain=None)
        await editing.edit_work(services, bob, original.id, title="Grey heron")
    await exchange(b, a)
    async with a.open():
        assert (await Work.get(ap_id=work_ap_id)).title == "Grey heron"

    async with b.open() as services:
        await works.delete_work(services, bob, original.id)
    await exchange(b, a)
    async with a.open():
        gone = await Work.get(ap_id=work_ap_id)
        assert gone.deleted_at is not None and gone.state == "deleted"

    async with a.open() as services:
        alice = await Account.get(username="alice", domain=None)
        await social.unfollow(services, alice, await Account.get(username="bob", domain=b.domain))
    await exchange(a, b)
    async with b.open():
        assert not await Follow.filter(target__username="bob", target__domain=None).exists()


async def test_locked_account_approves_follow(peers):
    a, b = peers
    await user(a, "ann")
    await user(b, "cleo", locked=True)
    await follow(a, "ann", b, "cleo")
    await exchange(a, b, a)
    async with b.open():
        pending = await Follow.get(target__username="cleo")
        assert pending.state == "pending"
        assert await Notification.filter(recipient__username="cleo", kind="follow_request").exists()
    async with a.open():
        assert (await Follow.get(follower__username="ann")).state == "pending"
    async with b.open() as services:
        cleo = await Account.get(username="cleo", domain=None)
        ann = await Account.get(username="ann", domain=a.domain)
        await social.accept_follow(services, cleo, ann)
    await exchange(b, a)
    async with a.open():
        assert (await Follow.get(follower__username="ann")).state == "accepted"

    async with b.open() as services:  # profile changes reach followers as Update{Person}
        cleo = await Account.get(username="cleo", domain=None)
        await social.update_profile(services, cleo, display_name="Cleo Ink",
                                    fields_json=[{"name": "Shop", "value": "https://cleo.example"}])
    await exchange(b, a)
    async with a.open():
        remote_cleo = await Account.get(username="cleo", domain=b.domain)
        assert remote_cleo.display_name == "Cleo Ink" and remote_cleo.locked
        assert remote_cleo.fields_json[0]["name"] == "Shop"
        # a URL field travels as a rel="me" link, as Mastodon sends one (others can verify it)
        assert remote_cleo.fields_json[0]["value"].startswith('<a href="https://cleo.example" rel="me ')


async def test_block_ends_follows_on_both_sides(peers):
    a, b = peers
    await user(a, "max")
    await user(b, "nia")
    await follow(a, "max", b, "nia")
    await exchange(a, b, a)
    async with b.open() as services:
        nia = await Account.get(username="nia", domain=None)
        max_ = await Account.get(username="max", domain=a.domain)
        await social.block(services, nia, max_)
        assert not await Follow.filter(target_id=nia.id).exists()
    await exchange(b, a)
    async with a.open():
        assert await Block.filter(account__username="nia", target__username="max").exists()
        assert not await Follow.filter(follower__username="max").exists()


async def test_remote_ai_policy_applies_to_received_works(peers):
    a, b = peers  # A keeps the default [ai] remote_ai_verdict = "hide"
    await user(a, "ari")
    await user(b, "bex")
    await follow(a, "ari", b, "bex")
    await exchange(a, b, a)
    async with b.open() as services:
        bex = await Account.get(username="bex", domain=None)
        declared = await works.create_work(services, bex, title="Gen", content_source="x",
                                           ai_declaration="generated")
        tagged = await works.create_work(services, bex, title="Tag", content_source="#midjourney")
        plain = await works.create_work(services, bex, title="Oil", content_source="oil")
    await exchange(b, a)
    async with a.open():
        got = {w.ap_id: w for w in await Work.filter(account__username="bex")}
        assert got[declared.ap_id].ai_label and got[declared.ap_id].hidden
        assert got[declared.ap_id].ai_declaration == "generated"
        assert got[tagged.ap_id].ai_label and got[tagged.ap_id].hidden
        assert not got[plain.ap_id].ai_label and not got[plain.ap_id].hidden
