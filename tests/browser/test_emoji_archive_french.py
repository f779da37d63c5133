"""Three flows built without a walk in a browser, walked in real Chromium at 1280 and
375 px on one instance (no sideways scroll, no serious axe violation, screenshots in
tests/artifacts/):

- custom emoji: the admin uploads one on /admin/emoji, it is listed with its image, an
  artist writes its :shortcode: in a work's description and in their bio, and both pages
  show the image (emoji-*);
- the full archive: the artist asks for it on the export page, the jobs run until idle,
  the page offers the download, and the zip holds the profile, the works and the
  original file (archive-*);
- French: a visitor whose browser asks for French (Accept-Language via Chromium's
  locale) sees the portfolio, a work, the upload page and the job board in French, and
  an artist who chose French in their settings does too (french-*)."""

from __future__ import annotations

import io
import json
import zipfile

import httpx
import pytest

from tests.browser.pages import PASSWORD, log_in
from tests.browser.test_collections_messages import axe, no_serious_violations, tab_to
from tests.browser.test_federated_flow import in_thread
from tests.client_api.conftest import instance, png_bytes
from tests.client_api.test_flow import password_login

pytestmark = pytest.mark.slow
WIDTHS = (1280, 375)
__all__ = ["axe"]  # the module-scoped fixture, shared
WIDEST = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
  .slice(-4).map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : '')
                  + ' right=' + Math.round(e.getBoundingClientRect().right))"""


def no_sideways_scroll(page) -> None:
    """The page fits its width; else the assertion names the elements that stick out."""
    fits = page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")
    assert fits, f"{page.url} scrolls sideways: {page.evaluate(WIDEST)}"


async def accounts(database_url: str, base_url: str, roles: dict[str, str]) -> None:
    """Accounts made in this process: an `impasto user create` costs seconds each."""
    from instance.actors.accounts import create_local_user
    from instance.storage import db
    from instance.urls import LocalUrls

    await db.connect(database_url)
    try:
        for name, role in roles.items():
            await create_local_user(LocalUrls(base_url), name, PASSWORD, role=role)
    finally:
        await db.disconnect()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """An admin "boss", a studio with a listing; per width an artist "ana<width>" with
    one published work."""
    tmp = tmp_path_factory.mktemp("emoji-archive-french")
    emoji = tmp / "paint_tube.png"
    emoji.write_bytes(png_bytes(7, (64, 64)))
    database = f"sqlite://{tmp / 'impasto.sqlite3'}"
    with instance(database, tmp, API_PASSWORD_GRANT="true", SERVER_RUN_WORKER="false",
                  CLOAK_ENABLED="false") as inst:
        roles = {"boss": "admin", "studio": "artist"} | {f"ana{width}": "artist" for width in WIDTHS}
        in_thread(accounts(database, inst.url, roles))
        clients = {width: password_login(inst.url, f"ana{width}") for width in WIDTHS}
        uploads = {width: client.media_post(io.BytesIO(png_bytes(width, (480, 360))), mime_type="image/png",
                                            description=f"A harbour at dawn ({width})")
                   for width, client in clients.items()}
        inst.work()
        works = {width: clients[width].status_post(f"Harbour at dawn {width}", media_ids=[uploads[width]]).id
                 for width in WIDTHS}
        listing = httpx.post(inst.url + "/api/v1/impasto/jobs", json={
            "title": "Storyboard artist", "description": "Six weeks, remote.", "kind": "contract",
            "location_mode": "remote", "pay_min": 3000, "pay_currency": "EUR", "pay_period": "project"},
            headers={"Authorization": f"Bearer {password_login(inst.url, 'studio').access_token}"})
        assert listing.status_code == 200, listing.text
        inst.work()
        yield inst, works, emoji


@pytest.mark.parametrize("width", WIDTHS)
def test_admin_adds_an_emoji_and_an_artist_uses_it(browser, site, screenshot, axe, width):
    inst, works, image = site
    base, artist, shortcode = inst.url, f"ana{width}", f"paint_tube_{width}"
    admin = browser.new_page(viewport={"width": width, "height": 900})
    log_in(admin, base, "boss")
    admin.goto(base + "/admin/emoji")
    no_sideways_scroll(admin)
    no_serious_violations(admin, axe)
    assert admin.locator("#emoji-shortcode-help").evaluate(  # a hint, not body text
        "h => parseFloat(getComputedStyle(h).fontSize)"
        " < parseFloat(getComputedStyle(document.body).fontSize)")
    admin.fill("#emoji-shortcode", "no good")  # the browser's own pattern check stops it
    admin.set_input_files("#emoji-image", str(image))
    admin.click("main form.stack button[type=submit]")
    assert admin.url == base + "/admin/emoji"
    admin.fill("#emoji-shortcode", shortcode)
    admin.fill("#emoji-category", "Studio")
    tab_to(admin, "main form.stack button[type=submit]")
    admin.keyboard.press("Enter")
    admin.wait_for_url("**/admin/emoji?done=*")
    assert f"Added :{shortcode}:." in admin.get_by_role("status").inner_text()
    row = admin.locator("main table tr", has_text=f":{shortcode}:")
    assert row.locator("img").get_attribute("alt") == f":{shortcode}:"
    assert row.locator("img").evaluate("i => i.complete && i.naturalWidth > 0"), "the emoji image is broken"
    for button in ("Disable", "Delete"):  # in reach, not cut off by the table's width
        box = row.get_by_role("button", name=button).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, (button, box)
    no_sideways_scroll(admin)
    no_serious_violations(admin, axe)
    screenshot(admin, f"emoji-admin-list-{width}")
    admin.close()

    page = browser.new_page(viewport={"width": width, "height": 900})
    log_in(page, base, artist)
    page.goto(f"{base}/works/{works[width]}/edit")
    page.fill("textarea[name=description]", f"Painted before sunrise :{shortcode}: with one tube.")
    page.fill("input[name=title]", f"Harbour at dawn {width}")
    page.click("form.edit-work button[type=submit]")
    page.wait_for_url("**saved=1")
    shown = page.locator(f".content img.custom-emoji[alt=':{shortcode}:']")
    assert shown.count() == 1, page.locator(".content").inner_html()
    assert shown.evaluate("i => i.complete && i.naturalWidth > 0")
    assert f":{shortcode}:" not in page.locator(".content").inner_text()
    no_sideways_scroll(page)
    no_serious_violations(page, axe)
    screenshot(page, f"emoji-work-{width}")

    page.goto(base + "/settings")
    page.fill("textarea[name=bio]", f"Harbours and boats :{shortcode}:")
    page.click("button:has-text('Save profile')")
    page.goto(f"{base}/@{artist}")
    assert page.locator(f".bio img.custom-emoji[alt=':{shortcode}:']").count() == 1
    button = page.locator(".profile-actions .button").bounding_box()
    feed = page.locator(".profile-actions a", has_text="Atom feed").bounding_box()
    middle = (button["y"] + button["height"] / 2) - (feed["y"] + feed["height"] / 2)
    assert abs(middle) <= 4, f"the Atom feed link is {middle:.0f} px off the Layout button's middle"
    no_sideways_scroll(page)
    screenshot(page, f"emoji-profile-{width}", full_page=False)
    page.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_artist_builds_and_downloads_the_archive(browser, site, screenshot, axe, width):
    inst, works, _ = site
    base, artist = inst.url, f"ana{width}"
    page = browser.new_page(viewport={"width": width, "height": 900})
    log_in(page, base, artist)
    page.goto(base + "/settings/export")
    no_sideways_scroll(page)
    no_serious_violations(page, axe)
    page.get_by_role("button", name="Build my archive").click()
    page.wait_for_url("**/settings/export#archive")
    waiting = page.locator("section.archive").inner_text()
    assert "Waiting" in waiting and "?" not in waiting, waiting  # was "0 of ? steps done"
    assert page.get_by_role("button", name="Build my archive").count() == 0  # not twice
    screenshot(page, f"archive-building-{width}")

    inst.work()
    page.reload()  # what the page's own refresh does (a goto to the same #archive would not load)
    section = page.locator("section.archive")
    assert section.get_attribute("data-archive") == "ready", section.inner_text()
    link = section.get_by_role("link", name="download your archive")
    no_sideways_scroll(page)
    no_serious_violations(page, axe)
    screenshot(page, f"archive-ready-{width}")
    with page.expect_download() as started:
        link.click()
    download = started.value
    assert download.suggested_filename.startswith(f"archive-{artist}-")
    with zipfile.ZipFile(download.path()) as archive:
        names = set(archive.namelist())
        assert {"actor.json", "outbox.json", "likes.json", "bookmarks.json"} <= names, names
        assert any(n.startswith("media_attachments/files/") and n.endswith(".png") for n in names), names
        assert json.loads(archive.read("actor.json"))["preferredUsername"] == artist
        outbox = json.loads(archive.read("outbox.json"))
        titles = [item["object"].get("name") or item["object"].get("content", "")
                  for item in outbox["orderedItems"]]
        assert any(f"Harbour at dawn {width}" in title for title in titles), titles
    page.close()


FRENCH = {  # path → words a French reader should see there, and the screenshot's name
    "/@{artist}": (["Œuvres", "Suivre"], "portfolio"),
    "/@{artist}/{work}": (["par"], "work"),
    "/jobs": (["Offres d’emploi", "Storyboard artist"], "jobs"),
}


def in_french(page, *words: str) -> None:
    assert page.locator("html").get_attribute("lang") == "fr", page.url
    text = page.locator("body").inner_text().casefold()  # headings may be shown in capitals
    for word in words:
        assert word.casefold() in text, f"{page.url}: {word!r} not in {text[:400]!r}"


@pytest.mark.parametrize("width", WIDTHS)
def test_french_visitor_and_artist(browser, site, screenshot, axe, width):
    """The visitor's browser asks for French; the artist's asks for English and they
    choose French in their settings."""
    inst, works, _ = site
    base, artist = inst.url, f"ana{width}"
    context = browser.new_context(locale="fr-FR", viewport={"width": width, "height": 900})
    page = context.new_page()
    for path, (words, name) in FRENCH.items():
        page.goto(base + path.format(artist=artist, work=works[width]))
        in_french(page, *words)
        no_sideways_scroll(page)
        no_serious_violations(page, axe)
        screenshot(page, f"french-{name}-{width}")
    context.close()

    context = browser.new_context(locale="en-GB", viewport={"width": width, "height": 900})
    page = context.new_page()
    log_in(page, base, artist)
    page.goto(base + "/settings")
    page.get_by_label("Language of the pages").select_option("fr")
    page.get_by_role("button", name="Save language").click()
    in_french(page, "Langue des pages")
    page.goto(base + "/upload")
    in_french(page, "Publier une œuvre")
    no_sideways_scroll(page)
    no_serious_violations(page, axe)
    screenshot(page, f"french-upload-{width}")
    page.goto(base + "/jobs")
    in_french(page, "Offres d’emploi")
    context.close()
