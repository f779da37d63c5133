"""Moving out, walked in Chromium across two real instances at 1280 and 375 px (no
sideways scroll, no serious axe violation; screenshots in tests/artifacts/moving-*):
the artist on A opens Settings → Moving and is refused, with the reason, while the new
account on B does not list the old one; on B they add the old account as an alias; back
on A the move goes through; after the instances' jobs the old profile says where the
artist went, with a link, and the new one on B has the followers from both servers."""

from __future__ import annotations

import re

import pytest

from tests.browser.pages import log_in
from tests.browser.test_collections_messages import no_serious_violations, tab_to
from tests.browser.test_emoji_archive_french import axe, no_sideways_scroll
from tests.browser.test_federated_flow import in_thread, run_jobs
from tests.federation_e2e.test_two_instances import PASSWORD, user
from tests.rig.peers import make_peer, serving

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser_federation")]
WIDTHS = (1280, 375)
__all__ = ["axe"]  # the module-scoped fixture, shared


@pytest.fixture(scope="module")
def instances(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("moving-walk")
    a, b = make_peer("a", tmp), make_peer("b", tmp)
    with serving(a, b):
        yield a, b


async def followers_for(a, b, old: str, here: str, there: str) -> None:
    """`here` (on A) and `there` (on B) follow `old` on A; the Follow from B accepted."""
    from instance.actions import social
    from instance.actors.remote import resolve_acct
    from instance.storage.models import Account

    async with a.open() as services:
        target = await Account.get(username=old, domain=None)
        await social.follow(services, await Account.get(username=here, domain=None), target)
    async with b.open() as services:
        await social.follow(services, await Account.get(username=there, domain=None),
                            await resolve_acct(services, old, a.domain))
    for peer in (b, a, b):  # Follow → A; Accept → B
        await peer.run_jobs()


@pytest.mark.parametrize("width", WIDTHS)
def test_move_out_from_the_web(browser, instances, screenshot, axe, width):
    a, b = instances
    # a long old name: its URL must wrap in the alias list and the notes at 375 px
    old, new, here, there = f"vera_the_harbour_painter_{width}", f"nova{width}", f"alba{width}", f"bea{width}"
    for peer, name in ((a, old), (a, here), (b, new), (b, there)):
        in_thread(user(peer, name))
    in_thread(followers_for(a, b, old, here, there))

    page = browser.new_page(viewport={"width": width, "height": 900})
    log_in(page, a.url, old, PASSWORD)
    page.goto(a.url + "/settings")
    page.get_by_role("link", name="Move to another account, or list the accounts you are moving in "
                     "from").click()
    page.wait_for_url(a.url + "/settings/moving")
    no_sideways_scroll(page)
    no_serious_violations(page, axe)
    page.get_by_label("The new account").fill(f"@{new}@{b.domain}")
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Move my followers to the new account").click()
    refusal = page.get_by_role("alert").inner_text()
    assert "does not list this account" in refusal and "Traceback" not in refusal, refusal
    assert page.get_by_label("The new account").input_value() == f"@{new}@{b.domain}"  # kept
    no_sideways_scroll(page)
    screenshot(page, f"moving-1-refused-on-a-{width}")

    there_page = browser.new_page(viewport={"width": width, "height": 900})
    log_in(there_page, b.url, new, PASSWORD)
    there_page.goto(b.url + "/settings/moving")
    there_page.get_by_label("Your old account").fill(f"@{old}@{a.domain}")
    tab_to(there_page, "form[action$='/moving/aliases'] button[type=submit]")
    there_page.keyboard.press("Enter")
    there_page.wait_for_url(re.compile(r".*/settings/moving\?done="))
    assert "Alias added." in there_page.get_by_role("status").inner_text()
    alias = there_page.locator(f"#aliases ~ ul a[href='{a.url}/users/{old}']")
    assert alias.count() == 1
    assert there_page.get_by_role("button", name=f"Remove the alias {a.url}/users/{old}").is_visible()
    no_sideways_scroll(there_page)
    no_serious_violations(there_page, axe)
    screenshot(there_page, f"moving-2-alias-on-b-{width}")

    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Move my followers to the new account").click()
    page.wait_for_url(re.compile(r".*/settings/moving\?done="))
    assert "Your account has moved." in page.get_by_role("status").first.inner_text()
    moved = page.locator("main p", has_text="This account has moved to")
    assert moved.get_by_role("link").inner_text() == f"@{new}@{b.domain}"
    assert "are being told" in moved.inner_text()  # queued, not yet delivered: no "were told"
    assert page.locator("#move").inner_text() == "Move again, to another account"  # not as before
    no_sideways_scroll(page)
    no_serious_violations(page, axe)
    screenshot(page, f"moving-3-moved-on-a-{width}")
    run_jobs(a, b, a, b, a)  # Move → B; Undo + Follow → B; Accepts → A

    visitor = browser.new_page(viewport={"width": width, "height": 900})
    visitor.goto(f"{a.url}/@{old}")
    note = visitor.get_by_role("note")
    assert "This artist has moved to" in note.inner_text()
    handle = visitor.locator(".profile .handle").bounding_box()
    assert note.bounding_box()["y"] >= handle["y"] + handle["height"] + 8, "the notice touches the handle"
    assert note.evaluate("n => getComputedStyle(n).borderLeftWidth") == "4px"  # set apart, not a stray line
    no_sideways_scroll(visitor)
    no_serious_violations(visitor, axe)
    screenshot(visitor, f"moving-4-old-profile-{width}")
    note.get_by_role("link", name=f"@{new}@{b.domain}").click()
    visitor.wait_for_url(f"{a.url}/@{new}@{b.domain}")
    no_sideways_scroll(visitor)

    there_page.goto(f"{b.url}/@{new}")
    counts = there_page.locator("main").inner_text()
    assert re.search(r"\b2\s+followers\b", counts), counts  # alba from A, bea from B
    no_sideways_scroll(there_page)
    screenshot(there_page, f"moving-5-new-profile-on-b-{width}", full_page=False)
    for tab in (page, there_page, visitor):
        tab.close()
