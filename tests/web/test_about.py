"""The public /about page and Mastodon's `/api/v1/instance/domain_blocks` and
`/api/v1/instance/rules` over real HTTP (SQLite and PostgreSQL): rules, staff, the AI
policy in words as set in the admin page, and the moderated servers with their reasons,
obfuscated where the policy says so."""

from __future__ import annotations

import hashlib

import httpx
import pytest

from tests.rig.databases import migrate_for
from tests.rig.processes import impasto_env, run_cli, running_server
from tests.web.test_auth_pages import login
from tests.web.test_site_settings import current_form

pytestmark = pytest.mark.slow


def test_about_lists_rules_staff_ai_policy_and_moderated_servers(make_database, tmp_path):
    url = make_database("about")
    env = impasto_env(url, tmp_path, REGISTRATION_MODE="approval")
    migrate_for(env)
    for name, role in (("boss", "--admin"), ("mod", "--moderator"), ("mira", None)):
        args = ["user", "create", name, "--password-stdin"] + ([role] if role else [])
        done = run_cli(args, env, stdin="a long enough password\n")
        assert done.returncode == 0, done.stderr
    blocks = (["slop.example", "--public-comment", "AI image farm"],
              ["shouty.example", "--severity", "silence", "--public-comment", "Harassment"],
              ["secret-bad.example", "--obfuscate", "--public-comment", "Gore"],
              ["quiet.example", "--severity", "noop", "--reject-media"])
    for block in blocks:
        done = run_cli(["domain", "block", *block], env)
        assert done.returncode == 0, done.stderr
    with running_server(env) as server, httpx.Client(base_url=server.url) as client:
        login(client, "boss")
        form = current_form(client)
        form.update({"instance.rules": "Credit your references\nNo AI-generated work",
                     "ai.remote_ai_verdict": "drop"})
        assert client.post("/admin/instance", data=form).status_code == 302
        with httpx.Client(base_url=server.url) as visitor:
            page = visitor.get("/about")
            api = visitor.get("/api/v1/instance/domain_blocks").json()
            rules = visitor.get("/api/v1/instance/rules").json()
    assert page.status_code == 200
    text = page.text
    assert "Credit your references" in text and "No AI-generated work" in text
    assert "@boss" in text and "@mod" in text and "@mira" not in text
    assert "AI-generated images are not welcome here." in text
    assert "declare AI-made images are not kept here" in text  # the value saved a moment ago
    assert "slop.example" in text and "AI image farm" in text and "Harassment" in text
    assert "secret-bad.example" not in text and "Gore" in text
    assert "quiet.example" not in text  # media rejection only: not a limit to list
    by_digest = {entry["digest"]: entry for entry in api}
    hidden = by_digest[hashlib.sha256(b"secret-bad.example").hexdigest()]
    assert hidden["domain"] == "secre*****.***mple" and hidden["comment"] == "Gore"  # Mastodon's rule
    assert "secre*****.***mple" in text
    assert {e["domain"]: e["severity"] for e in api}["shouty.example"] == "silence"
    assert {e["domain"]: e["comment"] for e in api}["slop.example"] == "AI image farm"
    assert [r["text"] for r in rules] == ["Credit your references", "No AI-generated work"]
