"""An artist's availability federates as a profile field ("Availability"), which Mastodon
shows among the fields: sent in an Update{Person} to followers when it changes, kept when
the profile is edited, gone when the artist says nothing. SQLite and PostgreSQL."""

from __future__ import annotations

from instance.actions import social
from instance.jobboard.availability import set_availability
from instance.jobboard.federate import availability_changed
from instance.storage.models import Follow, OutboxActivity
from tests.test_actions import deliveries, local, remote


async def latest_fields(account_id: int) -> tuple[OutboxActivity, dict[str, str]]:
    update = await OutboxActivity.filter(account_id=account_id, activity_type="Update") \
        .order_by("-id").first()
    assert update is not None
    return update, {f["name"]: f["value"] for f in update.document["object"]["attachment"]}


async def test_availability_is_a_federated_profile_field(services):
    artist = await local(services, "ines")
    fan = await remote("kim", "far.example")
    await Follow.create(ap_id="https://far.example/follows/1", follower_id=fan.id,
                        target_id=artist.id, state="accepted")
    await social.update_profile(services, artist, fields_json=[
        {"name": "Shop", "value": "https://ines.example"}])
    await set_availability(artist.id, "commissions", ["commission", "freelance"], 200, 800, "eur")
    await availability_changed(services, artist.id)
    update, fields = await latest_fields(artist.id)
    assert fields == {  # a URL field goes out as Mastodon sends one: a rel="me" link
        "Shop": '<a href="https://ines.example" rel="me nofollow noopener noreferrer" '
                'target="_blank">https://ines.example</a>',
        "Availability": "Open for commissions · commission, freelance · 200–800 EUR"}
    assert await deliveries(update) == ["https://far.example/inbox"]

    await social.update_profile(services, artist, display_name="Ines Ink")  # kept
    assert (await latest_fields(artist.id))[1]["Availability"].startswith("Open for commissions")

    await set_availability(artist.id, "work", [], None, 500, "USD")
    await availability_changed(services, artist.id)
    assert (await latest_fields(artist.id))[1]["Availability"] == "Open to work · 500 USD"

    await set_availability(artist.id, "")
    await availability_changed(services, artist.id)
    assert "Availability" not in (await latest_fields(artist.id))[1]
