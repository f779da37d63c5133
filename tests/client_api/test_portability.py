"""Export in Mastodon's CSV formats, on SQLite and PostgreSQL: follows (with show-boosts
and notify), followers, blocks, mutes, domain blocks, bookmarks and lists, downloaded
from Settings → Export by a logged-in person and written by `impasto export`; and the
import of a following CSV as Mastodon 4.x writes it, run by the job spine across two
real servers, with a per-row report (unknown account, malformed row) and overwrite."""

from __future__ import annotations

import httpx
import pytest

from tests.client_api.conftest import free_port, instance
from tests.client_api.test_flow import people, settle
from tests.rig.processes import run_cli
from tests.web.test_auth_pages import csrf, login

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
        ines.domain_block("spam.example")
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
        assert files["domain_blocks"] == "spam.example\n"
        assert files["bookmarks"] == f"{work.uri}\n"
        assert files["lists"] == f'"Painters, oil",omar@{d}\n"Painters, oil",lena@{d}\n'

        out = tmp_path / "following.csv"
        done = run_cli(["export", "ines", "--what", "following", "--out", str(out)], inst.env)
        assert done.returncode == 0, done.stderr
        assert out.read_text() == files["following"]
        unknown = run_cli(["export", "nobody"], inst.env)
        assert unknown.returncode == 2 and "no local account 'nobody'" in unknown.stderr
        assert "Traceback" not in unknown.stderr


def upload_file(browser: httpx.Client, data: bytes, mode: str = "merge") -> httpx.Response:
    """Settings → Export and import → Import follows, as a person does it."""
    return browser.post("/settings/export/import", data={
        "csrf_token": csrf(browser, "/settings/export"), "mode": mode},
        files={"file": ("following_accounts.csv", data, "text/csv")})


def test_import_of_a_mastodon_following_csv(make_database, tmp_path):
    settings = {"SERVER_RUN_WORKER": "false", "API_PASSWORD_GRANT": "true", "CLOAK_ENABLED": "false"}
    port_a, port_b = free_port(), free_port()
    with (
        instance(make_database("a"), tmp_path / "a", port=port_a, peers=[port_b], **settings) as a,
        instance(make_database("b"), tmp_path / "b", port=port_b, peers=[port_a], **settings) as b,
    ):
        (ines, _paz), _ = people(a, "ines", "paz")
        people(b, "omar", "lena")
        exported = (  # exactly as Mastodon 4.x writes following_accounts.csv
            "Account address,Show boosts,Notify on new posts,Languages\n"
            f"omar@{b.domain},true,false,\n"
            f"lena@{b.domain},false,true,en\n"
            f"nobody@{b.domain},true,false,\n"
            "not an address,true,false,\n"
            f"paz@{a.domain},true,maybe,\n"
            f"paz@{a.domain},true,false,\n"
        )
        with httpx.Client(base_url=a.url) as browser:
            assert login(browser, "ines").status_code in (200, 302, 303)

            # whole-file refusals: a clear 4xx page, nothing queued
            for data, mode, code, message in (
                (b"Address,Boosts\nomar@x.example,true\n", "merge", 422, "header is not Mastodon"),
                (b"\xff\xfe\x00bad", "merge", 422, "not UTF-8"),
                (exported.encode(), "replace", 422, "merge or overwrite"),
                (b"\n\n", "merge", 422, "lists no accounts"),
            ):
                refused = upload_file(browser, data, mode)
                assert refused.status_code == code and message in refused.text, refused.text[:300]
            assert "Recent imports" not in browser.get("/settings/export").text

            assert upload_file(browser, exported.encode()).status_code in (302, 303)
            settle(a, b, a)  # A resolves and follows; B accepts; A records the Accepts
            report = browser.get("/settings/export").text
        assert "<strong>Done</strong> (merge): 6 of 6 rows done" in report
        assert '<span class="applied">3</span> followed, 3 not' in report
        assert f"Row 4: <code>nobody@{b.domain}</code>" in report
        assert "Row 5: <code>not an address</code> — malformed row" in report
        assert "Row 6:" in report and "must be true or false" in report

        following = {x.acct: x for x in ines.account_following(ines.me().id)}
        assert set(following) == {f"omar@{b.domain}", f"lena@{b.domain}", "paz"}
        relations = {r.id: r for r in ines.account_relationships([x.id for x in following.values()])}
        lena = relations[following[f"lena@{b.domain}"].id]
        assert lena.following and not lena.showing_reblogs and lena.notifying

        # overwrite: everyone the file leaves out is unfollowed
        with httpx.Client(base_url=a.url) as browser:
            login(browser, "ines")
            assert upload_file(browser, f"omar@{b.domain}\n".encode(), "overwrite").status_code in (302, 303)
            settle(a, b, a)
        assert [x.acct for x in ines.account_following(ines.me().id)] == [f"omar@{b.domain}"]
