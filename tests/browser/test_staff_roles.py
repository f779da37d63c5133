"""In Chromium: a moderator (no manage_settings) is refused the instance settings page with
a 403 page that says why, and works the reports page (resolves a report); the dashboard
and the admin pages fit 1280 px and 375 px without sideways scrolling."""

from __future__ import annotations

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from instance.moderation.reports import file_report
from instance.storage.models import Account
from tests.browser.pages import PASSWORD, log_in
from tests.browser.test_admin_settings import no_sideways_scroll
from tests.rig.databases import migrate_for
from tests.rig.processes import impasto_env, run_cli, running_server
from tests.web.test_admin_pages import in_db

pytestmark = pytest.mark.slow


async def _report() -> None:
    ada = await Account.get(username="ada", domain=None)
    spammy = await Account.get(username="spammy", domain=None)
    await file_report(ada, spammy, comment="Sells prompts as paintings", category="spam")


@pytest.fixture
def staffed(tmp_path):
    url = f"sqlite://{tmp_path / 'impasto.sqlite3'}"
    env = impasto_env(url, tmp_path)
    migrate_for(env)
    for name, role in (("boss", "--admin"), ("mod", "--moderator"), ("ada", None), ("spammy", None)):
        made = run_cli(["user", "create", name, "--password-stdin", *([role] if role else [])],
                       env, stdin=PASSWORD + "\n")
        assert made.returncode == 0, made.stderr
    with ThreadPoolExecutor(1) as thread:  # Playwright's sync API holds this thread's loop
        thread.submit(asyncio.run, in_db(url, _report)).result()
    with running_server(env) as server:
        yield server.url


def test_moderator_refused_settings_and_works_reports(browser, screenshot, staffed):
    base = staffed
    wide = browser.new_context(viewport={"width": 1280, "height": 900})
    page = wide.new_page()
    log_in(page, base, "mod")
    response = page.goto(base + "/admin/instance")
    assert response is not None and response.status == 403
    words = page.inner_text("main")
    assert "Not allowed" in words and "manage_settings permission" in words
    assert "An admin can grant it" in words
    screenshot(page, "staff_settings_refused_1280")

    page.goto(base + "/admin/")
    main = page.inner_text("main")
    assert "1 open reports" in main and "Instance settings" not in main
    no_sideways_scroll(page)
    screenshot(page, "staff_dashboard_1280")
    page.click("main a:has-text('open reports')")
    page.wait_for_url(base + "/admin/reports")
    assert "Sells prompts as paintings" in page.inner_text("main")
    page.fill("main input[name=note]", "Checked: a reseller")
    page.click("main button:has-text('Resolve')")
    page.wait_for_url(re.compile(r".*/admin/reports\?done=Resolved.*"))
    assert "No open reports." in page.inner_text("main")
    screenshot(page, "staff_reports_resolved_1280")
    page.goto(base + "/admin/audit?actor=mod")
    assert "report.resolve" in page.inner_text("main table")
    screenshot(page, "staff_audit_1280")

    narrow = browser.new_context(viewport={"width": 375, "height": 800})
    phone = narrow.new_page()
    log_in(phone, base, "boss")
    for path, name in (("/admin/", "staff_dashboard_375"), ("/admin/accounts", "staff_accounts_375"),
                       ("/admin/audit", "staff_audit_375")):
        phone.goto(base + path)
        no_sideways_scroll(phone)
        screenshot(phone, name)
    phone.goto(base + "/admin/accounts")
    card = phone.locator("main li", has_text="@ada")
    card.locator("input[value=manage_reports]").check()
    card.locator("button:has-text('Save')").click()
    phone.wait_for_url(re.compile(r".*/admin/accounts\?done=.*"))
    assert "@ada is now artist with manage_reports" in phone.inner_text("main")
    wide.close()
    narrow.close()
