"""Password reset and sign-up confirmation over real HTTP, with a real SMTP server on
loopback (aiosmtpd): the server queues the mail, `impasto worker --until-idle` sends it,
and the test follows the link it reads in the received message. Without SMTP the pages
say to ask an admin, whose CLI prints a one-time link."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.rig.databases import migrate_for
from tests.rig.processes import impasto_env, run_cli
from tests.rig.processes import running_server_at_its_address as _server
from tests.rig.smtp import SmtpServer, smtp_server
from tests.web.test_auth_pages import TOKEN, csrf, login, signup

pytestmark = pytest.mark.slow

PASSWORD = "a long enough password"


def _send_mail(env: dict[str, str]) -> None:
    worker = run_cli(["worker", "--until-idle"], env)
    assert worker.returncode == 0, worker.stderr


def _create(env: dict[str, str], name: str, email: str, *flags: str) -> None:
    made = run_cli(["user", "create", name, "--email", email, *flags, "--password-stdin"], env,
                   stdin=PASSWORD + "\n")
    assert made.returncode == 0, made.stderr


def _ask_reset(client: httpx.Client, email: str) -> httpx.Response:
    return client.post("/password/forgot", data={"csrf_token": csrf(client, "/password/forgot"),
                                                  "email": email})


def _set_password(client: httpx.Client, link: str, new: str, again: str | None = None) -> httpx.Response:
    form = {"csrf_token": csrf(client, "/login"), "password": new, "password_again": again or new}
    return client.post(link, data=form)


@pytest.fixture
def smtp():
    with smtp_server() as server:
        yield server


def test_reset_by_mail_then_log_in(database_url, tmp_path, smtp: SmtpServer):
    env = impasto_env(database_url, tmp_path, SERVER_RUN_WORKER="false", **smtp.settings)
    _create(env, "mira", "mira@example.org")
    with _server(env) as server, httpx.Client(base_url=server.url) as client:
        assert 'href="/password/forgot">Forgot password?' in client.get("/login").text
        known, unknown = _ask_reset(client, "mira@example.org"), _ask_reset(client, "who@example.org")
        assert known.status_code == unknown.status_code == 200
        assert "we have sent it a link" in known.text
        assert TOKEN.sub("", known.text) == TOKEN.sub("", unknown.text)  # no account enumeration
        _send_mail(env)
        assert [r.recipients for r in smtp.received] == [["mira@example.org"]]
        link = smtp.link_in(smtp.only_message_to("mira@example.org"))
        assert link.startswith(f"{server.url}/password/reset/")

        page = client.get(link)
        assert page.status_code == 200 and "Choose a new password" in page.text
        assert page.headers["referrer-policy"] == "no-referrer"
        differ = _set_password(client, link, "a brand new password", "another new password")
        assert differ.status_code == 422 and "The two passwords differ." in differ.text
        short = _set_password(client, link, "short")
        assert short.status_code == 422 and "at least 10 characters" in short.text
        done = _set_password(client, link, "a brand new password")
        assert done.status_code == 200 and "is changed" in done.text
        used = _set_password(client, link, "yet another password")
        assert used.status_code == 410 and "already used" in used.text
        assert client.get(link).status_code == 410

        assert login(client, "mira").status_code == 401
        assert login(client, "mira", "a brand new password").status_code == 302
        assert "Log out" in client.get("/").text


def test_sign_up_waits_for_the_mailed_confirmation(tmp_path, smtp: SmtpServer):
    env = impasto_env(f"sqlite://{tmp_path / 'db.sqlite3'}", tmp_path, SERVER_RUN_WORKER="false",
                      REGISTRATION_MODE="open", **smtp.settings)
    with _server(env) as server, httpx.Client(base_url=server.url) as client:
        assert 'name="email" type="email"' in client.get("/signup").text
        no_email = signup(client, "ana")
        assert no_email.status_code == 422 and "email address is needed" in no_email.text
        made = signup(client, "ana", email="ana@example.org")
        assert made.status_code == 200 and "Check your email" in made.text
        listing = run_cli(["user", "list"], env).stdout
        assert re.search(r"ana\s+artist\s+unconfirmed\s+ana@example.org", listing)
        refused = login(client, "ana")
        assert refused.status_code == 403 and "Confirm your email address first" in refused.text
        assert 'href="/signup/resend"' in refused.text
        again = client.post("/signup/resend", data={"csrf_token": csrf(client, "/signup/resend"),
                                                    "email": "ana@example.org"})
        assert again.status_code == 200 and "we have sent it a link" in again.text
        _send_mail(env)
        first, second = smtp.to("ana@example.org")
        assert "Confirm your email address" in second["Subject"]
        confirmed = client.get(smtp.link_in(second))
        assert confirmed.status_code == 200 and "Your email address is confirmed" in confirmed.text
        assert client.get(smtp.link_in(second)).status_code == 410
        assert login(client, "ana").status_code == 302

        signup(httpx.Client(base_url=server.url), "bo", email="bo@example.org")
        assert run_cli(["user", "confirm", "bo"], env).returncode == 0  # the admin confirms
        assert login(httpx.Client(base_url=server.url), "bo").status_code == 302

        signup(httpx.Client(base_url=server.url), "cy", email="cy@example.org")  # or from the web
        _create(env, "boss", "boss@example.org", "--admin")
        with httpx.Client(base_url=server.url) as admin:
            login(admin, "boss")
            page = admin.get("/admin/registrations").text
            assert "The email address is not confirmed yet: @cy" in page and "<strong>@bo<" not in page
            user_id = re.search(r'/admin/registrations/(\d+)"', page).group(1)
            done = admin.post(f"/admin/registrations/{user_id}", follow_redirects=True, data={
                "csrf_token": csrf(admin, "/admin/registrations"), "action": "confirm_email"})
            assert "Email address confirmed." in done.text and "Nobody is waiting." in done.text
        assert login(httpx.Client(base_url=server.url), "cy").status_code == 302


async def test_without_smtp_the_admin_prints_a_link(tmp_path):
    from instance.storage import db
    from instance.storage.models import EmailToken

    url = f"sqlite://{tmp_path / 'db.sqlite3'}"
    env = impasto_env(url, tmp_path, SERVER_RUN_WORKER="false")
    migrate_for(env)
    _create(env, "mira", "mira@example.org")
    missing = run_cli(["user", "reset-link", "nobody"], env)
    assert missing.returncode == 2 and "no local user named 'nobody'" in missing.stderr
    with _server(env) as server, httpx.Client(base_url=server.url) as client:
        forgot = client.get("/password/forgot").text
        assert "does not send email" in forgot and 'name="email"' not in forgot
        token = TOKEN.search(client.get("/login").text).group(1)  # an old tab posts anyway
        posted = client.post("/password/forgot", data={"csrf_token": token, "email": "mira@example.org"})
        assert "does not send email" in posted.text
        assert client.get("/password/reset/not-a-token").status_code == 404

        link = _printed_link(env, server.url)
        await db.connect(url)
        try:
            await EmailToken.all().update(expires_at=datetime.now(UTC) - timedelta(minutes=1))
        finally:
            await db.disconnect()
        expired = client.get(link)
        assert expired.status_code == 410 and "expired" in expired.text
        assert _set_password(client, link, "a brand new password").status_code == 410
        link = _printed_link(env, server.url)
        assert _set_password(client, link, "a brand new password").status_code == 200
        assert login(client, "mira", "a brand new password").status_code == 302


def _printed_link(env: dict[str, str], base: str) -> str:
    printed = run_cli(["user", "reset-link", "mira"], env)
    assert printed.returncode == 0, printed.stderr
    link = printed.stdout.splitlines()[-1]
    assert link.startswith(f"{base}/password/reset/")
    return link
