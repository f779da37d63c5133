"""The whole path in a real browser across two real instances: sign up and log in on A,
upload two images with alt text, publish; follow an artist on B by handle; B's new work
shows in A's home feed; an admin of A suspends B from the admin page and B's work is gone.
Each instance's jobs are run by the test, in order (no sleeping)."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pytest

from tests.browser.pages import PASSWORD, log_in
from tests.browser.test_upload_flow import painting
from tests.rig.databases import migrate_for
from tests.rig.peers import make_peer, serving
from tests.rig.processes import run_cli

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser_federation")]


def in_thread(coroutine):
    """Playwright's sync API owns this thread's event loop: run async work beside it."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def run_jobs(*peers) -> None:
    for peer in peers:
        in_thread(peer.run_jobs())


async def publish_on_b(peer) -> str:
    from instance.actions import works
    from instance.storage.models import Account

    async with peer.open() as services:
        bo = await Account.get(username="bo", domain=None)
        work = await works.create_work(
            services, bo, title="Night ferry", content_source="Ink and wash #ferry"
        )
        return work.ap_id


@contextmanager
def two_instances(tmp):
    """A (open sign-ups, an admin "boss") and B (an artist "bo"), both serving."""
    a = make_peer("a", tmp, REGISTRATION_MODE="open", CLOAK_DEFAULT_LEVEL="low")
    b = make_peer("b", tmp)
    for peer in (a, b):
        migrate_for(peer.env)
    assert (
        run_cli(
            ["user", "create", "boss", "--admin", "--password-stdin"], a.env, stdin=PASSWORD + "\n"
        ).returncode
        == 0
    )
    assert run_cli(["user", "create", "bo", "--password-stdin"], b.env, stdin=PASSWORD + "\n").returncode == 0
    with serving(a, b):
        yield a, b


@pytest.fixture(scope="module")
def instances(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("two")
    with two_instances(tmp) as (a, b):
        yield a, b, tmp


def test_artist_path_across_two_instances(browser, instances, screenshot):
    a, b, tmp = instances
    first, second = tmp / "one.jpg", tmp / "two.jpg"
    painting(first, 3)
    painting(second, 4)
    page = browser.new_page(viewport={"width": 1100, "height": 900})

    page.goto(a.url + "/signup")
    page.fill("input[name=username]", "mira")
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=password_again]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(a.url + "/@mira")
    screenshot(page, "federated-1-signed-up")
    page.click("form[action='/logout'] button")
    log_in(page, a.url, "mira")

    page.goto(a.url + "/upload")
    page.set_input_files("#files", [str(first), str(second)])
    items = page.locator(".upload-item")
    for index in range(2):
        items.nth(index).locator("input[name=media]").wait_for(state="attached")  # uploaded
        assert items.nth(index).locator("progress").evaluate("b => Number(b.dataset.steps || 0)") >= 1
    items.nth(0).locator("input.alt").fill("A ferry at night")
    items.nth(1).locator("input.alt").fill("The harbour lights")
    run_jobs(a)  # the pipeline: provenance, cloak, variants
    for index in range(2):
        items.nth(index).locator(".verdict").wait_for()
    page.fill("input[name=title]", "Harbour nights")
    page.click("#publish")
    page.wait_for_url(f"{a.url}/@mira/*")
    assert page.locator("figure img").nth(1).get_attribute("alt") == "The harbour lights"
    screenshot(page, "federated-2-work-page")
    page.goto(a.url + "/@mira")
    assert page.locator(".grid .caption").first.inner_text().startswith("Harbour nights")

    page.goto(a.url + "/home")
    page.fill("input[name=handle]", f"@bo@{b.domain}")
    page.click("main form:has(input[name=handle]) button[type=submit]")  # not the checklist's
    page.wait_for_url(f"{a.url}/@bo@{b.domain}")
    run_jobs(a, b, a)  # Follow → B, Accept → A
    work_id = in_thread(publish_on_b(b))
    run_jobs(b, a)  # Create → A
    page.goto(a.url + "/home")
    assert page.get_by_text("Night ferry").count() >= 1, "B's work did not reach A's home feed"
    screenshot(page, "federated-3-home-feed")

    admin = browser.new_page(viewport={"width": 1100, "height": 900})
    log_in(admin, a.url, "boss")
    admin.goto(a.url + "/admin/domains")
    admin.fill("input[name=domain]", b.domain)
    admin.select_option("select[name=severity]", "suspend")
    admin.click("form.stack button[type=submit]")
    assert b.domain in admin.locator("table").inner_text()
    screenshot(admin, "federated-4-admin-suspended")
    run_jobs(a)  # the purge job
    page.goto(a.url + "/home")
    assert page.get_by_text("Night ferry").count() == 0
    assert work_id

