"""Local actions change storage and write the right activity plus one delivery job per
distinct remote inbox, in one transaction; local-to-local needs no HTTP."""

from __future__ import annotations

from instance.actions import publishing, social, works
from instance.actors.accounts import create_local_user
from instance.storage.models import (
    Account,
    Follow,
    Job,
    MediaAttachment,
    Notification,
    OutboxActivity,
    Work,
)


async def local(services, name: str, locked: bool = False) -> Account:
    user = await create_local_user(services.urls, name, "correct horse battery")
    account = await Account.get(id=user.account_id)
    if locked:
        account.locked = True
        await account.save()
    return account


async def remote(name: str, host: str, shared: bool = True) -> Account:
    base = f"https://{host}/users/{name}"
    return await Account.create(
        ap_id=base, username=name, domain=host, inbox_url=f"{base}/inbox",
        shared_inbox_url=f"https://{host}/inbox" if shared else None,
        followers_url=f"{base}/followers", public_key_id=f"{base}#main-key",
    )


async def deliveries(activity: OutboxActivity) -> list[str]:
    jobs = await Job.filter(kind="outbox.deliver").all()
    return sorted(j.payload["inbox"] for j in jobs if j.payload["activity"] == activity.id)


async def test_publish_reaches_each_distinct_inbox_once(services):
    artist = await local(services, "ada")
    fan = await local(services, "fan")
    a1, a2 = await remote("x", "one.example"), await remote("y", "one.example")
    solo = await remote("z", "two.example", shared=False)
    for follower in (a1, a2, solo, fan):
        await Follow.create(follower=follower, target=artist, state="accepted")
    work = await works.create_work(
        services, artist, title="Study", content_source="Ink on paper #Ink <b>x</b> @fan",
    )
    assert work.state == "ready" and work.published_at is not None
    assert "<b>" not in work.content and "&lt;b&gt;" in work.content
    assert work.ap_id == f"http://art.test/users/ada/works/{work.id}"
    assert await work.tags.all().values_list("name", flat=True) == ["ink"]
    assert work.mentions == [fan.ap_id]
    assert await Notification.filter(recipient=fan, kind="mention", work_id=work.id).exists()
    create = await OutboxActivity.get(activity_type="Create")
    note = create.document["object"]
    assert note["name"] == "Study" and note["id"] == work.ap_id
    assert {"type": "Hashtag", "href": "http://art.test/tags/ink", "name": "#ink"} in note["tag"]
    assert await deliveries(create) == ["https://one.example/inbox", "https://two.example/users/z/inbox"]
    lanes = await Job.filter(kind="outbox.deliver").order_by("id").values_list("lane", flat=True)
    assert lanes == ["one.example", "two.example"]  # one lane per host: a worker caps each


async def test_work_waits_for_media_then_publishes_once(services):
    artist = await local(services, "bea")
    follower = await remote("x", "one.example")
    await Follow.create(follower=follower, target=artist, state="accepted")
    media = [await MediaAttachment.create(account=artist, state="processing") for _ in range(2)]
    work = await works.create_work(services, artist, title="Pair", content_source="two",
                                   media_ids=[m.id for m in media])
    assert work.state == "processing"
    assert not await publishing.publish_if_ready(services, work.id)
    await MediaAttachment.filter(id=media[0].id).update(state="ready")
    assert not await publishing.publish_if_ready(services, work.id)
    await MediaAttachment.filter(work_id=work.id).update(
        state="ready", description="alt", blurhash="LEHV6nWB2yk8pyo0adR*.7kCMdnj",
        variants={"display": {"jpeg": "ab/cd.jpg", "width": 800, "height": 600}})
    assert await publishing.publish_if_ready(services, work.id)
    assert not await publishing.publish_if_ready(services, work.id)
    creates = await OutboxActivity.filter(activity_type="Create")
    assert len(creates) == 1
    image = creates[0].document["object"]["attachment"][0]
    assert image["name"] == "alt" and image["url"] == "http://art.test/media/ab/cd.jpg"
    assert image["width"] == 800 and image["blurhash"].startswith("LEHV")
    assert (await Work.get(id=work.id)).state == "ready"


async def test_local_follow_of_locked_account_waits_for_approval(services):
    artist = await local(services, "cat", locked=True)
    fan = await local(services, "dan")
    follow = await social.follow(services, fan, artist)
    assert follow.state == "pending"
    assert await Notification.filter(recipient=artist, kind="follow_request").exists()
    await social.accept_follow(services, artist, fan)
    assert (await Follow.get(id=follow.id)).state == "accepted"
    assert (await Account.get(id=artist.id)).followers_count == 1
    assert not await OutboxActivity.exists()  # local to local: nothing to send


async def test_remote_follow_like_and_undo_are_sent(services):
    fan = await local(services, "eve")
    artist = await remote("pix", "far.example", shared=False)
    follow = await social.follow(services, fan, artist)
    assert follow.state == "pending"
    sent = await OutboxActivity.get(activity_type="Follow")
    assert sent.document["object"] == artist.ap_id
    assert await deliveries(sent) == [artist.inbox_url]
    work = await Work.create(ap_id="https://far.example/notes/1", account=artist, local=False)
    await social.like(services, fan, work)
    await social.unlike(services, fan, work)
    undo = await OutboxActivity.get(activity_type="Undo")
    assert undo.document["object"]["type"] == "Like"
    assert await deliveries(undo) == [artist.inbox_url]
    assert (await Work.get(id=work.id)).likes_count == 0


async def test_delete_reaches_everyone_who_got_the_work(services):
    artist = await local(services, "fay")
    gone = await remote("x", "one.example")
    await Follow.create(follower=gone, target=artist, state="accepted")
    work = await works.create_work(services, artist, title="T", content_source="c")
    await Follow.filter(follower=gone).delete()  # unfollowed after receiving it
    stay = await remote("y", "two.example")
    await Follow.create(follower=stay, target=artist, state="accepted")
    await works.delete_work(services, artist, work.id)
    delete = await OutboxActivity.get(activity_type="Delete")
    assert delete.document["object"] == {"id": work.ap_id, "type": "Tombstone"}
    assert await deliveries(delete) == ["https://one.example/inbox", "https://two.example/inbox"]


async def test_block_ends_follows_both_ways(services):
    artist = await local(services, "gus")
    troll = await remote("t", "bad.example")
    await Follow.create(follower=troll, target=artist, state="accepted")
    await social.block(services, artist, troll)
    assert not await Follow.exists()
    block = await OutboxActivity.get(activity_type="Block")
    assert await deliveries(block) == [troll.inbox_url]
