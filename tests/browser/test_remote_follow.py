"""Following from another server's page, in Chromium across two real instances (their
own pair: the artist path in test_federated_flow ends by suspending B): at 1280 and 375
px, no sideways scroll, screenshots in tests/artifacts/."""

from __future__ import annotations

import re

import pytest

from tests.browser.test_federated_flow import PASSWORD, in_thread, publish_on_b, run_jobs, two_instances
from tests.rig.processes import run_cli

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser_federation")]


@pytest.fixture(scope="module")
def instances(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("follow")
    with two_instances(tmp) as (a, b):
        yield a, b, tmp


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("width", [1280, 375])
def test_follow_from_your_server_in_a_browser(browser, instances, screenshot, width):
    """A visitor on B's portfolio follows from their own server A: B sends them to A's
    subscribe template, they log in there and confirm; a mistyped server is a sentence.
    The artist's existing work is on A at once (backfill), not only their next post."""
    a, b, _ = instances
    in_thread(publish_on_b(b))
    name = f"lou{width}"
    assert run_cli(["user", "create", name, "--password-stdin"], a.env, stdin=PASSWORD + "\n").returncode == 0
    page = browser.new_page(viewport={"width": width, "height": 900})

    page.goto(b.url + "/@bo")
    page.fill("input[name=handle]", "@lou@no-such-server.invalid")
    page.get_by_role("button", name="Continue on your server").click()
    message = page.locator("main").inner_text()
    assert "There is no server called no-such-server.invalid" in message and "Errno" not in message
    assert no_sideways_scroll(page)
    screenshot(page, f"remote-follow-0-unknown-server-{width}")

    page.goto(b.url + "/@bo")
    page.fill("input[name=handle]", f"@{name}@{a.domain}")
    screenshot(page, f"remote-follow-1-handle-on-b-{width}")
    page.get_by_role("button", name="Continue on your server").click()
    page.wait_for_url(re.compile(re.escape(f"{a.url}/login?next=")))
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(re.escape(f"{a.url}/authorize_interaction?uri=")))
    assert page.get_by_role("heading", name="Follow bo?").is_visible()
    assert f"@bo@{b.domain}" in page.locator("main").inner_text()
    assert no_sideways_scroll(page)
    screenshot(page, f"remote-follow-2-confirm-on-a-{width}")

    page.get_by_role("button", name="Follow", exact=True).click()
    page.wait_for_url(f"{a.url}/@bo@{b.domain}")
    run_jobs(a, b, a)  # Follow → B, Accept → A
    page.reload()
    assert page.get_by_role("button", name="Unfollow").is_visible()
    assert page.get_by_text("Night ferry").count() >= 1, "bo's existing work is not shown on A"
    assert no_sideways_scroll(page)
    screenshot(page, f"remote-follow-3-following-{width}")
