"""Mastodon's admin domain-block API, driven by mastodon-py: staff tokens with admin
scopes manage the same policies as the CLI and the admin pages; others are refused."""

from __future__ import annotations

import asyncio

import pytest
from mastodon import Mastodon, MastodonAPIError

from instance.api.oauth.tokens import issue_token
from instance.storage import db
from instance.storage.models import OAuthApplication, User
from tests.rig.databases import migrate_for
from tests.rig.processes import impasto_env, run_cli, running_server

pytestmark = pytest.mark.slow


async def mint(url: str, username: str, scopes: list[str]) -> str:
    await db.connect(url)
    try:
        app, _ = await OAuthApplication.get_or_create(
            name="admin script",
            client_id="admin-script",
            defaults={"client_secret": "s", "scopes": "read write admin:read admin:write"},
        )
        user = await User.get(account__username=username, account__domain=None)
        token, _ = await issue_token(app, user, scopes)
        return token
    finally:
        await db.disconnect()


def test_domain_blocks_through_the_admin_api(tmp_path):
    url = f"sqlite://{tmp_path / 'impasto.sqlite3'}"
    env = impasto_env(url, tmp_path)
    migrate_for(env)
    for args in (["boss", "--admin"], ["ada"]):
        assert (
            run_cli(
                ["user", "create", *args, "--password-stdin"], env, stdin="a long enough password\n"
            ).returncode
            == 0
        )
    admin_token = asyncio.run(mint(url, "boss", ["admin:read", "admin:write"]))
    read_only = asyncio.run(mint(url, "boss", ["admin:read"]))
    artist_token = asyncio.run(mint(url, "ada", ["admin:read", "admin:write"]))
    with running_server(env) as server:
        admin = Mastodon(access_token=admin_token, api_base_url=server.url, version_check_mode="none")
        created = admin.admin_create_domain_block(
            "slop.example", severity="suspend", reject_media=True, public_comment="AI farm"
        )
        assert created["domain"] == "slop.example" and created["severity"] == "suspend"
        assert created["reject_media"] is True and isinstance(created["id"], str)
        updated = admin.admin_update_domain_block(created["id"], severity="silence")
        assert updated["severity"] == "silence" and updated["public_comment"] == "AI farm"
        assert [b["domain"] for b in admin.admin_domain_blocks()] == ["slop.example"]
        assert "slop.example" in run_cli(["domain", "list"], env).stdout

        with pytest.raises(MastodonAPIError) as refused:
            Mastodon(
                access_token=read_only, api_base_url=server.url, version_check_mode="none"
            ).admin_create_domain_block("other.example")
        assert "403" in str(refused.value)
        with pytest.raises(MastodonAPIError) as not_staff:
            Mastodon(
                access_token=artist_token, api_base_url=server.url, version_check_mode="none"
            ).admin_domain_blocks()
        assert "403" in str(not_staff.value)
        with pytest.raises(MastodonAPIError) as bad:
            admin.admin_create_domain_block("not a domain")
        assert "422" in str(bad.value)

        admin.admin_delete_domain_block(created["id"])
        assert admin.admin_domain_blocks() == []
