"""Export in Mastodon's CSV formats, on SQLite and PostgreSQL: follows (with show-boosts
and notify), followers, blocks, mutes, domain blocks, bookmarks and lists, downloaded
from Settings → Export by a logged-in person and written by `impasto export`."""

from __future__ import annotations

import httpx
import pytest

from tests.client_api.conftest import instance
from tests.client_api.test_flow import people
from tests.rig.processes import run_cli
from tests.web.test_auth_pages import login

pytestmark = pytest.mark.slow


def test_exports_are_mastodon_csvs(make_database, tmp_path):
    with instance(make_database("export"), tmp_path, API_PASSWORD_GRANT="true",
                  SERVER_RUN_WORKER="false", CLOAK_ENABLED="false") as inst:
        (ines, omar, lena, paz), (_, omar_id, lena_id, paz_id) = people(inst, "ines", "omar", "lena", "paz")
        ines.account_follow(omar_id, reblogs=False, notify=True)
        ines.account_follow(lena_id)
        paz.account_follow(ines.me().id)
        omar.account_follow(ines.me().id)
        ines.account_block(paz_id)
        ines.account_mute(lena_id, notifications=False)
        inst.work()
        work = omar.status_post("Harbour")
        ines.status_bookmark(work)
        painters = ines.list_create("Painters, oil")
        ines.list_accounts_add(painters, [omar_id, lena_id])
        d = inst.domain

        with httpx.Client(base_url=inst.url) as browser:
            assert browser.get("/settings/export/following.csv").status_code in (302, 303)  # log in first
            assert login(browser, "ines").status_code in (200, 302, 303)
            page = browser.get("/settings/export")
            assert page.status_code == 200 and "following_accounts.csv" in page.text
            files = {}
            for what in ("following", "followers", "blocks", "mutes", "domain_blocks", "bookmarks", "lists"):
                answer = browser.get(f"/settings/export/{what}.csv")
                assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
                assert "attachment" in answer.headers["content-disposition"]
                files[what] = answer.text
            assert browser.get("/settings/export/passwords.csv").status_code == 404

        assert files["following"] == (
            "Account address,Show boosts,Notify on new posts,Languages\n"
            f"omar@{d},false,true,\n"
            f"lena@{d},true,false,\n"
        )
        assert files["followers"] == f"omar@{d}\n"  # paz's follow ended with the block
        assert files["blocks"] == f"paz@{d}\n"
        assert files["mutes"] == f"Account address,Hide notifications\nlena@{d},false\n"
        assert files["domain_blocks"] == ""
        assert files["bookmarks"] == f"{work.uri}\n"
        assert files["lists"] == f'"Painters, oil",omar@{d}\n"Painters, oil",lena@{d}\n'

        out = tmp_path / "following.csv"
        done = run_cli(["export", "ines", "--what", "following", "--out", str(out)], inst.env)
        assert done.returncode == 0, done.stderr
        assert out.read_text() == files["following"]
        unknown = run_cli(["export", "nobody"], inst.env)
        assert unknown.returncode == 2 and "no local account 'nobody'" in unknown.stderr
        assert "Traceback" not in unknown.stderr
