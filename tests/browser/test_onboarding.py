"""The new artist's checklist in Chromium at 1280 and 375 px: it fits, its links lead to
the steps, a done step is ticked, and it hides by keyboard. Screenshots in
tests/artifacts/onboarding-*.png."""

from __future__ import annotations

import pytest

from tests.browser.pages import sign_up
from tests.rig.databases import migrate_for
from tests.rig.processes import impasto_env, running_server

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("onboarding")
    env = impasto_env(f"sqlite://{tmp / 'impasto.sqlite3'}", tmp, REGISTRATION_MODE="open")
    migrate_for(env)
    with running_server(env) as server:
        yield server.url


@pytest.mark.parametrize("width", (1280, 375))
def test_checklist_on_a_new_portfolio(browser, site, screenshot, width):
    base, name = site, f"noor{width}"
    page = browser.new_page(viewport={"width": width, "height": 800})
    sign_up(page, base, name)
    checklist = page.get_by_role("region", name="Set up your portfolio")
    assert "0 of 4 done" in checklist.inner_text()
    checklist.get_by_role("link", name="Write a short bio").click()
    page.wait_for_url(base + "/settings#profile")
    page.get_by_label("Bio").fill("I draw birds of the estuary.")
    page.get_by_role("button", name="Save profile").click()
    page.goto(f"{base}/@{name}")
    assert "1 of 4 done" in checklist.inner_text()
    assert checklist.locator("li.done").inner_text().startswith("✓")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the portfolio scrolls sideways by {overflow}px"
    screenshot(page, f"onboarding-{width}")

    hide = checklist.get_by_role("button", name="Hide this list")
    hide.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_role("region", name="Set up your portfolio").count() == 0
    page.close()
