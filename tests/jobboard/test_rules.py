"""The job board's rules on storage (SQLite and PostgreSQL): what a listing must say,
its states, applying with works, the poster's marks, the per-day bounds, expiry by the
periodic job, and the board's filters. Every refusal leaves nothing stored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from instance.actions import works
from instance.actors.accounts import create_local_user
from instance.jobboard import applications, board, listings
from instance.jobboard.availability import AvailabilityError, set_availability
from instance.jobboard.fields import ListingError
from instance.storage.models import (
    Account,
    JobApplication,
    JobListing,
    ListingState,
    SavedListing,
    User,
)
from tests.rig.jobs import run_jobs_until_idle
from tests.rig.services import built_services


def soon(days: int = 30) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).date().isoformat()


def listing_form(**changes) -> dict:
    form = {"title": "Cover art for a picture book", "description": "Watercolour, 12 spreads.",
            "organisation_name": "Lantern Press", "organisation_url": "https://lantern.example",
            "kind": "commission", "location_mode": "remote", "time_zones": "UTC-1 to UTC+3",
            "pay_min": "2000", "pay_max": "3500", "pay_currency": "eur", "pay_period": "project",
            "skills": "illustration, Children's books", "mediums": "#Watercolour",
            "deadline": soon(), "no_ai_work": "on", "no_ai_training": "on"}
    form.update(changes)
    return form


async def user(services, name: str, role: str = "artist") -> User:
    made = await create_local_user(services.urls, name, "correct horse battery")
    if role != "artist":
        made.role = role
        await made.save()
    return await User.get(id=made.id).prefetch_related("account")


async def test_a_listing_is_stored_as_sent_and_opened(services):
    poster = await user(services, "studio")
    listing = await listings.create_listing(services, poster, listing_form(), publish=True)
    assert listing.state == ListingState.OPEN and listing.published_at is not None
    assert listing.ap_id == f"http://art.test/users/studio/listings/{listing.id}"
    assert listing.url == f"http://art.test/jobs/{listing.id}"
    stored = await JobListing.get(id=listing.id)
    assert (stored.pay_min, stored.pay_max, stored.pay_currency, stored.pay_period) == (
        2000, 3500, "EUR", "project")
    assert stored.skills == ["illustration", "children's books"]
    assert stored.mediums == ["watercolour"]
    assert stored.tags_index == ",illustration,children's books,watercolour,"
    assert stored.no_ai_work and stored.no_ai_training
    assert stored.description == "<p>Watercolour, 12 spreads.</p>"


@pytest.mark.parametrize(("changes", "message"), [
    ({"pay_min": "", "pay_max": ""}, "pay on request"),
    ({"pay_currency": ""}, "three-letter code"),
    ({"pay_period": ""}, "what the pay is per"),
    ({"pay_min": "500", "pay_max": "100"}, "below the lowest"),
    ({"pay_min": "-3"}, "whole number"),
    ({"deadline": "2001-01-01"}, "in the past"),
    ({"deadline": "next week"}, "a date like"),
    ({"description": "x" * 20001}, "longer than 20000"),
    ({"title": ""}, "needs a title"),
    ({"kind": "gig"}, "kind must be one of"),
    ({"location_mode": "on-site"}, "city or a country"),
    ({"apply_via": "url", "apply_target": "javascript:alert(1)"}, "web address"),
    ({"apply_via": "email", "apply_target": "nobody"}, "email address"),
    ({"organisation_url": "ftp://x"}, "web address"),
    ({"skills": ",".join(f"s{i}" for i in range(21))}, "at most 20"),
])
async def test_a_listing_that_breaks_a_rule_is_refused_and_not_stored(services, changes, message):
    poster = await user(services, "studio")
    with pytest.raises(ListingError, match=message) as refused:
        await listings.create_listing(services, poster, listing_form(**changes), publish=True)
    assert refused.value.status == 422
    assert await JobListing.all().count() == 0


async def test_pay_on_request_is_explicit_and_drops_figures(services):
    poster = await user(services, "studio")
    listing = await listings.create_listing(
        services, poster, listing_form(pay_min="", pay_max="", pay_on_request="on"), publish=True)
    assert listing.pay_on_request and listing.pay_min is None and listing.pay_currency == ""


async def test_states_move_as_declared(services):
    poster = await user(services, "studio")
    other = await user(services, "other")
    draft = await listings.create_listing(services, poster, listing_form(), publish=False)
    assert draft.state == ListingState.DRAFT and draft.published_at is None
    with pytest.raises(listings.ListingNotFound):
        await listings.open_listing(services, other, draft.id)
    await listings.edit_listing(services, poster, draft.id, listing_form(title="Two covers"))
    opened = await listings.open_listing(services, poster, draft.id)
    assert opened.state == ListingState.OPEN and opened.title == "Two covers"
    edited = await listings.edit_listing(services, poster, draft.id, listing_form(title="Three"))
    assert edited.edited_at is not None
    filled = await listings.close_listing(services, poster, draft.id, ListingState.FILLED)
    assert filled.state == ListingState.FILLED and filled.closed_at is not None
    with pytest.raises(listings.ListingStateError) as refused:
        await listings.edit_listing(services, poster, draft.id, listing_form())
    assert refused.value.status == 409
    with pytest.raises(listings.ListingStateError):
        await listings.close_listing(services, poster, draft.id)
    assert (await JobListing.get(id=draft.id)).title == "Three"


@pytest.mark.parametrize("rule", ["approved", "staff"])
async def test_who_may_post(connected, tmp_path, rule):
    async for services in built_services(connected, tmp_path, jobboard_posting=rule):
        artist = await user(services, "artist")
        mod = await user(services, "mod", role="moderator")
        with pytest.raises(listings.NotAllowedToPost) as refused:
            await listings.create_listing(services, artist, listing_form(), publish=True)
        assert refused.value.status == 403
        await listings.create_listing(services, mod, listing_form(), publish=True)
        artist.settings = {"jobboard_poster": True}
        if rule == "approved":
            await listings.create_listing(services, artist, listing_form(), publish=True)
        else:
            with pytest.raises(listings.NotAllowedToPost):
                await listings.create_listing(services, artist, listing_form(), publish=True)


async def test_posting_is_bounded_per_day(connected, tmp_path):
    async for services in built_services(connected, tmp_path, jobboard_listings_per_day="2"):
        poster = await user(services, "studio")
        for _ in range(2):
            await listings.create_listing(services, poster, listing_form(), publish=True)
        with pytest.raises(listings.TooManyListings) as refused:
            await listings.create_listing(services, poster, listing_form(), publish=True)
        assert refused.value.status == 429
        draft = await listings.create_listing(services, poster, listing_form(), publish=False)
        with pytest.raises(listings.TooManyListings):
            await listings.open_listing(services, poster, draft.id)
        assert await JobListing.filter(state=ListingState.OPEN).count() == 2


async def test_the_periodic_job_expires_listings_past_their_deadline(services):
    poster = await user(services, "studio")
    due = await listings.create_listing(services, poster, listing_form(), publish=True)
    later = await listings.create_listing(services, poster, listing_form(), publish=True)
    await JobListing.filter(id=due.id).update(deadline=datetime.now(UTC) - timedelta(minutes=1))
    await services.jobs.enqueue("jobboard.expire", {})
    assert await run_jobs_until_idle(services) == 1
    assert (await JobListing.get(id=due.id)).state == ListingState.EXPIRED
    assert (await JobListing.get(id=later.id)).state == ListingState.OPEN
    page, _ = await board.board_page(board.BoardFilter(), 1)
    assert [row.id for row in page] == [later.id]


async def published_work(services, account: Account, title: str) -> int:
    work = await works.create_work(services, account, title=title, content_source=title)
    return work.id


async def test_apply_with_works_then_the_poster_marks_and_replies(services):
    poster = await user(services, "studio")
    artist = await user(services, "ines")
    stranger = await user(services, "stranger")
    listing = await listings.create_listing(services, poster, listing_form(), publish=True)
    mine = [await published_work(services, artist.account, f"Study {i}") for i in range(2)]
    theirs = await published_work(services, stranger.account, "Not hers")
    with pytest.raises(applications.ApplicationError, match="your own published works"):
        await applications.apply(services, artist, listing.id, message="Hello",
                                 work_ids=[mine[0], theirs])
    with pytest.raises(applications.ApplicationError, match="at most 6"):
        await applications.apply(services, artist, listing.id, message="Hello",
                                 work_ids=list(range(1, 8)))
    with pytest.raises(applications.ApplicationError, match="Write a message"):
        await applications.apply(services, artist, listing.id, message="  ", work_ids=mine)
    with pytest.raises(applications.ApplicationError, match="your own listing"):
        await applications.apply(services, poster, listing.id, message="Me")
    assert await JobApplication.all().count() == 0
    sent = await applications.apply(services, artist, listing.id, message="I paint <b>books</b>",
                                    work_ids=mine, contact="ines@example.org")
    assert sent.work_ids == mine and "&lt;b&gt;" in sent.message
    with pytest.raises(applications.ApplicationError, match="already applied") as twice:
        await applications.apply(services, artist, listing.id, message="Again")
    assert twice.value.status == 409
    assert (await JobListing.get(id=listing.id)).applications_count == 1

    with pytest.raises(applications.ApplicationNotFound):
        await applications.mark(stranger, sent.id, "shortlisted")
    with pytest.raises(applications.ApplicationError, match="shortlisted or declined"):
        await applications.mark(poster, sent.id, "hired")
    await applications.mark(poster, sent.id, "shortlisted")
    await applications.reply(poster, sent.id, "Can you start in May?")
    (mine_now,) = await applications.mine(artist)
    assert (mine_now.state, mine_now.reply) == ("shortlisted", "Can you start in May?")
    seen, rows = await applications.for_listing(poster, listing.id)
    assert [r.id for r in rows] == [sent.id]
    with pytest.raises(listings.ListingNotFound):
        await applications.for_listing(stranger, listing.id)
    picked = await applications.works_of(rows)
    assert sorted(picked) == sorted(mine)

    await listings.close_listing(services, poster, listing.id)
    with pytest.raises(applications.ApplicationError, match="closed") as closed:
        await applications.apply(services, stranger, listing.id, message="Late")
    assert closed.value.status == 409


async def test_applications_are_bounded_per_artist_per_day(connected, tmp_path):
    async for services in built_services(connected, tmp_path, jobboard_applications_per_day="1"):
        poster = await user(services, "studio")
        artist = await user(services, "ines")
        first, second = [await listings.create_listing(services, poster, listing_form(),
                                                       publish=True) for _ in range(2)]
        await applications.apply(services, artist, first.id, message="One")
        with pytest.raises(applications.TooManyApplications) as refused:
            await applications.apply(services, artist, second.id, message="Two")
        assert refused.value.status == 429
        assert await JobApplication.all().count() == 1


async def test_an_outside_application_link_takes_no_form(services):
    poster = await user(services, "studio")
    artist = await user(services, "ines")
    listing = await listings.create_listing(services, poster, listing_form(
        apply_via="url", apply_target="https://lantern.example/apply"), publish=True)
    with pytest.raises(applications.ApplicationError, match="lantern.example/apply"):
        await applications.apply(services, artist, listing.id, message="Hi")


async def test_the_board_filters(services):
    poster = await user(services, "studio")
    make = listings.create_listing
    cover = await make(services, poster, listing_form(), publish=True)
    staff = await make(services, poster, listing_form(
        title="Concept artist", kind="full-time", location_mode="on-site", city="Lyon",
        country="France", pay_min="40000", pay_max="52000", pay_period="year",
        skills="concept art", mediums="digital", no_ai_work="", no_ai_training="",
        description="Creatures and props."), publish=True)
    asked = await make(services, poster, listing_form(
        title="Mural", pay_on_request="on", mediums="acrylic", kind="contract"), publish=True)
    await make(services, poster, listing_form(title="Secret draft"), publish=False)

    async def ids(**args) -> list[int]:
        rows, _ = await board.board_page(board.BoardFilter.read(args), 1)
        return [row.id for row in rows]

    assert await ids() == [asked.id, staff.id, cover.id]
    assert await ids(kind="full-time") == [staff.id]
    assert await ids(where="remote") == [asked.id, cover.id]
    assert await ids(tag="Watercolour") == [cover.id]
    assert await ids(tag="water") == []  # a tag is matched whole
    assert await ids(min_pay="3000") == [staff.id, cover.id]
    assert await ids(min_pay="5000") == [staff.id]
    assert await ids(location="lyon") == [staff.id]
    assert await ids(no_ai_work="1", no_ai_training="1") == [asked.id, cover.id]
    assert await ids(q="creatures") == [staff.id]
    assert await ids(kind="nonsense", min_pay="lots") == [asked.id, staff.id, cover.id]
    assert await ids(origin="other") == []
    assert board.BoardFilter.read({"kind": "contract", "origin": "here"}).query_string() == \
        "kind=contract"


async def test_saved_listings_and_availability(services):
    poster = await user(services, "studio")
    artist = await user(services, "ines")
    listing = await listings.create_listing(services, poster, listing_form(), publish=True)
    draft = await listings.create_listing(services, poster, listing_form(), publish=False)
    await board.save(artist.account_id, listing.id)
    await board.save(artist.account_id, listing.id)
    with pytest.raises(listings.ListingNotFound):
        await board.save(artist.account_id, draft.id)
    assert [row.id for row in await board.saved(artist.account_id)] == [listing.id]
    assert await SavedListing.all().count() == 1
    await board.unsave(artist.account_id, listing.id)
    assert await board.saved(artist.account_id) == []

    row = await set_availability(artist.account_id, "commissions", ["commission"], 80, 400, "eur")
    assert (row.status, row.currency, row.kinds) == ("commissions", "EUR", ["commission"])
    with pytest.raises(AvailabilityError):
        await set_availability(artist.account_id, "commissions", [], 500, 100, "EUR")
    with pytest.raises(AvailabilityError):
        await set_availability(artist.account_id, "busy")
    await set_availability(artist.account_id, "")
    assert await board.saved(artist.account_id) == []


async def test_removal_takes_a_listing_and_its_applications_off(services):
    poster = await user(services, "studio")
    artist = await user(services, "ines")
    listing = await listings.create_listing(services, poster, listing_form(), publish=True)
    await applications.apply(services, artist, listing.id, message="Hi")
    await listings.remove_listing(services, listing, "spam")
    stored = await JobListing.get(id=listing.id)
    assert stored.state == ListingState.REMOVED and stored.state_reason == "spam"
    assert await JobApplication.all().count() == 0
    with pytest.raises(listings.ListingNotFound):
        await board.readable_listing(listing.id, None)


def test_wordings_and_links():
    from instance.jobboard import display

    listing = JobListing(pay_min=40000, pay_max=40000, pay_currency="EUR", pay_period="year",
                         location_mode="hybrid", city="Berlin", country="", time_zones="",
                         kind="part-time", pay_on_request=False)
    assert display.pay_text(listing) == "40,000 EUR per year"
    assert display.place_text(listing) == "Hybrid in Berlin"
    assert display.kind_text(listing) == "Part-time"
    now = datetime(2027, 1, 1, tzinfo=UTC)
    assert display.countdown(now + timedelta(days=1, hours=2), now) == "Closes in 1 day"
    assert display.countdown(now + timedelta(hours=5), now) == "Closes in 5 hours"
    assert display.countdown(now - timedelta(seconds=1), now) == "Deadline passed"
    assert display.countdown(None, now) == ""
    for bad in ("javascript:alert(1)", "data:text/html,x", " JAVASCRIPT:x", "", None):
        assert display.web_link(bad) == ""
    assert display.web_link("https://lantern.example/a") == "https://lantern.example/a"
