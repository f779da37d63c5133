"""Roles and custom permissions (instance/moderation/permissions.py), the dashboard's
numbers against known rows, the audit log's filters, the mailed rejection reason (a real
SMTP server on loopback) and the CLI reading the settings saved in the admin page.
SQLite and PostgreSQL."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

import pytest

from instance import site_settings
from instance.actors.accounts import create_local_user
from instance.cli.acting import needed_permission, prepare
from instance.cli.main import build_parser
from instance.config import load_config
from instance.jobs import kinds
from instance.moderation import dashboard, permissions
from instance.moderation.reports import file_report, reject_signup
from instance.storage import db
from instance.storage.models import (
    AuditEntry,
    InstanceInfo,
    Job,
    JobState,
    MediaAttachment,
    User,
    Work,
)
from tests.rig.jobs import run_jobs_until_idle
from tests.test_actions import remote
from tests.test_mail import mail_services, smtp  # noqa: F401 (fixtures)

PASSWORD = "a long enough password"


async def _user(services, name: str, **extra) -> User:
    return await create_local_user(services.urls, name, PASSWORD, **extra)


async def test_roles_and_custom_permissions(services):
    boss = await _user(services, "boss", role="admin")
    mod = await _user(services, "mod", role="moderator")
    ada = await _user(services, "ada")
    assert permissions.permissions_of(boss) == frozenset(permissions.PERMISSIONS)
    assert permissions.has(mod, "manage_reports") and not permissions.has(mod, "manage_settings")
    assert permissions.permissions_of(ada) == frozenset() and not permissions.is_staff(ada)
    with pytest.raises(permissions.PermissionRefused) as refused:
        permissions.require(mod, "manage_settings")
    assert refused.value.status == 403 and "manage_settings" in refused.value.message

    boss_account = await boss.account
    assert await permissions.set_role(boss_account, ada, "artist", ["manage_reports"])
    ada = await User.get(id=ada.id)
    assert ada.permissions == "manage_reports" and permissions.is_staff(ada)
    assert permissions.has(ada, "manage_reports") and not permissions.has(ada, "manage_domains")
    # a grant the role already gives is not stored; the same choice again changes nothing
    assert await permissions.set_role(boss_account, mod, "moderator",
                                      ["manage_reports", "manage_settings"])
    assert (await User.get(id=mod.id)).permissions == "manage_settings"
    assert not await permissions.set_role(boss_account, mod, "moderator", ["manage_settings"])
    with pytest.raises(permissions.RoleError, match="Unknown permission"):
        await permissions.set_role(boss_account, ada, "artist", ["launch_rockets"])
    with pytest.raises(permissions.RoleError, match="last admin"):
        await permissions.set_role(boss_account, boss, "moderator", [])
    assert (await User.get(id=boss.id)).role == "admin"
    # a suspended account holds nothing, whatever its role
    mod.disabled = True
    assert permissions.permissions_of(mod) == frozenset()

    changes = await AuditEntry.filter(action="account.role").order_by("id")
    assert [(e.actor_id, e.target, e.detail["permissions"]) for e in changes] == [
        (boss_account.id, str(ada.account_id), ["manage_reports"]),
        (boss_account.id, str(mod.account_id), ["manage_settings"]),
    ]


async def test_dashboard_counts_known_rows(services):
    ada = await _user(services, "ada")
    await _user(services, "ben")
    await _user(services, "cy", approved=False)
    await _user(services, "dee", email="dee@example.org", email_pending=True)
    gone = await _user(services, "eve")
    await User.filter(id=gone.id).update(disabled=True)
    far = await remote("zed", "far.example")
    ada_account = await ada.account
    for number in range(3):
        await Work.create(ap_id=f"{services.urls.base}/works/{number}", account=ada_account)
    await Work.create(ap_id="https://far.example/notes/1", account=far, local=False)
    for size in (1000, 2500):
        await MediaAttachment.create(account=ada_account, original_bytes=size)
    await MediaAttachment.create(account=far, original_bytes=99999,
                                 remote_url="https://far.example/1.png")
    await services.jobs.enqueue(kinds.PROCESS_MEDIA, {"media_id": 1})
    await services.jobs.enqueue(kinds.PROCESS_MEDIA, {"media_id": 2})
    failed = await services.jobs.enqueue(kinds.DELIVER, {"inbox": "https://far.example/inbox"})
    await Job.filter(id=failed).update(state=JobState.FAILED)
    await InstanceInfo.create(domain="far.example", failure_days=["2026-01-01"])
    await InstanceInfo.create(domain="gone.example", unavailable=True)
    await InstanceInfo.create(domain="fine.example", last_success_at=datetime.now(UTC))
    await file_report(ada_account, far, comment="spam", category="spam")
    await AuditEntry.create(actor=ada_account, action="media.approve", target="7")

    board = await dashboard.dashboard()
    assert (board.users, board.users_waiting, board.users_suspended) == (2, 2, 1)
    assert (board.works_local, board.works_remote) == (3, 1)
    assert (board.storage_bytes, board.media_count) == (3500, 2)
    assert dashboard.size_words(board.storage_bytes) == "3.4 KB"
    rows = {row.kind: (row.waiting, row.failed) for row in board.jobs}
    assert rows == {kinds.PROCESS_MEDIA: (2, 0), kinds.DELIVER: (0, 1)}
    assert (board.jobs_waiting, board.jobs_failed) == (2, 1)
    assert (board.hosts_failing, board.hosts_unavailable) == (1, 1)
    assert board.open_reports == 1 and [r.comment for r in board.recent_reports] == ["spam"]
    assert [e.action for e in board.recent_reviews] == ["media.approve"]


async def test_audit_log_filters(services):
    mod = await (await _user(services, "mod", role="moderator")).account
    boss = await (await _user(services, "boss", role="admin")).account
    await AuditEntry.create(actor=mod, action="domain.block", target="a.example")
    await AuditEntry.create(actor=boss, action="domain.unblock", target="a.example")
    await AuditEntry.create(actor=None, action="signup.reject", target="3")
    old = await AuditEntry.create(actor=mod, action="report.resolve", target="1")
    await AuditEntry.filter(id=old.id).update(created_at=datetime(2025, 3, 1, 12, tzinfo=UTC))

    async def targets(**chosen: str) -> list[tuple[str, str]]:
        return [(e.action, e.target) for e in await dashboard.audit_entries(**chosen)]

    assert await targets(actor="mod") == [("report.resolve", "1"), ("domain.block", "a.example")]
    assert await targets(actor="@MOD", action="domain") == [("domain.block", "a.example")]
    assert await targets(actor="system") == [("signup.reject", "3")]
    assert await targets(actor="nobody") == []
    assert await targets(action="domain.unblock") == [("domain.unblock", "a.example")]
    assert await targets(since="2025-03-01", until="2025-03-01") == [("report.resolve", "1")]
    today = datetime.now(UTC).date()
    assert len(await targets(since=today.isoformat())) == 3
    assert await targets(until="2025-02-28") == []
    with pytest.raises(dashboard.AuditFilterError, match="From must be a date"):
        await targets(since="yesterday")
    assert await dashboard.audit_actions() == [
        "domain.block", "domain.unblock", "report.resolve", "signup.reject"]


async def test_rejection_reason_is_mailed(mail_services, smtp):  # noqa: F811 (fixtures)
    services = mail_services
    boss = await (await _user(services, "boss", role="admin")).account
    applicant = await _user(services, "cy", email="cy@example.org", approved=False)
    silent = await _user(services, "dee", approved=False)  # gave no address
    assert await reject_signup(boss, applicant.id, "  We are a comics collective.  ", services)
    assert not await reject_signup(boss, silent.id, "no", services)
    assert await run_jobs_until_idle(services) == 1
    message = smtp.only_message_to("cy@example.org")
    assert "Your sign-up at" in message["Subject"]
    body = message.get_content()
    assert "We are a comics collective." in body and "was not accepted" in body
    assert not await User.filter(id__in=(applicant.id, silent.id)).exists()
    entries = await AuditEntry.filter(action="signup.reject").order_by("id")
    assert [(e.detail["reason"], e.detail["mailed"]) for e in entries] == [
        ("We are a comics collective.", True), ("no", False)]


async def test_no_mail_without_smtp(services):
    applicant = await _user(services, "cy", email="cy@example.org", approved=False)
    assert not await reject_signup(None, applicant.id, "full", services)
    assert not await Job.filter(kind=kinds.SEND_REJECTION_MAIL).exists()


def test_cli_reads_the_stored_settings_and_checks_as(tmp_path):
    """Every command but run/worker/migrate/setup/backup sees the settings saved in the
    admin page; `--as` names the permission each admin command needs."""
    import asyncio

    url = f"sqlite://{tmp_path / 'impasto.sqlite3'}"
    config = load_config(environ={"IMPASTO_DATABASE_URL": url})

    async def store() -> None:
        await db.migrate(url)
        await db.connect(url)
        try:
            from tests.rig.services import built_services

            async for services in built_services(url, tmp_path):
                await site_settings.save(services, {"instance.name": "Stored name"}, None)
        finally:
            await db.disconnect()

    asyncio.run(store())
    parser = build_parser()
    assert prepare(config, parser.parse_args(["domain", "list"])).instance.name == "Stored name"
    assert prepare(config, parser.parse_args(["worker"])).instance.name == config.instance.name
    assert needed_permission(parser.parse_args(["--as", "x", "domain", "list"])) == "manage_domains"
    assert needed_permission(parser.parse_args(["user", "suspend", "x"])) == "manage_users"
    assert needed_permission(parser.parse_args(["jobs-board", "release", "1"])) == "manage_jobs"
    assert needed_permission(parser.parse_args(["jobs-board", "list"])) is None
    assert needed_permission(parser.parse_args(["emoji", "remove", "x"])) == "manage_settings"
    assert needed_permission(argparse.Namespace(command="jobs")) is None
