"""The image-review loop and notifications in a real browser, at 1280 and 375 px: an
artist uploads an image that declares AI (held under `[ai] local_ai_verdict = hold`),
asks for a review and saves the work (it waits); the moderator sees the image itself
and its evidence and publishes it; the artist sees the notification, follows it to the
published work; likes of the work arrive grouped, with the unread count in the header,
and "Mark all as read" works by keyboard. Background work runs with `impasto worker
--until-idle` at the points where the person would wait."""

from __future__ import annotations

import pytest

from tests.browser.pages import PASSWORD, log_in, sign_up
from tests.rig.databases import migrate_for
from tests.rig.processes import impasto_env, run_cli, running_server

pytestmark = pytest.mark.slow

WIDE, NARROW = {"width": 1280, "height": 900}, {"width": 375, "height": 800}
NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("review")
    env = impasto_env(
        f"sqlite://{tmp / 'impasto.sqlite3'}", tmp,
        REGISTRATION_MODE="open", AI_LOCAL_AI_VERDICT="hold", SERVER_RUN_WORKER="false",
        CLOAK_ENABLED="false",
    )
    migrate_for(env)
    made = run_cli(["user", "create", "boss", "--moderator", "--password-stdin"], env,
                   stdin=PASSWORD + "\n")
    assert made.returncode == 0, made.stderr
    with running_server(env) as server:
        yield server.url, env


def work_until_idle(env) -> None:
    done = run_cli(["worker", "--until-idle"], env, timeout=180)
    assert done.returncode == 0, done.stderr


def upload_and_ask_for_review(page, base: str, env, image, note: str = ""):
    """Upload one image that gets held, run the pipeline, ask for a review in place;
    returns the upload's item on the page."""
    page.goto(base + "/upload")
    page.set_input_files("#files", [str(image)])
    page.locator(".upload-item[data-media-id]").wait_for()
    work_until_idle(env)
    item = page.locator(".upload-item").first
    item.locator(".verdict").wait_for()
    assert item.locator(".verdict").inner_text() == "Declared AI-generated"
    assert "Held for a moderator" in item.inner_text()
    item.locator("textarea.review-note").fill(note)
    item.locator("button.ask-review").click()
    item.get_by_text("You asked for a review").wait_for()
    return item


def badge(page) -> str | None:
    found = page.locator("header .badge")
    return found.inner_text().split()[0] if found.count() else None


def test_held_image_reviewed_notified_and_published(browser, site, shared_dir, screenshot):
    base, env = site
    fixture = shared_dir / "fixtures/provenance/c2pa_firefly_butterfly.jpg"
    artist = browser.new_context(viewport=WIDE).new_page()
    sign_up(artist, base, "mira")

    upload_and_ask_for_review(artist, base, env, fixture,
                              "I painted it; Firefly only extended the sky.")
    artist.fill("input[name=title]", "Butterfly study")
    artist.click("#publish")
    artist.wait_for_url(f"{base}/upload/done/*")
    assert "published as soon as they are ready" in artist.locator("main").inner_text()

    moderator = browser.new_context(viewport=WIDE).new_page()
    log_in(moderator, base, "boss")
    assert badge(moderator) == "1"  # the artist's request
    moderator.click("header a[href='/notifications']")
    request = moderator.locator(".notifications > li").first
    assert "mira asked for a review of an image" in request.inner_text()
    request.get_by_role("link", name="Open the queue").click()
    moderator.wait_for_url(f"{base}/admin/media-review#media-*")
    entry = moderator.locator(".review-item").first
    moderator.wait_for_function(
        "() => { const i = document.querySelector('.review-image img');"
        " return i && i.complete && i.naturalWidth > 100; }")
    text = entry.inner_text()
    assert "Firefly only extended the sky" in text and "c2pa" in text
    assert "Butterfly study" in text and "AI" in text
    screenshot(moderator, "review-queue-1280")
    moderator.set_viewport_size(NARROW)
    assert moderator.evaluate(NO_SIDEWAYS_SCROLL)
    screenshot(moderator, "review-queue-375")
    entry.locator("textarea[name=reason]").fill("Hand-painted; the sky extension is minor.")
    entry.get_by_role("button", name="Publish", exact=True).click()
    moderator.get_by_text("Nothing waits for review").wait_for()
    work_until_idle(env)  # the work publishes by itself

    artist.goto(base + "/")
    assert badge(artist) == "1"
    artist.click("header a[href='/notifications']")
    note = artist.locator(".notifications > li").first
    assert "The moderators approved your image" in note.inner_text()
    assert "Hand-painted" in note.inner_text() and "The work is published" in note.inner_text()
    assert "unread" in (note.get_attribute("class") or "")
    screenshot(artist, "notifications-review-1280")
    note.get_by_role("link", name="See the work").click()
    artist.wait_for_url(f"{base}/@mira/*")
    assert artist.locator("h1").inner_text() == "Butterfly study"
    assert "/media/" in (artist.locator("figure img").first.get_attribute("src") or "")
    assert badge(artist) is None
    screenshot(artist, "review-published-work-1280")
    work_url = artist.url

    for fan in ("ana", "ben", "cy"):
        page = browser.new_context(viewport=NARROW).new_page()
        sign_up(page, base, fan)
        page.goto(work_url)
        page.get_by_role("button", name="Like", exact=True).click()
        page.get_by_role("button", name="Unlike").wait_for()
        page.context.close()

    phone = browser.new_context(viewport=NARROW).new_page()
    log_in(phone, base, "mira")
    assert badge(phone) == "3"
    phone.goto(base + "/notifications")
    entries = phone.locator(".notifications > li")
    assert entries.count() == 2  # the three likes are one entry, then the review
    liked = entries.first.inner_text()
    assert "cy and 2 others liked “Butterfly study”" in liked, liked
    assert entries.first.locator("img.thumb").evaluate("i => i.complete && i.naturalWidth > 0")
    assert phone.evaluate(NO_SIDEWAYS_SCROLL)
    screenshot(phone, "notifications-grouped-375")
    phone.get_by_role("button", name="Mark all as read").focus()
    phone.keyboard.press("Enter")
    phone.get_by_text("All notifications are marked as read").wait_for()
    assert badge(phone) is None
    assert phone.locator(".notifications > li.unread").count() == 0
    screenshot(phone, "notifications-read-375")


def test_approved_image_outside_a_work_is_published_from_its_notification(
        browser, site, shared_dir, screenshot):
    """The image was left out of its batch: the notification offers to publish it, and
    the upload form opens with the image in it."""
    base, env = site
    fixture = shared_dir / "fixtures/provenance/comfyui_sdxl-turbo.png"
    artist = browser.new_context(viewport=NARROW).new_page()
    sign_up(artist, base, "ines")
    upload_and_ask_for_review(artist, base, env, fixture)

    moderator = browser.new_context(viewport=WIDE).new_page()
    log_in(moderator, base, "boss")
    moderator.goto(base + "/admin/media-review")
    entry = moderator.locator(".review-item").filter(has_text="@ines")
    assert "not attached to a work yet" in entry.inner_text()
    entry.get_by_role("button", name="Publish with the AI label").click()
    moderator.get_by_text("Nothing waits for review").wait_for()
    work_until_idle(env)

    artist.goto(base + "/notifications")
    artist.evaluate("localStorage.clear()")  # no draft: the image comes from the link
    note = artist.locator(".notifications > li").first
    assert "approved your image with the AI label" in note.inner_text()
    note.get_by_role("link", name="publish it in a work").click()
    artist.wait_for_url(f"{base}/upload?media=*")
    artist.locator(".upload-item .verdict").wait_for()
    assert artist.locator(".upload-item").count() == 1
    assert "approved this image; it is published with the AI label" in \
        artist.locator(".upload-item").inner_text()
    assert artist.evaluate(NO_SIDEWAYS_SCROLL)
    screenshot(artist, "upload-approved-image-375")
    artist.fill("input[name=title]", "Turbo sketch")
    artist.click("#publish")
    artist.wait_for_url(f"{base}/@ines/*")
    assert artist.locator("h1").inner_text() == "Turbo sketch"
    assert artist.locator("figure img").count() == 1
