"""Listings and applications arriving from other servers, run through the `inbox.process`
job in-process (no HTTP): the `[jobboard] remote_listings` setting, approval holds,
domain policy at the door (suspended never stored, silenced off the "other servers"
tab), only the poster edits or deletes, and direct replies recorded as applications
under the same rules as local ones. SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from federation.documents import with_context
from federation.joblisting import ListingDoc, listing_to_note
from instance.actions import social
from instance.actors.accounts import AccountError, create_local_user
from instance.jobboard import applications, board, listings
from instance.moderation.blocklist_formats import BlockEntry
from instance.moderation.domains import block_domain
from instance.storage import db
from instance.storage.models import (
    Account,
    Follow,
    JobApplication,
    JobListing,
    OutboxActivity,
    User,
    Work,
)
from tests.federation.test_joblisting import full_listing
from tests.rig.databases import migrate_for
from tests.rig.loopback import loopback_server
from tests.rig.processes import impasto_env, run_cli
from tests.rig.services import built_services
from tests.test_actions import deliveries, local, remote
from tests.test_inbox_handlers import PUBLIC, receive

HOST = "far.example"


def remote_note(poster: Account, number: int = 1, **changes) -> dict:
    doc = full_listing(ap_id=f"{poster.ap_id}/listings/{number}", attributed_to=poster.ap_id,
                       url=f"https://{HOST}/jobs/{number}", **changes)
    return listing_to_note(doc, followers_url=f"{poster.ap_id}/followers",
                           tag_url=f"https://{HOST}/jobs?tag=")


def configure(services, **settings) -> None:
    services.config = replace(services.config,
                              jobboard=replace(services.config.jobboard, **settings))


async def other_tab() -> list[str]:
    rows, _ = await board.board_page(board.BoardFilter(origin="other"), 1)
    return [r.ap_id for r in rows]


async def test_followed_mode_takes_listings_of_followed_posters_only(services):
    poster = await remote("studio", HOST)
    item = await receive(services, poster, "Create", remote_note(poster))
    assert item.state == "dropped" and "nobody here follows" in item.reason
    fan = await local(services, "fan")
    follow = await social.follow(services, fan, poster)
    await receive(services, poster, "Accept", follow.ap_id)
    note = remote_note(poster)
    assert (await receive(services, poster, "Create", note)).state == "processed"
    stored = await JobListing.get(ap_id=note["id"])
    expected = full_listing(description=full_listing().description)
    assert ListingDoc.from_row(stored, ap_id="", attributed_to="", url="", published=None,
                               updated=None).columns() == expected.columns()
    assert stored.local is False and not stored.held
    assert await other_tab() == [note["id"]]


async def test_all_mode_hold_and_off(services):
    poster = await remote("studio", HOST)
    configure(services, remote_listings="all", hold_remote_listings=True)
    note = remote_note(poster)
    assert (await receive(services, poster, "Create", note)).state == "processed"
    held = await JobListing.get(ap_id=note["id"])
    assert held.held and await other_tab() == []
    held.held = False  # a moderator approves it
    await held.save()
    assert await other_tab() == [note["id"]]
    late = remote_note(poster, 3, deadline=datetime(2020, 1, 1, tzinfo=UTC))
    assert (await receive(services, poster, "Create", late)).state == "processed"
    assert await JobListing.get(ap_id=late["id"])  # stored (its server may still update it)
    assert late["id"] not in await other_tab()  # but past its deadline: not on the tab
    configure(services, remote_listings="off")
    item = await receive(services, poster, "Create", remote_note(poster, 2))
    assert item.state == "dropped" and "remote_listings" in item.reason
    assert not await JobListing.filter(ap_id=remote_note(poster, 2)["id"]).exists()


async def test_domain_policy_at_the_door(services):
    configure(services, remote_listings="all")
    loud = await remote("studio", "loud.example")
    banned = await remote("scam", "banned.example")
    await block_domain(BlockEntry("loud.example", severity="silence"))
    await block_domain(BlockEntry("banned.example", severity="suspend"))
    silenced_note, banned_note = remote_note(loud), remote_note(banned)
    assert (await receive(services, loud, "Create", silenced_note)).state == "processed"
    stored = await JobListing.get(ap_id=silenced_note["id"])
    assert await other_tab() == []  # stored, readable by link, never on the tab
    assert (await board.readable_listing(stored.id, None)).id == stored.id
    item = await receive(services, banned, "Create", banned_note)
    assert item.state == "dropped" and "suspended" in item.reason
    assert not await JobListing.filter(ap_id=banned_note["id"]).exists()


async def test_only_the_poster_updates_or_deletes(services):
    configure(services, remote_listings="all")
    poster = await remote("studio", HOST)
    other = await remote("mallory", HOST)
    note = remote_note(poster)
    await receive(services, poster, "Create", note)
    forged = {**note, "title": "Forged"}
    item = await receive(services, other, "Update", forged)
    assert item.state == "dropped" and "only the poster" in item.reason
    assert (await receive(services, other, "Delete", note["id"])).state == "dropped"
    closed = {**remote_note(poster), "listingState": "closed",
              "updated": "2026-12-05T10:00:00Z"}
    assert (await receive(services, poster, "Update", closed)).state == "processed"
    stored = await JobListing.get(ap_id=note["id"])
    assert stored.state == "closed" and stored.closed_at == datetime(2026, 12, 5, 10, tzinfo=UTC)
    assert stored.title == note["title"]
    assert (await receive(services, poster, "Delete", note["id"])).state == "processed"
    assert (await JobListing.get(ap_id=note["id"])).state == "removed"
    late = await receive(services, poster, "Create", note)  # a late copy cannot revive it
    assert late.state == "dropped" and (await JobListing.get(ap_id=note["id"])).state == "removed"


async def test_malformed_remote_listing_is_dropped_whole(services):
    configure(services, remote_listings="all")
    poster = await remote("studio", HOST)
    note = remote_note(poster)
    note["baseSalary"]["currency"] = "€"
    item = await receive(services, poster, "Create", note)
    assert item.state == "dropped" and item.reason == "malformed listing: currency is not a three-letter code"
    assert not await JobListing.exists()
    forged = {**remote_note(poster), "attributedTo": f"https://{HOST}/users/someone"}
    item = await receive(services, poster, "Create", forged)
    assert item.state == "dropped" and "only the poster" in item.reason
    assert not await JobListing.exists()


@pytest.fixture
async def local_listing(services):
    studio = await local(services, "studio")
    poster = await User.get(account_id=studio.id)
    listing = await listings.create_listing(services, poster, {
        "title": "Inker", "description": "Ink forty pages.", "pay_on_request": "on"},
        publish=True)
    return studio, poster, listing


def reply(artist: Account, listing: JobListing, poster: Account, number: int = 1, **changes):
    return {"id": f"{artist.ap_id}/statuses/{number}", "type": "Note",
            "attributedTo": artist.ap_id, "inReplyTo": listing.ap_id, "to": [poster.ap_id],
            "content": "<p>I ink comics <script>x</script></p>",
            "attachment": [{"type": "Document", "mediaType": "image/jpeg",
                            "url": f"https://{HOST}/media/page1.jpg"}], **changes}


async def test_direct_replies_become_applications(services, local_listing):
    studio, poster, listing = local_listing
    artist = await remote("kim", HOST)
    public = await receive(services, artist, "Create", reply(artist, listing, studio, to=[PUBLIC]))
    assert public.state == "dropped" and "comment, not an application" in public.reason
    item = await receive(services, artist, "Create", reply(artist, listing, studio, 2))
    assert item.state == "processed"
    application = await JobApplication.get(listing_id=listing.id)
    assert application.applicant_id == artist.id
    assert application.message == "<p>I ink comics </p>"
    assert application.links == [f"https://{HOST}/media/page1.jpg"]
    assert (await JobListing.get(id=listing.id)).applications_count == 1
    again = await receive(services, artist, "Create", reply(artist, listing, studio, 3))
    assert again.state == "dropped" and "already applied" in again.reason
    await listings.close_listing(services, poster, listing.id)
    late = await remote("lee", HOST)
    closed = await receive(services, late, "Create", reply(late, listing, studio, 4))
    assert closed.state == "dropped" and "not open" in closed.reason
    assert await JobApplication.filter(listing_id=listing.id).count() == 1


@pytest.mark.slow
async def test_cli_releases_or_rejects_a_held_listing_and_explains_a_missing_board(tmp_path):
    url = f"sqlite://{tmp_path / 'impasto.sqlite3'}"
    env = impasto_env(url, tmp_path, JOBBOARD_HOLD_REMOTE_LISTINGS="true",
                      JOBBOARD_REMOTE_LISTINGS="all")
    migrate_for(env)
    await db.connect(url)
    try:
        async for services in built_services(url, tmp_path, jobboard_hold_remote_listings="true",
                                             jobboard_remote_listings="all"):
            poster = await remote("studio", HOST)
            await receive(services, poster, "Create", remote_note(poster))
            await receive(services, poster, "Create", remote_note(poster, 2, title="A fee first"))
            held, scam = await JobListing.filter(local=False).order_by("id")
            assert held.held and scam.held
    finally:
        await db.disconnect()
    rejected = run_cli(["jobs-board", "reject", str(scam.id), "--reason", "asks for a fee"], env)
    assert rejected.returncode == 0, rejected.stderr
    assert "A fee first" not in run_cli(["jobs-board", "list"], env).stdout
    assert run_cli(["jobs-board", "release", str(scam.id)], env).returncode != 0
    assert "(held for approval)" in run_cli(["jobs-board", "list"], env).stdout
    released = run_cli(["jobs-board", "release", str(held.id)], env)
    assert released.returncode == 0, released.stderr
    again = run_cli(["jobs-board", "release", str(held.id)], env)
    assert again.returncode != 0 and f"No held listing from another server with id {held.id}" \
        in again.stderr
    assert "(held for approval)" not in run_cli(["jobs-board", "list"], env).stdout
    nowhere = run_cli(["jobs-board", "follow", "jobs@127.0.0.1:9"], env)
    assert nowhere.returncode != 0 and "No job board found at 'jobs@127.0.0.1:9'" in nowhere.stderr


async def test_applying_to_a_remote_listing_and_the_posters_answer(services):
    configure(services, remote_listings="all")
    poster = await remote("studio", HOST)
    note = remote_note(poster)
    await receive(services, poster, "Create", note)
    listing = await JobListing.get(ap_id=note["id"])
    artist = await local(services, "ines")
    user = await User.get(account_id=artist.id)
    sent = await applications.apply(services, user, listing.id, message="Skies are my thing.",
                                    contact="ines@art.test")
    stored = await JobApplication.get(id=sent.id)
    assert stored.ap_id == f"{artist.ap_id}/applications/{sent.id}"
    create = await OutboxActivity.get(account_id=artist.id, activity_type="Create",
                                      object_ap_id=stored.ap_id)
    reply = create.document["object"]
    assert create.document["to"] == [poster.ap_id] and reply["to"] == [poster.ap_id]
    assert reply["inReplyTo"] == listing.ap_id and "Skies are my thing." in reply["content"]
    assert "ines@art.test" in reply["content"] and PUBLIC not in str(create.document)
    assert await deliveries(create) == [f"https://{HOST}/inbox"]

    answer = {"id": f"{poster.ap_id}/statuses/9", "type": "Note", "attributedTo": poster.ap_id,
              "inReplyTo": stored.ap_id, "to": [artist.ap_id],
              "content": "<p>@ines Thanks!</p><p>Call on Monday?</p>"}
    mallory = await remote("mallory", HOST)
    forged = {**answer, "id": f"{mallory.ap_id}/statuses/1", "attributedTo": mallory.ap_id}
    item = await receive(services, mallory, "Create", forged)
    assert item.state == "dropped" and "only the listing's poster" in item.reason
    assert (await receive(services, poster, "Create", answer)).state == "processed"
    answered = await JobApplication.get(id=sent.id)
    assert answered.reply == "@ines Thanks!\n\nCall on Monday?" and answered.replied_at


async def test_a_boosted_listing_lands_on_the_board_not_as_a_work(connected, tmp_path):
    """Someone here follows a booster; the boosted listing is fetched from its origin (a
    real loopback peer) and stored on the board, never as a work."""
    async for services in built_services(connected, tmp_path):  # reaches loopback peers
        async with loopback_server() as peer:
            poster, booster = [await Account.create(
                ap_id=peer.url(f"/users/{name}"), username=name, domain=f"127.0.0.1:{peer.port}",
                inbox_url=peer.url(f"/users/{name}/inbox"),
                public_key_id=peer.url(f"/users/{name}#main-key")) for name in ("studio", "kim")]
            fan = await local(services, "fan")
            await Follow.create(ap_id=f"{fan.ap_id}#follows/1", follower_id=fan.id,
                                target_id=booster.id, state="accepted")
            doc = full_listing(ap_id=peer.url("/users/studio/listings/1"),
                               attributed_to=poster.ap_id, url=peer.url("/jobs/1"))
            note = listing_to_note(doc, followers_url=f"{poster.ap_id}/followers",
                                   tag_url=peer.url("/jobs?tag="))
            peer.documents["/users/studio/listings/1"] = with_context(note)
            item = await receive(services, booster, "Announce", note["id"])
            assert item.state == "processed", item.reason
            assert (await JobListing.get(ap_id=note["id"])).poster_id == poster.id
            assert not await Work.filter(ap_id=note["id"]).exists()
            assert peer.paths == ["/users/studio/listings/1"]
            again = await receive(services, booster, "Announce", note["id"])
            assert again.state == "dropped"


async def test_the_jobs_actors_name_is_reserved(services):
    """acct:jobs@domain is the board's actor: no artist may take the name."""
    with pytest.raises(AccountError, match="reserved"):
        await create_local_user(services.urls, "Jobs", "correct horse battery")
