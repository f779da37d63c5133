"""Invite links over real HTTP (SQLite and PostgreSQL): made with a note on the invites
page, /invite/CODE fills the sign-up form, an invite skips approval and works even when
sign-ups are closed, and an expired, used-up or withdrawn invite is refused in words."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from instance.storage.models import Invite, User
from tests.rig.databases import migrate_for
from tests.rig.processes import impasto_env, run_cli, running_server
from tests.web.test_admin_pages import in_db
from tests.web.test_auth_pages import csrf, login, signup
from tests.web.test_site_settings import current_form

pytestmark = pytest.mark.slow


@pytest.fixture
def site(make_database, tmp_path):
    url = make_database("invites")
    env = impasto_env(url, tmp_path, REGISTRATION_MODE="approval")
    migrate_for(env)
    assert run_cli(["user", "create", "boss", "--password-stdin", "--admin"], env,
                   stdin="a long enough password\n").returncode == 0
    with running_server(env) as server:
        yield server.url, url


def make_invite(admin: httpx.Client, **fields: str) -> str:
    form = {"csrf_token": csrf(admin, "/admin/invites"), "max_uses": "1", "days": "7", **fields}
    made = admin.post("/admin/invites", data=form)
    assert made.status_code == 302, made.text
    page = admin.get(made.headers["location"]).text
    return re.search(r"New invite link: \S+/invite/([\w-]+)", page).group(1)


def test_an_invite_link_skips_approval_and_is_refused_once_used(site):
    base, url = site
    with httpx.Client(base_url=base) as admin:
        login(admin, "boss")
        code = make_invite(admin, note="for Ines, met at the print fair")
    with httpx.Client(base_url=base) as ines:
        link = ines.get(f"/invite/{code}")
        assert link.status_code == 302 and link.headers["location"].endswith(f"/signup?invite={code}")
        form_page = ines.get(link.headers["location"]).text
        assert f'name="invite" value="{code}"' in form_page and "ready as soon as" in form_page
        joined = signup(ines, "ines", invite=code)
        assert joined.status_code == 302 and joined.headers["location"].endswith("/@ines")
    with httpx.Client(base_url=base) as late:
        refused = signup(late, "late", invite=code)
        assert refused.status_code == 422 and "used as many times as it allows" in refused.text
        assert late.get(f"/invite/{code}").status_code == 410
        unknown = late.get("/invite/nope")
        assert unknown.status_code == 404 and "no invite with that code" in unknown.text
        without = signup(late, "waiting")  # approval mode, no invite: waits
        assert without.status_code == 200 and "waiting for a moderator" in without.text
    with httpx.Client(base_url=base) as admin:
        login(admin, "boss")
        page = admin.get("/admin/invites").text
        assert "for Ines, met at the print fair" in page and "@ines" in page and "@boss" in page
        assert "used up" in page

    async def approvals():
        return dict(await User.filter(account__username__in=("ines", "waiting"))
                    .values_list("account__username", "approved"))
    assert asyncio.run(in_db(url, approvals)) == {"ines": True, "waiting": False}


def closed_signup(client: httpx.Client, username: str, code: str) -> httpx.Response:
    """Sign up while sign-ups are closed (the plain form is refused; the token is the session's)."""
    return client.post("/signup", data={
        "csrf_token": csrf(client, "/login"), "username": username, "invite": code,
        "password": "a long enough password", "password_again": "a long enough password"})


def test_expired_and_withdrawn_invites_are_refused_in_words_even_when_closed(site):
    base, url = site
    with httpx.Client(base_url=base) as admin:
        login(admin, "boss")
        expired, withdrawn, good = (make_invite(admin, max_uses="") for _ in range(3))
        form = current_form(admin)
        form["registration.mode"] = "closed"
        assert admin.post("/admin/instance", data=form).status_code == 302
        bad = admin.post("/admin/invites", data={"csrf_token": csrf(admin, "/admin/invites"),
                                                 "max_uses": "many", "days": "7"})
        assert bad.status_code == 422 and "whole number" in bad.text
        invite_id = asyncio.run(in_db(url, lambda: Invite.get(code=withdrawn).values_list("id", flat=True)))
        revoke = admin.post(f"/admin/invites/{invite_id}/revoke",
                            data={"csrf_token": csrf(admin, "/admin/invites")})
        assert revoke.status_code == 302
    asyncio.run(in_db(url, lambda: Invite.filter(code=expired).update(
        expires_at=datetime.now(UTC) - timedelta(days=1))))
    with httpx.Client(base_url=base) as visitor:
        assert visitor.get("/signup").status_code == 403  # closed, and no invite
        gone = visitor.get(f"/invite/{expired}")
        assert gone.status_code == 410 and "expired on" in gone.text
        refused = closed_signup(visitor, "tom", expired)
        assert refused.status_code == 422 and "expired on" in refused.text
        refused = closed_signup(visitor, "tom", withdrawn)
        assert refused.status_code == 422 and "withdrawn by the server" in refused.text
        page = visitor.get(f"/invite/{good}")
        assert page.status_code == 302
        assert closed_signup(visitor, "tom", good).status_code == 302  # closed, but invited
