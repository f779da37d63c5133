"""Search and explore in Chromium at 1280 and 375 px: works by title, tag and medium,
a remote artist found by handle on their own server (B) and followed, explore filtered
by medium and sorted by likes; by keyboard, no sideways scroll; screenshots in
tests/artifacts/."""

from __future__ import annotations

import re

import pytest

from tests.browser.test_federated_flow import PASSWORD, in_thread, two_instances
from tests.browser.test_remote_follow import no_sideways_scroll
from tests.rig.processes import run_cli

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser_federation")]


async def seed_works(peer) -> None:
    from instance.actions import social, works
    from instance.storage.models import Account

    async with peer.open() as services:
        boss = await Account.get(username="boss", domain=None)
        made = [await works.create_work(services, boss, title=title, content_source=text, medium=medium)
                for title, medium, text in (
                    ("Kelp forest", "watercolour", "Under the pier #sea"),
                    ("Gannet dive", "ink", "Ink and wash #sea #birds"),
                    ("Night market", "ink", "Lanterns #city"),
                )]
        fan = await Account.get(username="fan", domain=None)
        await social.like(services, fan, made[1])


@pytest.fixture(scope="module")
def instances(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("search")
    with two_instances(tmp) as (a, b):
        created = run_cli(["user", "create", "fan", "--password-stdin"], a.env, stdin=PASSWORD + "\n")
        assert created.returncode == 0
        in_thread(seed_works(a))
        yield a, b


def grid_titles(page) -> list[str]:
    """The titles in the page's work grid, in order (captions read "Title @artist")."""
    return [c.split("\n")[0].split(" @")[0] for c in page.locator(".grid .caption").all_inner_texts()]


@pytest.mark.parametrize("width", [1280, 375])
def test_search_and_explore_in_a_browser(browser, instances, screenshot, width):
    a, b = instances
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(a.url + "/login")
    page.fill("input[name=username]", "fan")
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(a.url + "/")

    page.get_by_role("link", name="Search", exact=True).focus()
    page.keyboard.press("Enter")
    page.wait_for_url(a.url + "/search")
    page.get_by_label("Works, artists or tags").fill("#sea")
    page.keyboard.press("Enter")
    page.wait_for_url(a.url + "/search?q=%23sea")
    assert grid_titles(page) == ["Gannet dive", "Kelp forest"]
    assert page.get_by_role("link", name="#sea").is_visible()
    assert no_sideways_scroll(page)
    screenshot(page, f"search-1-tag-{width}")

    page.get_by_label("Works, artists or tags").fill(f"@bo@{b.domain}")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{a.url}/search?q=%40bo%40{b.domain.replace(':', '%3A')}")
    assert page.locator(".people a").count() == 1  # a full handle: that artist only
    artist = page.locator(".people a").first
    assert f"@bo@{b.domain}" in artist.inner_text()
    assert no_sideways_scroll(page)
    screenshot(page, f"search-2-remote-artist-{width}")
    artist.click()
    page.wait_for_url(f"{a.url}/@bo@{b.domain}")
    assert page.get_by_role("button", name="Follow", exact=True).is_visible()

    page.goto(a.url + "/search?q=no%20such%20thing%20here")
    assert page.get_by_text("No works match “no such thing here”.").is_visible()

    page.goto(a.url + "/")
    page.get_by_label("Medium").select_option("ink")
    page.get_by_label("Order").select_option("liked")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(re.escape(a.url) + r"/\?medium=ink&tag=.*sort=liked"))
    assert grid_titles(page) == ["Gannet dive", "Night market"]
    assert page.get_by_role("heading", name="Most liked works").is_visible()
    assert no_sideways_scroll(page)
    screenshot(page, f"search-3-explore-filters-{width}")
