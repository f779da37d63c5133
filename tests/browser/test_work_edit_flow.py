"""Editing and deleting a work in real Chromium, by keyboard only (Tab to each control,
type, Enter), at 1280 and 375 px: change the title, swap two images (Move down), change an alt text,
then delete after the one confirmation page. No page scrolls sideways; screenshots in
tests/artifacts/edit-*.png."""

from __future__ import annotations

import io

import pytest

from tests.client_api.conftest import instance, png_bytes
from tests.client_api.test_flow import password_login

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A server whose artist has one published two-image work per screen width."""
    tmp = tmp_path_factory.mktemp("edit-flow")
    with instance(f"sqlite://{tmp / 'impasto.sqlite3'}", tmp, API_PASSWORD_GRANT="true",
                  SERVER_RUN_WORKER="false", CLOAK_ENABLED="false") as inst:
        inst.user("mira")
        api = password_login(inst.url, "mira")
        works = {}
        for width in (1280, 375):
            media = [api.media_post(io.BytesIO(png_bytes(seed, (480, 320))), mime_type="image/png",
                                    description=alt)
                     for seed, alt in ((width, "Harbour at dusk"), (width + 1, "Dunes at noon"))]
            inst.work()
            status = api.status_post(f"Two shores at {width}", media_ids=media)
            works[width] = (status.url, [m.id for m in media])
        yield inst.url, works


def tab_to(page, selector: str, limit: int = 80) -> None:
    """Press Tab until the element matching `selector` has the focus (as a person would)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def replace_text(page, selector: str, text: str) -> None:
    tab_to(page, selector)
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), page.url


@pytest.mark.parametrize("width", [1280, 375])
def test_edit_and_delete_by_keyboard(browser, site, screenshot, width):
    base, works = site
    url, (first, second) = works[width]
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(base + "/login")
    page.fill("input[name=username]", "mira")
    page.fill("input[name=password]", "a long enough password")
    page.keyboard.press("Enter")
    page.wait_for_url(base + "/")

    page.goto(url)
    tab_to(page, "a[href$='/edit']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/edit")
    no_sideways_scroll(page)
    screenshot(page, f"edit-form-{width}")

    replace_text(page, "input[name=title]", "Two shores, revised")
    # The number fields are hidden when reorder.js runs; the first image moves down with
    # its "Move down" button, by keyboard, and the move is announced.
    assert page.locator(f"input[name=position-{first}]").is_hidden()
    tab_to(page, f"#image-{first} button.reorder-down")
    page.keyboard.press("Enter")
    assert page.locator(".reorder-live").inner_text().endswith("moved to position 2 of 2.")
    assert page.locator(f"input[name=position-{first}]").input_value() == "2"
    assert page.evaluate("document.activeElement.matches('button.reorder-up')")
    replace_text(page, f"textarea[name=alt-{second}]", "Dunes at noon, wind from the west")
    tab_to(page, "form.edit-work button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url(url + "?saved=1")
    assert page.get_by_role("status").inner_text().startswith("Saved.")
    assert page.locator("h1").inner_text() == "Two shores, revised"
    images = page.locator("figure img")
    assert [images.nth(i).get_attribute("alt") for i in range(images.count())] == [
        "Dunes at noon, wind from the west", "Harbour at dusk"]
    no_sideways_scroll(page)
    screenshot(page, f"edit-saved-{width}")

    tab_to(page, "a[href$='/delete']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/delete")
    assert "This cannot be undone" in page.locator("main").inner_text()
    no_sideways_scroll(page)
    screenshot(page, f"edit-delete-confirm-{width}")
    tab_to(page, "main button.danger")
    page.keyboard.press("Enter")
    page.wait_for_url(base + "/@mira")
    assert page.goto(url).status == 404
    page.close()
