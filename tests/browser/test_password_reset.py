"""The password-reset flow in Chromium at 1280 and 375 px: "Forgot password?" on the log-in
page, the mail read from a real SMTP server on loopback, the link opened in the browser, a
mistyped second password, the new password, and a log-in with it. Screenshots in
tests/artifacts/password-reset-*.png."""

from __future__ import annotations

import pytest

from tests.rig.databases import migrate_for
from tests.rig.processes import impasto_env, run_cli, running_server_at_its_address
from tests.rig.smtp import smtp_server

pytestmark = pytest.mark.slow

WIDTHS = (1280, 375)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("reset")
    with smtp_server() as smtp:
        env = impasto_env(f"sqlite://{tmp / 'impasto.sqlite3'}", tmp, SERVER_RUN_WORKER="false",
                          **smtp.settings)
        migrate_for(env)
        for width in WIDTHS:
            made = run_cli(["user", "create", f"mira{width}", "--email", f"mira{width}@example.org",
                            "--password-stdin"], env, stdin="an old forgotten password\n")
            assert made.returncode == 0, made.stderr
        with running_server_at_its_address(env) as server:
            yield server.url, env, smtp


def fits(page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px"


@pytest.mark.parametrize("width", WIDTHS)
def test_reset_password_by_mail(browser, site, screenshot, width):
    base, env, smtp = site
    name, new_password = f"mira{width}", "a fresh password of mine"
    page = browser.new_page(viewport={"width": width, "height": 800})
    page.goto(base + "/login")
    page.get_by_role("link", name="Forgot password?").click()
    page.wait_for_url(base + "/password/forgot")
    fits(page)
    page.get_by_label("Email").fill(f"{name}@example.org")
    page.get_by_label("Email").press("Enter")  # the keyboard sends the form
    status = page.get_by_role("status")
    assert "we have sent it a link" in status.inner_text()
    fits(page)
    screenshot(page, f"password-reset-sent-{width}")

    assert run_cli(["worker", "--until-idle"], env).returncode == 0
    link = smtp.link_in(smtp.only_message_to(f"{name}@example.org"))
    page.goto(link)
    page.get_by_label("New password", exact=True).fill(new_password)
    page.get_by_label("New password again").fill("not the same password")
    page.get_by_role("button", name="Set the new password").click()
    assert page.get_by_role("alert").inner_text() == "The two passwords differ."
    fits(page)
    screenshot(page, f"password-reset-mismatch-{width}")

    page.get_by_label("New password", exact=True).fill(new_password)
    page.get_by_label("New password again").fill(new_password)
    page.get_by_role("button", name="Set the new password").click()
    assert f"The password of @{name} is changed" in page.get_by_role("status").inner_text()
    fits(page)
    screenshot(page, f"password-reset-done-{width}")

    page.get_by_role("link", name="Log in with the new password").click()
    page.get_by_label("Username").fill(name)
    page.get_by_label("Password").fill(new_password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(base + "/")
    assert page.get_by_role("button", name="Log out").count() == 1
    page.close()
