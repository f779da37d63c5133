"""The job board across two real Impasto instances over loopback HTTP with real
signatures, on SQLite and PostgreSQL: B's board follows A's jobs actor (@jobs@A), a
listing opened on A reaches B's "other servers" tab with every structured field equal,
an artist on B applies with two works, the poster on A sees the application and its
links, A closes the listing and B shows it closed, A removes it and B drops it."""

from __future__ import annotations

import httpx
import pytest

from federation.client import FetchError
from federation.joblisting import ListingDoc
from federation.vocab import AP_ACCEPT
from instance.actions import works
from instance.actors.accounts import create_local_user
from instance.actors.remote import fetch_document
from instance.jobboard import applications, board, listings
from instance.jobboard.availability import set_availability
from instance.jobboard.federate import follow_board
from instance.storage.models import (
    Account,
    Follow,
    InboxItem,
    JobApplication,
    JobListing,
    ListingState,
    OutboxActivity,
    Report,
    User,
    Work,
)
from tests.federation_e2e.test_two_instances import PASSWORD, exchange, user
from tests.web.test_auth_pages import csrf, login

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("federation_e2e")]

LISTING = {
    "title": "Background painter for an animated short",
    "description": "Twelve *painted* backgrounds in gouache, for a 9-minute short.",
    "organisation_name": "Heron Studio", "organisation_url": "https://heron.example/",
    "kind": "contract", "location_mode": "hybrid", "city": "Lyon", "country": "France",
    "time_zones": "UTC+1 ± 3h", "pay_min": "300", "pay_max": "450", "pay_currency": "EUR",
    "pay_period": "day", "skills": "background painting, layout", "mediums": "gouache, digital",
    "deadline": "2027-03-31", "no_ai_work": "on", "no_ai_training": "on",
}


async def test_listing_travels_and_applications_cross(peers):
    a, b = peers
    await user(a, "heronstudio")
    await user(b, "ines")
    async with b.open() as services:
        await create_local_user(services.urls, "bea", PASSWORD, role="admin")
    with httpx.Client(base_url=b.url) as admin:  # B's admin follows A's board from the tab
        assert login(admin, "bea", PASSWORD).status_code == 302
        token = csrf(admin, "/jobs?origin=other")
        sent = admin.post("/jobs/boards/follow", data={"csrf_token": token,
                                                       "board": f"jobs@{a.domain}"})
        assert sent.status_code == 302
        assert f"@jobs@{a.domain}</a> (waiting for an answer)" in admin.get(
            "/jobs?origin=other").text
    await exchange(b, a, b)  # Follow → A's jobs actor; Accept → B
    async with a.open():
        board_actor = await Account.get(username="jobs.board", domain=None)
        assert await Follow.filter(target_id=board_actor.id, follower__domain=b.domain,
                                   state="accepted").count() == 1  # the peers are shared
    async with b.open():
        assert (await Follow.get(target__username="jobs", target__domain=a.domain)).state == "accepted"

    async with a.open() as services:
        poster = await User.get(account__username="heronstudio", account__domain=None)
        opened = await listings.create_listing(services, poster, LISTING, publish=True)
        listing_id, ap_id = opened.id, opened.ap_id
        here = ListingDoc.from_row(opened, ap_id="", attributed_to="", url="", published=None,
                                   updated=None).columns()
    await exchange(a, b)  # the jobs actor's Announce → B

    async with b.open() as services:
        got = await JobListing.get(ap_id=ap_id).prefetch_related("poster")
        remote_id = got.id
        there = ListingDoc.from_row(got, ap_id="", attributed_to="", url="", published=None,
                                    updated=None).columns()
        assert there == here  # every structured field, the description's HTML included
        assert got.local is False and got.poster.ap_id == f"{a.url}/users/heronstudio"
        assert got.url == f"{a.url}/jobs/{listing_id}"
        other, _ = await board.board_page(board.BoardFilter(origin="other"), 1)
        assert [row.ap_id for row in other] == [ap_id]
        mine, _ = await board.board_page(board.BoardFilter(), 1)
        assert ap_id not in [row.ap_id for row in mine]
    with httpx.Client(base_url=b.url) as anyone:
        tab = anyone.get("/jobs?origin=other").text
        assert LISTING["title"] in tab and f"on {a.domain}" in tab and "300–450 EUR per day" in tab
        assert LISTING["title"] not in anyone.get("/jobs").text
    async with b.open() as services:

        ines = await User.get(account__username="ines", account__domain=None)
        account = await Account.get(id=ines.account_id)
        sky = await works.create_work(services, account, title="Sky study", content_source="Oil")
        reeds = await works.create_work(services, account, title="Reeds", content_source="Ink")
        sent = await applications.apply(services, ines, got.id, message="I paint skies daily.",
                                        work_ids=[sky.id, reeds.id], contact="ines@b.example")
        work_urls = [(await Work.get(id=w.id)).url for w in (sky, reeds)]
        stored = await JobApplication.get(id=sent.id)
        assert stored.ap_id == f"{b.url}/users/ines/applications/{sent.id}"
        assert stored.links == work_urls and all(work_urls)
    await exchange(b, a)

    async with a.open():
        poster = await User.get(account__username="heronstudio", account__domain=None)
        listing, received = await applications.for_listing(poster, listing_id)
        assert len(received) == 1 and listing.applications_count == 1
        application = received[0]
        assert application.applicant.ap_id == f"{b.url}/users/ines"
        assert "I paint skies daily." in application.message
        assert application.links == work_urls
        assert application.ap_id == f"{b.url}/users/ines/applications/{sent.id}"
    with httpx.Client(base_url=a.url) as studio:
        assert login(studio, "heronstudio", PASSWORD).status_code == 302
        page = studio.get(f"/jobs/{listing_id}/applications").text
        assert "I paint skies daily." in page and all(url in page for url in work_urls)
        token = csrf(studio, f"/jobs/{listing_id}/applications")
        answered = studio.post(f"/jobs/applications/{application.id}/reply", data={
            "csrf_token": token, "reply": "Lovely skies. Are you free in March?"})
        assert answered.status_code == 302
    await exchange(a, b)  # the poster's reply goes back to B as a direct reply
    async with b.open():
        mine = await JobApplication.get(id=sent.id)
        assert "Lovely skies. Are you free in March?" in mine.reply and mine.replied_at

    with httpx.Client(base_url=b.url) as artist:  # a report, forwarded to A as a Flag
        assert login(artist, "ines", PASSWORD).status_code == 302
        token = csrf(artist, f"/jobs/{remote_id}/report")
        done = artist.post(f"/jobs/{remote_id}/report", data={
            "csrf_token": token, "category": "spam", "comment": "Asks for unpaid tests",
            "forward": "on"})
        assert done.status_code == 200 and "moderators will look" in done.text
    await exchange(b, a)
    async with a.open():
        flagged = await Report.get(target__username="heronstudio", target__domain=None)
        assert f"Job listing: {a.url}/jobs/{listing_id}" in flagged.comment
        assert "Asks for unpaid tests" in flagged.comment
    async with b.open():
        filed = await Report.get(target__username="heronstudio", target__domain=a.domain)
        assert filed.category == "spam" and f"/jobs/{remote_id}" in filed.comment

    async with a.open() as services:
        poster = await User.get(account__username="heronstudio", account__domain=None)
        await listings.close_listing(services, poster, listing_id)
    await exchange(a, b)
    async with b.open():
        closed = await JobListing.get(ap_id=ap_id)
        assert closed.state == ListingState.CLOSED and closed.closed_at is not None
        assert (await board.readable_listing(closed.id, None)).state == "closed"
        other, _ = await board.board_page(board.BoardFilter(origin="other"), 1)
        assert other == []
        closed_id = closed.id
    with httpx.Client(base_url=b.url) as anyone:
        page = anyone.get(f"/jobs/{closed_id}")
        assert page.status_code == 200 and "closed" in page.text.lower()

    async with a.open() as services:
        await listings.remove_listing(services, await JobListing.get(id=listing_id), "spam")
    await exchange(a, b)
    async with b.open():
        gone = await JobListing.get(ap_id=ap_id)
        assert gone.state == ListingState.REMOVED
        with pytest.raises(listings.ListingNotFound):
            await board.readable_listing(gone.id, None)
        assert not await JobApplication.filter(listing_id=gone.id).exists()
    with httpx.Client(base_url=b.url) as anyone:
        assert anyone.get(f"/jobs/{closed_id}").status_code == 404


async def test_listing_document_and_jobs_actor_are_served(peers):
    a, b = peers
    await user(a, "kestrel")
    async with httpx.AsyncClient() as http:
        jrd = (await http.get(f"{a.url}/.well-known/webfinger",
                              params={"resource": f"acct:jobs@{a.domain}"})).json()
        assert jrd["subject"] == f"acct:jobs@{a.domain}"
        actor_url = next(link["href"] for link in jrd["links"] if link.get("rel") == "self")
        actor = (await http.get(actor_url, headers={"Accept": AP_ACCEPT})).json()
        assert actor["type"] == "Service" and actor["preferredUsername"] == "jobs"
        assert actor["inbox"] == f"{a.url}/services/jobs/inbox"
    async with a.open() as services:
        poster = await User.get(account__username="kestrel", account__domain=None)
        await set_availability(poster.account_id, "work", ["contract"])
        opened = await listings.create_listing(services, poster, {
            **LISTING, "title": "Poster artist", "pay_on_request": "on"}, publish=True)
        draft = await listings.create_listing(services, poster, LISTING, publish=False)
    async with httpx.AsyncClient() as http:
        unsigned = await http.get(opened.ap_id, headers={"Accept": AP_ACCEPT})
        assert unsigned.status_code == 401  # A runs in authorized-fetch mode
        outbox = (await http.get(f"{a.url}/services/jobs/outbox?page=true",
                                 headers={"Accept": AP_ACCEPT})).json()
        announced = [item["object"]["id"] for item in outbox["orderedItems"]]
        assert opened.ap_id in announced
    async with b.open() as services:  # fetched as peers do: signed by B's instance actor
        note = await fetch_document(services, opened.ap_id)
        assert note["type"] == "Note" and note["name"] == "Poster artist"
        assert "Pay on request" in note["content"] and note["payOnRequest"] is True
        assert note["url"] == f"{a.url}/jobs/{opened.id}"
        with pytest.raises(FetchError) as refused:
            await fetch_document(services, draft.ap_id)
        assert refused.value.status == 404
        person = await fetch_document(services, f"{a.url}/users/kestrel")
        assert {"type": "PropertyValue", "name": "Availability",
                "value": "Open to work · contract"} in person["attachment"]


async def test_malformed_listing_is_dropped_with_a_reason(peers):
    """A listing whose pay figure is text (not a number) never reaches B's table."""
    a, b = peers
    async with b.open() as services:
        await follow_board(services, f"jobs@{a.domain}")  # a no-op once followed
    await exchange(b, a, b)
    await user(a, "plover")
    async with a.open() as services:
        poster = await User.get(account__username="plover", account__domain=None)
        opened = await listings.create_listing(services, poster, {**LISTING, "title": "Bad"},
                                               publish=True)
        rows = await OutboxActivity.filter(object_ap_id=opened.ap_id, activity_type="Announce")
        for row in rows:  # corrupt what is about to be delivered
            row.document["object"]["baseSalary"]["value"]["minValue"] = "three hundred"
            await row.save(update_fields=["document"])
    await exchange(a, b)
    async with b.open():
        assert not await JobListing.filter(ap_id=opened.ap_id).exists()
        item = await InboxItem.filter(activity_type="Announce").order_by("-id").first()
        assert item is not None and item.state == "dropped"
        assert item.reason == "malformed listing: minValue is not a whole number"
