"""Update and Undo reach everyone who received the original, not only today's followers:
a follower who left after a work went out still gets its edits, and everyone an Announce
went to (the booster's followers then, the boosted artist) gets its Undo. Checked on the
recorded recipients (OutboxActivity.delivered_to) and the queued `outbox.deliver` jobs."""

from __future__ import annotations

from instance.actions import editing, social, works
from instance.storage.models import Account, Boost, Follow, OutboxActivity, Work
from tests.test_actions import deliveries, local, remote


async def sent(activity: OutboxActivity) -> list[str]:
    """Where `activity` went: its recorded recipients, which must match its jobs."""
    recorded = sorted(activity.delivered_to)
    assert await deliveries(activity) == recorded
    return recorded


async def follows(follower: Account, target: Account) -> None:
    await Follow.create(follower=follower, target=target, state="accepted")


async def test_edits_reach_a_follower_who_left_after_the_create(services):
    artist = await local(services, "ada")
    left, stayed = await remote("x", "one.example"), await remote("y", "two.example", shared=False)
    for follower in (left, stayed):
        await follows(follower, artist)
    work = await works.create_work(services, artist, title="Fox", content_source="A fox")
    create = await OutboxActivity.get(activity_type="Create")
    assert await sent(create) == ["https://one.example/inbox", "https://two.example/users/y/inbox"]
    await Follow.filter(follower=left).delete()  # unfollowed after receiving the work
    await follows(await remote("z", "three.example"), artist)  # followed since

    await editing.edit_work(services, artist, work.id, title="Red fox")
    update = await OutboxActivity.get(activity_type="Update")
    assert update.object_ap_id == work.ap_id and update.document["object"]["name"] == "Red fox"
    assert await sent(update) == ["https://one.example/inbox", "https://three.example/inbox",
                                  "https://two.example/users/y/inbox"]

    await editing.edit_work(services, artist, work.id, title="Red fox, again")
    latest = (await OutboxActivity.filter(activity_type="Update").order_by("-id"))[0]
    assert latest.id != update.id
    assert await sent(latest) == await sent(update)


async def test_unboost_reaches_everyone_the_announce_went_to(services):
    booster = await local(services, "bo")
    painter = await remote("pa", "four.example")
    work = await Work.create(ap_id="https://four.example/works/1", account=painter, local=False,
                             visibility="public")
    left, stayed = await remote("x", "one.example"), await remote("y", "two.example", shared=False)
    for follower in (left, stayed):
        await follows(follower, booster)
    boost = await social.boost(services, booster, work)
    announce = await OutboxActivity.get(activity_type="Announce")
    assert announce.object_ap_id == boost.ap_id
    assert await sent(announce) == ["https://four.example/inbox", "https://one.example/inbox",
                                    "https://two.example/users/y/inbox"]
    await Follow.filter(follower=left).delete()
    await follows(await remote("z", "three.example"), booster)

    await social.unboost(services, booster, work)
    assert not await Boost.exists() and (await Work.get(id=work.id)).boosts_count == 0
    undo = await OutboxActivity.get(activity_type="Undo")
    assert undo.document["object"]["id"] == boost.ap_id
    assert undo.document["object"]["type"] == "Announce"
    assert await sent(undo) == ["https://four.example/inbox", "https://one.example/inbox",
                                "https://three.example/inbox", "https://two.example/users/y/inbox"]


async def test_unboost_of_a_local_work_reaches_the_followers_who_got_the_boost(services):
    booster, artist = await local(services, "bo"), await local(services, "ada")
    work = await works.create_work(services, artist, title="Fox", content_source="A fox")
    left = await remote("x", "one.example")
    await follows(left, booster)
    await social.boost(services, booster, work)
    await Follow.filter(follower=left).delete()
    await social.unboost(services, booster, work)
    undo = await OutboxActivity.get(activity_type="Undo")
    assert await sent(undo) == ["https://one.example/inbox"]  # the local artist needs no HTTP
