"""Admin pages over real HTTP: only staff get in; domain policies, blocklist import and
export, the AI report's one-click defederation, sign-up approval and the report queue."""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest

from instance.moderation.blocklist_formats import MASTODON_CSV_HEADER
from instance.storage import db
from instance.storage.models import Account, AuditEntry, InstanceInfo, Report, Work
from tests.rig.databases import migrate_for
from tests.rig.processes import impasto_env, run_cli, running_server
from tests.web.test_auth_pages import csrf, login, signup

pytestmark = pytest.mark.slow


@pytest.fixture
def site(tmp_path):
    url = f"sqlite://{tmp_path / 'impasto.sqlite3'}"
    env = impasto_env(url, tmp_path, REGISTRATION_MODE="approval")
    migrate_for(env)
    for name, role in (("boss", "--admin"), ("mira", None)):
        args = ["user", "create", name, "--password-stdin"] + ([role] if role else [])
        assert run_cli(args, env, stdin="a long enough password\n").returncode == 0
    with running_server(env) as server:
        yield server.url, url, env


async def in_db(url: str, action):
    await db.connect(url)
    try:
        return await action()
    finally:
        await db.disconnect()


def test_only_staff_see_admin_pages(site):
    base, _, _ = site
    with httpx.Client(base_url=base) as anonymous:
        assert anonymous.get("/admin/domains").status_code == 302
    with httpx.Client(base_url=base) as artist:
        login(artist, "mira")
        assert artist.get("/admin/domains").status_code == 403
    with httpx.Client(base_url=base) as admin:
        login(admin, "boss")
        for path in (
            "/admin/",
            "/admin/domains",
            "/admin/ai-report",
            "/admin/subscriptions",
            "/admin/registrations",
            "/admin/reports",
        ):
            assert admin.get(path).status_code == 200, path


def test_domain_policies_from_the_admin_pages(site):
    base, url, env = site
    with httpx.Client(base_url=base) as admin:
        login(admin, "boss")
        form = {
            "csrf_token": csrf(admin, "/admin/domains"),
            "domain": "Slop.Example",
            "severity": "suspend",
            "reject_media": "on",
            "public_comment": "AI farm",
        }
        assert admin.post("/admin/domains", data=form).status_code == 302
        page = admin.get("/admin/domains").text
        assert "slop.example" in page and "AI farm" in page
        bad = admin.post("/admin/domains", data={**form, "domain": "not a domain"})
        assert bad.status_code == 422 and "not a valid domain name" in bad.text

        csv_text = MASTODON_CSV_HEADER + "\nloud.example,silence,false,false,,false\n"
        token = csrf(admin, "/admin/domains")
        imported = admin.post(
            "/admin/domains/import",
            data={"csrf_token": token},
            files={"file": ("list.csv", csv_text.encode(), "text/csv")},
        )
        assert imported.status_code == 302
        export = admin.get("/admin/domains/export.csv")
        assert export.headers["content-type"].startswith("text/csv")
        assert export.text.splitlines()[1:] == [
            "loud.example,silence,false,false,,false",
            "slop.example,suspend,true,false,AI farm,false",
        ]
        broken = admin.post(
            "/admin/domains/import",
            data={"csrf_token": token},
            files={"file": ("bad.csv", b"#domain,#severity\nx.example,zap\n", "text/csv")},
        )
        assert broken.status_code == 422 and "line 2: severity must be one of" in broken.text
        token = csrf(admin, "/admin/domains")
        assert admin.post("/admin/domains/loud.example/remove", data={"csrf_token": token}).status_code == 302
    listing = run_cli(["domain", "list"], env).stdout
    assert "slop.example" in listing and "loud.example" not in listing


def test_ai_report_defederates_in_one_action(site):
    base, url, env = site

    async def meet():
        await InstanceInfo.create(
            domain="gen.example",
            software="mastodon",
            declared_ai_policy="allowed",
            works_seen=10,
            ai_works_seen=7,
        )

    asyncio.run(in_db(url, meet))
    with httpx.Client(base_url=base) as admin:
        login(admin, "boss")
        page = admin.get("/admin/ai-report").text
        assert "gen.example" in page and "allowed" in page and "70%" in page
        token = csrf(admin, "/admin/ai-report")
        done = admin.post("/admin/ai-report/gen.example/defederate", data={"csrf_token": token})
        assert done.status_code == 302
    assert re.search(r"gen\.example\s+suspend", run_cli(["domain", "list"], env).stdout)


def test_signup_approval_and_report_queue(site):
    base, url, env = site
    with httpx.Client(base_url=base) as visitor:
        signup(visitor, "newbie", reason="I draw birds")

    async def report():
        mira = await Account.get(username="mira", domain=None)
        troll = await Account.create(ap_id="https://x.example/u/t", username="t", domain="x.example")
        work = await Work.create(ap_id="https://x.example/n/1", account=troll, local=False, state="ready")
        return (await Report.create(reporter=mira, target=troll, work_ids=[work.id], comment="stolen art")).id

    report_id = asyncio.run(in_db(url, report))
    with httpx.Client(base_url=base) as admin:
        login(admin, "boss")
        page = admin.get("/admin/registrations").text
        assert "newbie" in page and "I draw birds" in page
        user_id = re.search(r'/admin/registrations/(\d+)"', page).group(1)
        token = csrf(admin, "/admin/registrations")
        admin.post(f"/admin/registrations/{user_id}", data={"csrf_token": token, "action": "approve"})
        assert "stolen art" in admin.get("/admin/reports").text
        for action in ("hide", "suspend", "resolve"):
            token = csrf(admin, "/admin/reports?state=resolved")
            admin.post(
                f"/admin/reports/{report_id}", data={"csrf_token": token, "action": action, "note": "ok"}
            )
    with httpx.Client(base_url=base) as newbie:
        assert login(newbie, "newbie").status_code == 302

    async def check():
        work = await Work.get(ap_id="https://x.example/n/1").prefetch_related("account")
        actions = await AuditEntry.all().order_by("id").values_list("action", flat=True)
        return work.hidden, work.account.suspended, (await Report.get(id=report_id)).state, actions

    hidden, suspended, state, actions = asyncio.run(in_db(url, check))
    assert hidden and suspended and state == "resolved"
    assert actions == ["account.create", "account.create",  # the fixture's CLI `user create`
                       "signup.approve", "work.hide", "account.suspend", "report.resolve"]


def test_invites_and_reports_from_the_pages(tmp_path):
    url = f"sqlite://{tmp_path / 'inv.sqlite3'}"
    env = impasto_env(url, tmp_path, REGISTRATION_MODE="invite")
    migrate_for(env)
    assert (
        run_cli(
            ["user", "create", "boss", "--admin", "--password-stdin"], env, stdin="a long enough password\n"
        ).returncode
        == 0
    )
    with running_server(env) as server, httpx.Client(base_url=server.url) as admin:
        login(admin, "boss")
        created = admin.post(
            "/admin/invites", data={"csrf_token": csrf(admin, "/admin/invites"), "max_uses": "1", "days": "7"}
        )
        assert created.status_code == 302, created.text[:2000]
        done = admin.get(created.headers["location"]).text
        code = re.search(r"New invite link: \S+/invite/([\w-]+)", done).group(1)
        with httpx.Client(base_url=server.url) as newcomer:
            assert signup(newcomer, "ana", invite=code).status_code == 302
        with httpx.Client(base_url=server.url) as second:
            used_up = signup(second, "bea", invite=code)
            assert used_up.status_code == 422 and "used as many times as it allows" in used_up.text
        boss_id = asyncio.run(in_db(url, lambda: Account.get(username="boss").values_list("id", flat=True)))
        with httpx.Client(base_url=server.url) as ana:
            login(ana, "ana")
            token = csrf(ana, f"/report/{boss_id}")
            sent = ana.post(
                f"/report/{boss_id}",
                data={"csrf_token": token, "category": "spam", "comment": "selling prints of others' art"},
            )
            assert sent.status_code == 200 and "moderators will look" in sent.text
        assert "selling prints" in admin.get("/admin/reports").text


def test_like_boost_reply_from_the_work_page_and_search_opt_out(site):
    base, url, env = site

    async def seed():
        mira = await Account.get(username="mira", domain=None)
        return (
            await Work.create(
                ap_id=mira.ap_id + "/works/9",
                account=mira,
                title="Pears",
                state="ready",
                published_at=mira.created_at,
            )
        ).id

    work_id = asyncio.run(in_db(url, seed))
    with httpx.Client(base_url=base) as boss, httpx.Client(base_url=base) as mira:
        login(boss, "boss")
        page = f"/@mira/{work_id}"
        for action in ("like", "boost"):
            boss.post(f"/works/{work_id}/{action}", data={"csrf_token": csrf(boss, page)})
        boss.post(f"/works/{work_id}/reply", data={"csrf_token": csrf(boss, page), "text": "Lovely pears"})
        shown = boss.get(page).text
        assert "1 like · 1 boost · 1 reply" in shown and "Unlike" in shown and "Lovely pears" in shown
        login(mira, "mira")
        assert 'content="noai, noimageai"' in mira.get("/@mira").text
        mira.post(
            "/settings/defaults",
            data={
                "csrf_token": csrf(mira, "/settings"),
                "search_engines": "deny",
                "licence": "",
                "cloak_level": "medium",
            },
        )
        assert 'content="noindex, noai, noimageai"' in httpx.get(base + "/@mira").text
