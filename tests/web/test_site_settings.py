"""Instance settings edited in the admin page (real HTTP, SQLite and PostgreSQL): a saved
value wins over the file and environment, a second `impasto run` and a separate
`impasto worker` use it without a restart, bad input is refused field by field with
nothing saved, and every save leaves an audit entry."""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest

from instance.jobs import JobQueue
from instance.storage.models import AuditEntry, InstanceSetting
from tests.rig.databases import migrate_for
from tests.rig.processes import impasto_env, run_cli, running_server
from tests.web.test_admin_pages import in_db
from tests.web.test_auth_pages import login, signup

pytestmark = pytest.mark.slow


@pytest.fixture
def shared_site(make_database, tmp_path):
    """Two `impasto run` processes on one database (no embedded workers), an admin and an
    artist; the environment sets registration to approval and the AI policy to prohibited."""
    url = make_database("site")
    env = impasto_env(url, tmp_path, REGISTRATION_MODE="approval", SERVER_RUN_WORKER="false",
                      AI_DECLARED_POLICY="prohibited")
    migrate_for(env)
    for name, role in (("boss", "--admin"), ("mira", None)):
        args = ["user", "create", name, "--password-stdin"] + ([role] if role else [])
        assert run_cli(args, env, stdin="a long enough password\n").returncode == 0
    with running_server(env) as first, running_server(env) as second:
        yield first.url, second.url, url, env


def current_form(client: httpx.Client) -> dict[str, str]:
    """The settings form as the page fills it (text, selects, textareas, checked boxes)."""
    page = client.get("/admin/instance").text
    form = {"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)}
    for name, value in re.findall(r'<input id="f-([\w.]+)" name="[\w.]+" value="([^"]*)"', page):
        form[name] = value
    for name, body in re.findall(r'<select id="f-([\w.]+)"[^>]*>(.*?)</select>', page, re.S):
        form[name] = re.search(r'<option value="([^"]*)" selected>', body).group(1)
    for name, body in re.findall(r'<textarea id="f-([\w.]+)"[^>]*>(.*?)</textarea>', page, re.S):
        form[name] = body
    for name in re.findall(r'name="([\w.]+)" value="1" checked', page):
        form[name] = "1"
    return form


def nodeinfo(base: str) -> dict:
    # A just-started process's first answer can take longer than httpx's default 5 s on
    # a loaded machine (the first request warms its database pool and templates).
    return httpx.get(base + "/nodeinfo/2.1", timeout=60).json()


def test_a_saved_setting_reaches_every_process_without_restart(shared_site, tmp_path):
    first, second, url, env = shared_site
    assert nodeinfo(second)["openRegistrations"] is False  # the second process has read it
    with httpx.Client(base_url=first) as admin:
        login(admin, "boss")
        page = admin.get("/admin/instance").text
        assert "wins over" in page and "environment" in page  # origins are shown
        form = current_form(admin)
        assert form["registration.mode"] == "approval"
        form.update({"registration.mode": "open", "ai.declared_policy": "allowed",
                     "ai.remote_ai_verdict": "label", "instance.name": "Studio Nord",
                     "instance.rules": "Credit your references\nNo AI-generated work"})
        saved = admin.post("/admin/instance", data=form)
        assert saved.status_code == 302, saved.text
        page = admin.get(saved.headers["location"]).text
        assert "Saved:" in page and "set here" in page

    info = nodeinfo(second)  # the other web process, never restarted
    assert info["openRegistrations"] is True
    assert info["metadata"]["nodeName"] == "Studio Nord"
    assert info["metadata"]["aiContentPolicy"] == "allowed"
    with httpx.Client(base_url=second) as newcomer:  # open mode: no approval needed
        assert signup(newcomer, "nell").status_code == 302

    log = tmp_path / "settings.log"
    asyncio.run(in_db(url, lambda: JobQueue().enqueue("test.settings", {"log": str(log)})))
    done = run_cli(["worker", "--until-idle"], env)
    assert done.returncode == 0, done.stderr
    assert log.read_text().split()[1:] == ["open", "allowed", "label"]

    async def stored():
        rows = dict(await InstanceSetting.all().values_list("key", "value"))
        audit = await AuditEntry.filter(action="settings.change").values_list("target", flat=True)
        return rows, audit
    rows, audit = asyncio.run(in_db(url, stored))
    assert rows["registration.mode"] == {"value": "open"} and rows["_version"] == {"value": 1}
    assert rows["instance.rules"] == {"value": ["Credit your references", "No AI-generated work"]}
    assert len(audit) == 1 and "registration.mode" in audit[0]


BAD_VALUES = {
    "instance.name": ("", "1 to 100 characters"),
    "instance.description": (None, "missing from the form"),
    "instance.rules": ("x" * 501, "at most 500 characters"),
    "instance.contact_email": ("not an address", "not an email address"),
    "instance.default_licence": ("mine-all-mine", "must be one of"),
    "registration.mode": ("everyone", "must be one of closed, approval, invite, open"),
    "registration.questions": ("\n".join(f"q{n}" for n in range(6)), "at most 5 questions"),
    "cloak.default_level": ("max", "must be one of off, low, medium, high"),
    "ai.declared_policy": ("sometimes", "must be one of prohibited, labelled, allowed"),
    "ai.local_ai_verdict": ("ignore", "must be one of reject, hold, label"),
    "ai.local_needs_review": ("never", "must be one of publish, hold"),
    "ai.remote_ai_verdict": ("keep", "must be one of drop, hide, label"),
    "ai.defederate_declared_ai": ("block", "must be one of off, silence, suspend"),
    "ai.propose_ai_rate_percent": ("half", "must be a whole number"),
    "ai.propose_min_works": ("2.5", "must be a whole number"),
    "jobboard.posting": ("anyone", "must be one of everyone, approved, staff"),
}


def test_bad_input_is_refused_per_field_and_nothing_is_saved(shared_site):
    first, _, url, _ = shared_site
    with httpx.Client(base_url=first) as admin:
        login(admin, "boss")
        for name, (bad, message) in BAD_VALUES.items():
            form = current_form(admin)
            form["registration.mode"] = "open"  # a good change riding along must not be saved
            if bad is None:
                del form[name]
            else:
                form[name] = bad
            refused = admin.post("/admin/instance", data=form)
            assert refused.status_code == 422, name
            assert message in refused.text, (name, refused.text[-2000:])
            assert "Nothing was saved" in refused.text
    with httpx.Client(base_url=first) as artist:
        login(artist, "mira")
        assert artist.post("/admin/instance", data={}).status_code in (400, 403)
    assert asyncio.run(in_db(url, lambda: InstanceSetting.all().count())) == 0
    assert nodeinfo(first)["openRegistrations"] is False
