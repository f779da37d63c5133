"""In Chromium: an admin changes the registration mode and the AI policy on the settings
page (1280 px), a second `impasto run` and a separate `impasto worker` act on the new
values without a restart, a bad value is refused on the page with nothing saved, and
someone signs up through an invite link at 375 px in approval mode without waiting."""

from __future__ import annotations

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from instance.jobs import JobQueue
from tests.browser.pages import PASSWORD, log_in
from tests.rig.databases import migrate_for
from tests.rig.processes import impasto_env, run_cli, running_server
from tests.web.test_admin_pages import in_db

pytestmark = pytest.mark.slow


@pytest.fixture
def two_servers(tmp_path):
    url = f"sqlite://{tmp_path / 'impasto.sqlite3'}"
    env = impasto_env(url, tmp_path, REGISTRATION_MODE="approval", SERVER_RUN_WORKER="false")
    migrate_for(env)
    assert run_cli(["user", "create", "boss", "--password-stdin", "--admin"], env,
                   stdin=PASSWORD + "\n").returncode == 0
    with running_server(env) as first, running_server(env) as second:
        yield first.url, second.url, url, env


def no_sideways_scroll(page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"scrolls sideways by {overflow}px"


def test_settings_page_and_invite_link_signup(browser, screenshot, two_servers, tmp_path):
    first, second, url, env = two_servers
    wide = browser.new_context(viewport={"width": 1280, "height": 900})
    page = wide.new_page()
    log_in(page, first, "boss")
    page.goto(first + "/admin/instance")
    assert "wins over" in page.inner_text("main")
    page.fill("#f-instance\\.contact_email", "not an address")
    page.select_option("#f-registration\\.mode", "open")
    page.click("main button:has-text('Save all settings')")
    assert "not an email address" in page.inner_text("#setting-instance-contact_email")
    assert "Nothing was saved" in page.inner_text("main")
    screenshot(page, "admin_settings_refused_1280")
    assert httpx.get(second + "/nodeinfo/2.1").json()["openRegistrations"] is False

    page.fill("#f-instance\\.contact_email", "studio@art.example")
    page.select_option("#f-registration\\.mode", "open")
    page.select_option("#f-ai\\.declared_policy", "labelled")
    page.select_option("#f-ai\\.remote_ai_verdict", "label")
    page.click("main button:has-text('Save all settings')")
    page.wait_for_url(re.compile(r".*/admin/instance\?done=.*"))
    assert "Saved:" in page.inner_text("main")
    assert "set here" in page.inner_text("#setting-registration-mode")
    no_sideways_scroll(page)
    screenshot(page, "admin_settings_saved_1280")

    info = httpx.get(second + "/nodeinfo/2.1").json()  # the other process, not restarted
    assert info["openRegistrations"] is True and info["metadata"]["aiContentPolicy"] == "labelled"
    log = tmp_path / "worker.log"
    enqueue = in_db(url, lambda: JobQueue().enqueue("test.settings", {"log": str(log)}))
    with ThreadPoolExecutor(1) as thread:  # Playwright's sync API holds this thread's loop
        thread.submit(asyncio.run, enqueue).result()
    assert run_cli(["worker", "--until-idle"], env).returncode == 0
    assert log.read_text().split()[1:] == ["open", "labelled", "label"]

    page.select_option("#f-registration\\.mode", "approval")
    page.click("main button:has-text('Save all settings')")
    page.wait_for_url(re.compile(r".*/admin/instance\?done=.*"))
    page.goto(first + "/admin/invites")
    page.fill("input[name=note]", "for Ines")
    page.click("main button:has-text('Create an invite link')")
    link = re.search(r"New invite link: (\S+)", page.inner_text("main")).group(1)
    screenshot(page, "admin_invites_1280")
    wide.close()

    narrow = browser.new_context(viewport={"width": 375, "height": 800})
    phone = narrow.new_page()
    phone.goto(first + "/admin/instance")  # not signed in here: sent to log in
    assert "/login" in phone.url
    phone.goto(first + "/invite/" + link.rsplit("/invite/", 1)[1])  # the link names [instance] domain
    assert "ready as soon as you sign up" in phone.inner_text("main")
    no_sideways_scroll(phone)
    screenshot(phone, "invite_signup_375")
    phone.fill("input[name=username]", "ines")
    phone.fill("input[name=password]", PASSWORD)
    phone.fill("input[name=password_again]", PASSWORD)
    phone.click("main button[type=submit]")
    phone.wait_for_url(first + "/@ines")  # signed in at once: no approval wait
    narrow.close()

    settings_phone = browser.new_context(viewport={"width": 375, "height": 800}).new_page()
    log_in(settings_phone, first, "boss")
    settings_phone.goto(first + "/admin/instance")
    no_sideways_scroll(settings_phone)
    screenshot(settings_phone, "admin_settings_375")
    settings_phone.context.close()
