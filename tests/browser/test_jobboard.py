"""The job board in a real browser: a studio posts a listing through the form, an artist
filters the board by keyboard at 375 px, applies with two works picked by their
thumbnails, and the studio shortlists the application; at 1280 and 375 px, with
screenshots in tests/artifacts/ (jobboard-*.png)."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from mastodon import Mastodon

from tests.browser.pages import PASSWORD, sign_up
from tests.client_api.conftest import instance, png_bytes, register_app

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("jobboard")
    with instance(f"sqlite://{tmp / 'impasto.sqlite3'}", tmp, REGISTRATION_MODE="open",
                  JOBS_POLL_SECONDS="0.2",
                  API_PASSWORD_GRANT="true") as inst:
        yield inst.url


def api_for(base: str, name: str) -> Mastodon:
    client_id, secret = register_app(base)
    api = Mastodon(client_id=client_id, client_secret=secret, api_base_url=base)
    api.log_in(name, PASSWORD, allow_http=True)
    return api


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_post_filter_apply_and_shortlist(browser, site, screenshot):
    base = site
    studio = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_up(studio, base, "studio")
    artist = browser.new_page(viewport={"width": 375, "height": 800})
    sign_up(artist, base, "ines")
    ines = api_for(base, "ines")
    for seed, title in ((1, "Harbour at dusk"), (2, "Fox in snow"), (3, "Not picked")):
        media = ines.media_post(io.BytesIO(png_bytes(seed)), mime_type="image/png",
                                description=title, synchronous=True)
        ines.status_post(title, media_ids=[media.id])
    # a second listing, through the API, for the filter to leave out
    token = api_for(base, "studio").access_token
    other = httpx.post(base + "/api/v1/impasto/jobs", headers={
        "Authorization": f"Bearer {token}"}, json={
        "title": "In-house concept artist", "description": "Creatures.", "kind": "full-time",
        "location_mode": "on-site", "city": "Lyon", "pay_min": 40000, "pay_currency": "EUR",
        "pay_period": "year"})
    assert other.status_code == 200, other.text

    # the studio posts a listing through the form
    studio.goto(base + "/jobs")
    studio.get_by_role("link", name="Post a listing").click()
    studio.fill("#f-title", "Picture book covers")
    studio.fill("#f-description", "Twelve watercolour spreads for a picture book about foxes.")
    studio.select_option("#f-kind", "commission")
    studio.fill("#f-skills", "illustration, children's books")
    studio.fill("#f-mediums", "watercolour")
    studio.fill("#f-organisation_name", "Lantern Press")
    studio.fill("#f-time_zones", "UTC-1 to UTC+3")
    studio.fill("#f-pay_min", "2000")
    studio.fill("#f-pay_max", "3500")
    studio.fill("#f-pay_currency", "EUR")
    studio.select_option("#f-pay_period", "project")
    studio.fill("#f-deadline", (datetime.now(UTC) + timedelta(days=30)).date().isoformat())
    studio.check("input[name=no_ai_work]")
    studio.check("input[name=no_ai_training]")
    studio.get_by_role("button", name="Publish on the board").click()
    studio.wait_for_url(base + "/jobs/*")
    assert studio.locator("h1").inner_text() == "Picture book covers"
    assert studio.locator(".pay").first.inner_text() == "2,000–3,500 EUR per project"
    listing_url = studio.url
    screenshot(studio, "jobboard-listing-1280")

    # the artist filters the board by keyboard at 375 px
    artist.goto(base + "/jobs")
    assert artist.locator(".listing-card").count() == 2
    artist.focus(".more-filters summary")  # the filters open from the keyboard
    artist.keyboard.press("Enter")
    artist.focus("select[name=kind]")
    artist.keyboard.press("ArrowDown")  # Commission is not first: walk to it by keys
    artist.select_option("select[name=kind]", "commission")
    artist.focus("input[name=no_ai_work]")
    artist.keyboard.press("Space")
    artist.focus("input[name=tag]")
    artist.keyboard.type("watercolour")
    artist.keyboard.press("Enter")
    artist.wait_for_url("**/jobs?*kind=commission*")
    cards = artist.locator(".listing-card")
    assert cards.count() == 1 and "Picture book covers" in cards.inner_text()
    assert "no_ai_work=1" in artist.url and "tag=watercolour" in artist.url
    assert no_sideways_scroll(artist)
    screenshot(artist, "jobboard-board-filtered-375")

    # applies with two works, picked by their thumbnails
    cards.get_by_role("link", name="Picture book covers").click()
    artist.wait_for_url(listing_url)
    assert no_sideways_scroll(artist)
    screenshot(artist, "jobboard-listing-375")
    artist.get_by_role("link", name="Apply with your portfolio").click()
    artist.fill("#f-message", "I paint foxes and harbours in watercolour.")
    pickers = artist.locator(".work-picker li")
    assert pickers.count() == 3 and artist.locator(".work-picker img").count() == 3
    for title in ("Harbour at dusk", "Fox in snow"):
        box = pickers.filter(has_text=title).locator("input[type=checkbox]")
        box.focus()
        artist.keyboard.press("Space")
        assert box.is_checked()
    assert no_sideways_scroll(artist)
    screenshot(artist, "jobboard-apply-375")
    artist.get_by_role("button", name="Send application").click()
    artist.wait_for_url(base + "/jobs/applications*")
    assert "Picture book covers" in artist.locator("main").inner_text()
    assert artist.locator(".badge.state").first.inner_text().lower() == "new"

    # the studio sees the applicant and the two works inline, and shortlists
    studio.goto(listing_url)
    studio.get_by_role("link", name="See the 1 application").click()
    studio.wait_for_url("**/jobs/*/applications")  # count() does not wait for the page
    application = studio.locator(".applications > li").first
    assert application.locator(".picked img").count() == 2
    assert "@ines" in application.inner_text()
    application.get_by_role("button", name="Shortlist Ines").or_(
        application.get_by_role("button", name="Shortlist ines")).click()
    studio.wait_for_url("**/applications?*")
    assert studio.locator(".applications .badge.state").first.inner_text().lower() == \
        "shortlisted"
    screenshot(studio, "jobboard-applications-1280")
    studio.set_viewport_size({"width": 375, "height": 800})
    studio.reload()
    assert no_sideways_scroll(studio)
    screenshot(studio, "jobboard-applications-375")
    studio.goto(listing_url + "/edit")
    assert studio.locator("#f-title").input_value() == "Picture book covers"
    assert no_sideways_scroll(studio)
    screenshot(studio, "jobboard-form-375")

    artist.reload()
    assert artist.locator(".badge.state").first.inner_text().lower() == "shortlisted"
