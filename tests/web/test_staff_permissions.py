"""Roles and custom permissions enforced alike in the web admin pages, the Mastodon admin
API and the CLI's `--as`, over a running server on SQLite and PostgreSQL: an admin gives
an artist manage_reports in the accounts page (audited); she then may use the reports
page but not domain policies, by browser, by token or at the shell; a moderator is
refused the settings page and role changes; the audit log page filters what they did."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from mastodon import Mastodon, MastodonAPIError

from instance.storage import db
from instance.storage.models import AuditEntry, User
from tests.client_api.conftest import PASSWORD, instance
from tests.client_api.test_admin_domain_blocks import mint
from tests.rig.processes import run_cli
from tests.web.test_auth_pages import csrf, login

pytestmark = pytest.mark.slow


async def _in_db(url: str, action):
    await db.connect(url)
    try:
        return await action()
    finally:
        await db.disconnect()


def _client(inst, name: str) -> httpx.Client:
    client = httpx.Client(base_url=inst.url, timeout=30)
    assert login(client, name).status_code == 302
    return client


def test_permissions_in_web_api_and_cli(make_database, tmp_path):
    url = make_database("staff")
    with instance(url, tmp_path) as inst:
        for name, role in (("boss", "--admin"), ("mod", "--moderator"), ("ada", None)):
            made = run_cli(["user", "create", name, "--password-stdin", *([role] if role else [])],
                           inst.env, stdin=PASSWORD)
            assert made.returncode == 0, made.stderr
        ada_id = asyncio.run(_in_db(url, lambda: User.get(account__username="ada").values_list(
            "id", flat=True)))
        boss, mod, ada = _client(inst, "boss"), _client(inst, "mod"), _client(inst, "ada")

        # before any grant, an artist sees no administration at all
        assert ada.get("/admin/").status_code == 403
        assert 'href="/admin/"' not in ada.get("/").text
        # the admin grants manage_reports in the accounts page (CSRF-protected)
        form = {"role": "artist", "permission": "manage_reports"}
        assert boss.post(f"/admin/accounts/{ada_id}/role", data=form).status_code == 400
        token = csrf(boss, "/admin/accounts")
        granted = boss.post(f"/admin/accounts/{ada_id}/role", data={**form, "csrf_token": token})
        assert granted.status_code == 302
        assert "ada is now artist with manage_reports" in boss.get(granted.headers["location"]).text
        bad = boss.post(f"/admin/accounts/{ada_id}/role",
                        data={"role": "emperor", "csrf_token": token})
        assert bad.status_code == 422 and "Unknown role" in bad.text

        # web: each page asks for its own permission
        assert ada.get("/admin/reports").status_code == 200
        assert ada.get("/admin/").status_code == 200 and 'href="/admin/"' in ada.get("/").text
        refused = ada.get("/admin/domains")
        assert refused.status_code == 403 and "manage_domains permission" in refused.text
        assert ada.get("/admin/instance").status_code == 403
        settings = mod.get("/admin/instance")
        assert settings.status_code == 403 and "manage_settings permission" in settings.text
        assert mod.post("/admin/instance", data={
            "csrf_token": csrf(mod, "/admin/reports")}).status_code == 403
        assert mod.get("/admin/domains").status_code == 200
        promote = mod.post(f"/admin/accounts/{ada_id}/role", data={
            "role": "admin", "csrf_token": csrf(mod, "/admin/accounts")})
        assert promote.status_code == 403 and "Only admins" in promote.text
        assert "Instance settings" not in mod.get("/admin/").text
        assert "Instance settings" in boss.get("/admin/").text

        # the Mastodon admin API: scopes first, then the permission, refused in words
        ada_token = asyncio.run(mint(url, "ada", ["admin:read", "admin:write"]))
        mod_token = asyncio.run(mint(url, "mod", ["admin:read", "admin:write"]))
        answer = httpx.get(f"{inst.url}/api/v1/admin/domain_blocks",
                           headers={"Authorization": f"Bearer {ada_token}"})
        assert answer.status_code == 403 and "manage_domains" in answer.json()["error"]
        with pytest.raises(MastodonAPIError) as api_refused:
            Mastodon(access_token=ada_token, api_base_url=inst.url,
                     version_check_mode="none").admin_create_domain_block("slop.example")
        assert "403" in str(api_refused.value)
        moderator_api = Mastodon(access_token=mod_token, api_base_url=inst.url,
                                 version_check_mode="none")
        assert moderator_api.admin_domain_blocks() == []

        # the CLI: --as checks the same permissions; without it, the operator may do all
        cli = run_cli(["--as", "ada", "domain", "block", "slop.example"], inst.env)
        assert cli.returncode == 2 and "manage_domains permission" in cli.stderr
        blocked = run_cli(["--as", "mod", "domain", "block", "slop.example"], inst.env)
        assert blocked.returncode == 0, blocked.stderr
        escalate = run_cli(["--as", "mod", "user", "create", "zed", "--admin", "--password-stdin"],
                           inst.env, stdin=PASSWORD)
        assert escalate.returncode == 2 and "Only admins" in escalate.stderr
        assert "no local account" in run_cli(["--as", "ghost", "domain", "list"], inst.env).stderr
        assert "not one" in run_cli(["--as", "mod", "worker"], inst.env).stderr

        async def audit() -> list[tuple[str | None, str, str]]:
            rows = await AuditEntry.all().order_by("id").prefetch_related("actor")
            return [(e.actor.username if e.actor else None, e.action, e.target) for e in rows]

        entries = asyncio.run(_in_db(url, audit))
        assert [e for e in entries if e[1] == "account.role"][0][0] == "boss"
        assert ("mod", "domain.block", "slop.example") in entries  # in the --as account's name

        page = boss.get("/admin/audit", params={"actor": "mod", "action": "domain"})
        assert page.status_code == 200 and "slop.example" in page.text
        assert "account.role" not in page.text.split("<tbody>", 1)[1]
        assert boss.get("/admin/audit", params={"since": "someday"}).status_code == 422
