"""The board's "Other servers" tab in a real browser: reached by keyboard from the board
at 375 px, says where its listings come from and how to follow this board, and offers
moderators the "Follow another server's job board" form, which says plainly when no
board answers; no sideways scroll at 375 or 1280 px (screenshots jobboard-other-*.png)."""

from __future__ import annotations

import pytest

from tests.browser.pages import PASSWORD, sign_up
from tests.client_api.conftest import instance
from tests.rig.processes import run_cli

pytestmark = pytest.mark.slow


def test_other_servers_tab(browser, tmp_path, screenshot):
    with instance(f"sqlite://{tmp_path / 'impasto.sqlite3'}", tmp_path,
                  REGISTRATION_MODE="open") as inst:
        base = inst.url
        made = run_cli(["user", "create", "bea", "--admin", "--password-stdin"], inst.env,
                       stdin=PASSWORD + "\n")
        assert made.returncode == 0, made.stderr

        artist = browser.new_page(viewport={"width": 375, "height": 800})
        sign_up(artist, base, "ines")
        artist.goto(base + "/jobs")
        tab = artist.get_by_role("link", name="Other servers")
        tab.focus()
        artist.keyboard.press("Enter")
        artist.wait_for_url(base + "/jobs?origin=other")
        current = artist.locator(".board-tabs [aria-current=page]")
        assert current.inner_text() == "Other servers"
        text = artist.locator(".remote-boards").inner_text()
        assert "from the job boards this server follows" in text
        assert f"@jobs@{inst.domain}" in text
        assert artist.locator(".follow-board").count() == 0  # artists cannot add boards
        assert artist.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        screenshot(artist, "jobboard-other-375")

        admin = browser.new_page(viewport={"width": 1280, "height": 900})
        admin.goto(base + "/login")
        admin.fill("input[name=username]", "bea")
        admin.fill("input[name=password]", PASSWORD)
        admin.click("main button[type=submit]")
        admin.goto(base + "/jobs?origin=other")
        field = admin.get_by_label("Follow another server's job board")
        field.fill("jobs@127.0.0.1:9")
        field.press("Enter")
        assert "No job board found at 'jobs@127.0.0.1:9'" in admin.locator("main").inner_text()
        admin.goto(base + "/jobs?origin=other")
        assert admin.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        screenshot(admin, "jobboard-other-1280")
        small = browser.new_page(viewport={"width": 375, "height": 800})
        small.context.add_cookies(admin.context.cookies())
        small.goto(base + "/jobs?origin=other")
        assert small.locator(".follow-board").count() == 1
        assert small.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        screenshot(small, "jobboard-other-admin-375")
