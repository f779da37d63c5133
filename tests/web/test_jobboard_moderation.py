"""Moderating the job board from the browser, over real HTTP against a running server on
SQLite and PostgreSQL: a moderator approves a listing from another server held for
approval and it appears on the "Other servers" tab (a rejected one never does); removing
a local listing is refused to anyone else (403) and works for a moderator, with a reason,
CSRF, an audit entry and a Delete for those who got the listing."""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest

from instance.storage import db
from instance.storage.models import AuditEntry, JobListing, ListingState, OutboxActivity
from tests.client_api.conftest import PASSWORD, instance
from tests.jobboard.test_federation_inbox import HOST, remote_note
from tests.rig.processes import run_cli
from tests.rig.services import built_services
from tests.test_actions import remote
from tests.test_inbox_handlers import receive
from tests.web.test_auth_pages import csrf, login
from tests.web.test_jobboard_pages import listing_form, listing_id

pytestmark = pytest.mark.slow
HOLD = {"JOBBOARD_HOLD_REMOTE_LISTINGS": "true", "JOBBOARD_REMOTE_LISTINGS": "all"}
TITLE = re.compile(r'id="listing-\d+-title"><a href="[^"]+">([^<]+)</a>')


def moderator(inst, name: str = "mod") -> httpx.Client:
    made = run_cli(["user", "create", name, "--moderator", "--password-stdin"], inst.env,
                   stdin=PASSWORD)
    assert made.returncode == 0, made.stderr
    client = httpx.Client(base_url=inst.url)
    assert login(client, name).status_code == 302
    return client


def member(inst, name: str) -> httpx.Client:
    inst.user(name)
    client = httpx.Client(base_url=inst.url)
    assert login(client, name).status_code == 302
    return client


async def held_from_another_server(url: str, tmp_path) -> list[int]:
    """Two listings arrive through the inbox job while holding is on: both held."""
    await db.connect(url)
    try:
        async for services in built_services(url, tmp_path / "inproc", **{
                k.lower(): v for k, v in HOLD.items()}):
            poster = await remote("studio", HOST)
            for number, title in ((1, "Storyboard artist"), (2, "Too good to be true")):
                await receive(services, poster, "Create", remote_note(poster, number, title=title))
            rows = await JobListing.filter(local=False).order_by("id")
            assert [r.held for r in rows] == [True, True]
            return [r.id for r in rows]
    finally:
        await db.disconnect()
    raise AssertionError("no services")


def test_moderator_approves_and_rejects_held_listings(make_database, tmp_path):
    url = make_database("held")
    with instance(url, tmp_path, **HOLD) as inst:
        storyboard, scam = asyncio.run(held_from_another_server(url, tmp_path))
        mod, otto = moderator(inst), member(inst, "otto")
        anyone = httpx.Client(base_url=inst.url)

        def other_tab() -> list[str]:
            return TITLE.findall(anyone.get("/jobs?origin=other").text)

        assert other_tab() == []
        assert otto.get("/jobs/held").status_code == 403
        assert anyone.get("/jobs/held").status_code == 302  # to the login page
        overview = mod.get("/admin/").text
        assert "held for approval: 2" in overview and 'href="/jobs/held"' in overview
        page = mod.get("/jobs/held")
        assert page.status_code == 200
        assert "Storyboard artist" in page.text and "Too good to be true" in page.text
        assert f"@studio@{HOST}" in page.text

        assert mod.post(f"/jobs/held/{storyboard}/approve").status_code == 400  # no CSRF
        token = csrf(mod, "/jobs/held")
        assert otto.post(f"/jobs/held/{storyboard}/approve", data={
            "csrf_token": csrf(otto, "/jobs")}).status_code == 403
        assert other_tab() == []
        approved = mod.post(f"/jobs/held/{storyboard}/approve", data={"csrf_token": token})
        assert approved.status_code == 302
        assert other_tab() == ["Storyboard artist"]
        rejected = mod.post(f"/jobs/held/{scam}/reject",
                            data={"csrf_token": token, "reason": "asks for a fee"})
        assert rejected.status_code == 302
        assert other_tab() == ["Storyboard artist"]
        assert "No listing is waiting." in mod.get("/jobs/held").text
        again = mod.post(f"/jobs/held/{storyboard}/approve", data={"csrf_token": token})
        assert again.status_code == 404 and "No held listing" in again.text
        assert mod.post(f"/jobs/held/{'9' * 20}/reject",
                        data={"csrf_token": token}).status_code == 404
        audit = mod.get("/admin/").text
        assert "listing.release" in audit and "listing.reject" in audit

    asyncio.run(stored(url, rejected_id=scam))


def test_removing_a_local_listing_takes_a_moderator(make_database, tmp_path):
    url = make_database("remove")
    with instance(url, tmp_path) as inst:
        studio, otto, mod = member(inst, "studio"), member(inst, "otto"), moderator(inst)
        anyone = httpx.Client(base_url=inst.url)
        covers = listing_id(studio.post("/jobs/new", data=listing_form(csrf(studio, "/jobs/new"))))
        assert "Remove this listing" not in otto.get(f"/jobs/{covers}").text
        assert "Remove this listing" not in studio.get(f"/jobs/{covers}").text
        refused = otto.post(f"/jobs/{covers}/remove",
                            data={"csrf_token": csrf(otto, "/jobs"), "reason": "spam"})
        assert refused.status_code == 403
        assert studio.post(f"/jobs/{covers}/remove", data={
            "csrf_token": csrf(studio, "/jobs"), "reason": "mine"}).status_code == 403
        assert anyone.get(f"/jobs/{covers}").status_code == 200

        page = mod.get(f"/jobs/{covers}").text
        assert "Remove this listing (moderators)" in page and "sent a Delete" in page
        token = csrf(mod, f"/jobs/{covers}")
        assert mod.post(f"/jobs/{covers}/remove", data={"reason": "spam"}).status_code == 400
        unsaid = mod.post(f"/jobs/{covers}/remove", data={"csrf_token": token, "reason": " "})
        assert unsaid.status_code == 422 and "Say why" in unsaid.text
        assert anyone.get(f"/jobs/{covers}").status_code == 200  # nothing changed
        done = mod.post(f"/jobs/{covers}/remove",
                        data={"csrf_token": token, "reason": "a scam, reported twice"})
        assert done.status_code == 200 and "is removed" in done.text
        assert anyone.get(f"/jobs/{covers}").status_code == 404
        assert "Picture book covers" not in anyone.get("/jobs").text
        again = mod.post(f"/jobs/{covers}/remove", data={"csrf_token": token, "reason": "x"})
        assert again.status_code == 404
        assert "listing.remove" in mod.get("/admin/").text

    asyncio.run(stored(url, removed_id=covers))


async def stored(url: str, *, rejected_id: int = 0, removed_id: int = 0) -> None:
    """What the decisions left in the database: the tombstone, the audit entry with its
    moderator and reason, and (for a local listing) the Delete."""
    await db.connect(url)
    try:
        if rejected_id:
            assert (await JobListing.get(id=rejected_id)).state == ListingState.REMOVED
            entry = await AuditEntry.get(action="listing.reject")
            assert entry.detail["reason"] == "asks for a fee" and entry.actor_id is not None
        if removed_id:
            listing = await JobListing.get(id=removed_id)
            assert listing.state == ListingState.REMOVED
            assert listing.state_reason == "a scam, reported twice"
            assert await OutboxActivity.filter(activity_type="Delete",
                                               object_ap_id=listing.ap_id).count() == 1
            entry = await AuditEntry.get(action="listing.remove")
            assert entry.target == listing.ap_id and entry.actor_id is not None
    finally:
        await db.disconnect()
