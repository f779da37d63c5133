"""Custom emoji over a running server (SQLite and PostgreSQL): added at the shell and in
the admin page (CSRF; bad shortcode, too big, not an image → 422 with the reason; an
artist is refused), listed by mastodon-py's `custom_emojis()` without a token, shown on
a status and its account, disabled and deleted from the page, removed at the shell."""

from __future__ import annotations

import httpx
import pytest
from mastodon import Mastodon

from tests.client_api.conftest import PASSWORD, instance, png_bytes
from tests.client_api.test_admin_domain_blocks import mint
from tests.rig.processes import run_cli
from tests.web.test_auth_pages import csrf, login

pytestmark = pytest.mark.slow


def _client(inst, name: str) -> httpx.Client:
    client = httpx.Client(base_url=inst.url, timeout=60)
    assert login(client, name).status_code == 302
    return client


def _upload(client: httpx.Client, shortcode: str, data: bytes, name: str = "e.png",
            token: str | None = None) -> httpx.Response:
    token = token if token is not None else csrf(client, "/admin/emoji")
    return client.post("/admin/emoji", data={"csrf_token": token, "shortcode": shortcode},
                       files={"image": (name, data, "image/png")})


def test_custom_emoji_admin_cli_and_client_api(make_database, tmp_path):
    import asyncio

    url = make_database("emoji")
    with instance(url, tmp_path) as inst:
        for name, role in (("boss", "--admin"), ("ada", None)):
            made = run_cli(["user", "create", name, "--password-stdin", *([role] if role else [])],
                           inst.env, stdin=PASSWORD)
            assert made.returncode == 0, made.stderr
        emoji_file = tmp_path / "spark.png"
        emoji_file.write_bytes(png_bytes(size=(64, 64)))

        # the shell: clear errors, then an emoji
        bad = run_cli(["emoji", "add", "x", str(emoji_file)], inst.env)
        assert bad.returncode != 0 and "shortcode" in bad.stderr
        missing = run_cli(["emoji", "add", "spark", str(tmp_path / "nope.png")], inst.env)
        assert missing.returncode != 0 and "cannot read" in missing.stderr
        assert run_cli(["emoji", "add", "spark", str(emoji_file)], inst.env).returncode == 0
        assert ":spark:" in run_cli(["emoji", "list"], inst.env).stdout

        # the admin page
        boss, ada = _client(inst, "boss"), _client(inst, "ada")
        assert ada.get("/admin/emoji").status_code == 403
        assert _upload(ada, "nope", png_bytes(), token=csrf(ada, "/settings")).status_code == 403
        assert _upload(boss, "wave", png_bytes(), token="forged").status_code in (400, 403)
        for shortcode, data, words in (
            ("a!", png_bytes(), "shortcode"),
            ("huge", b"\x89PNG" + b"0" * (300 * 1024), "KB"),
            ("text", b"hello, not an image", "Not an accepted image"),
        ):
            answer = _upload(boss, shortcode, data)
            assert answer.status_code == 422 and words in answer.text, answer.text
        assert _upload(boss, "wave", png_bytes(seed=2)).status_code == 302
        page = boss.get("/admin/emoji").text
        assert ":wave:" in page and ":spark:" in page

        # the client API, without a token
        api = Mastodon(api_base_url=inst.url)
        listed = {e["shortcode"]: e for e in api.custom_emojis()}
        assert set(listed) == {"spark", "wave"}
        assert listed["wave"]["url"].startswith(inst.url + "/media/emoji/")
        assert listed["wave"]["static_url"] == listed["wave"]["url"]
        assert listed["wave"]["visible_in_picker"] is True
        assert httpx.get(listed["wave"]["url"]).headers["content-type"] == "image/webp"

        token = asyncio.run(mint(url, "ada", ["read", "write"]))
        ada_api = Mastodon(access_token=token, api_base_url=inst.url)
        ada_api.account_update_credentials(display_name="Ada :spark:")
        status = ada_api.status_post("Hello :wave: and :nothing:")
        assert [e["shortcode"] for e in status["emojis"]] == ["wave"]
        assert [e["shortcode"] for e in status["account"]["emojis"]] == ["spark"]
        assert [e["shortcode"] for e in ada_api.account_verify_credentials()["emojis"]] == ["spark"]

        # web pages: the image after escaping, only for known emoji
        ada_api.account_update_credentials(display_name="Ada <b>bold</b> :spark:")
        page = httpx.get(status["url"], timeout=60).text
        assert '<img class="custom-emoji"' in page and 'alt=":wave:"' in page
        assert ":nothing:" in page and 'alt=":nothing:"' not in page
        profile = httpx.get(inst.url + "/@ada", timeout=60).text
        assert "Ada &lt;b&gt;bold&lt;/b&gt; <img" in profile and 'alt=":spark:"' in profile

        # disable, delete, remove at the shell
        form = {"csrf_token": csrf(boss, "/admin/emoji"), "disabled": "1"}
        assert boss.post("/admin/emoji/wave/disable", data=form).status_code == 302
        assert {e["shortcode"] for e in api.custom_emojis()} == {"spark"}
        assert ada_api.status(status["id"])["emojis"] == []
        listing = boss.get("/admin/emoji").text  # Delete asks once, on a page of its own
        assert 'action="/admin/emoji/wave/delete" class="inline"' in listing
        assert 'method="post" action="/admin/emoji/wave/delete"' not in listing
        asking = boss.get("/admin/emoji/wave/delete")
        assert asking.status_code == 200 and "Delete :wave:?" in asking.text
        assert "<code>:wave:</code>" in boss.get("/admin/emoji").text  # asking deleted nothing
        form = {"csrf_token": csrf(boss, "/admin/emoji/wave/delete")}
        assert boss.post("/admin/emoji/wave/delete", data=form).status_code == 302
        assert boss.post("/admin/emoji/wave/delete", data=form).status_code == 404
        assert boss.get("/admin/emoji/wave/delete").status_code == 404
        assert run_cli(["emoji", "remove", "spark"], inst.env).returncode == 0
        again = run_cli(["emoji", "remove", "spark"], inst.env)
        assert again.returncode != 0 and "no local emoji" in again.stderr
        assert api.custom_emojis() == []
