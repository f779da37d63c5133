"""`impasto db copy`: a populated instance goes from SQLite to a fresh PostgreSQL database
and back to a new SQLite file with every row equal, ids kept and PostgreSQL's sequences
moved past them; bad input ends in one line, never a traceback."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from instance import counters
from instance.actions import social, works
from instance.actors.accounts import create_local_user
from instance.jobboard import listings
from instance.jobs.schedule import ensure_periodic_jobs
from instance.storage import db
from instance.storage.copy import Table, _open, copy_database, plan_tables
from instance.storage.models import Account, MediaAttachment, User, Work
from tests.conftest import create_postgres_database, drop_postgres_database, require_postgres
from tests.rig.processes import impasto_env, run_cli
from tests.rig.services import built_services

LISTING = {
    "title": "Background painter for an animated short",
    "description": "Twelve *painted* backgrounds in gouache.",
    "organisation_name": "Heron Studio", "kind": "contract", "location_mode": "remote",
    "pay_min": "300", "pay_max": "450", "pay_currency": "EUR", "pay_period": "day",
    "skills": "background painting", "deadline": "2027-03-31",
}


async def populate(url: str, tmp_path: Path) -> None:
    """Accounts, works with tags and replies, media rows, follows, likes, a job listing,
    queued jobs, periodic claims and rate counters."""
    await db.migrate(url)
    await db.connect(url)
    try:
        async for services in built_services(url, tmp_path):
            alice_user = await create_local_user(services.urls, "alice", "correct horse battery",
                                                 role="admin", email="alice@art.test")
            await create_local_user(services.urls, "bob", "correct horse battery")
            await create_local_user(services.urls, "carol", "correct horse battery")
            alice, bob, carol = [await Account.get(username=n, domain=None)
                                 for n in ("alice", "bob", "carol")]
            await social.follow(services, bob, alice)
            await social.follow(services, carol, alice)
            sea = await works.create_work(services, alice, title="Sea", content_source="Oil, *wet*",
                                          tags=["seascape", "oil"])
            reply = await works.create_work(services, bob, title="", content_source="Lovely",
                                            in_reply_to_id=sea.id)
            later = await works.create_work(services, carol, title="Dunes", content_source="Ink",
                                            tags=["ink"])
            # A reply to a row with a larger id: order by id alone would break its key.
            await Work.filter(id=sea.id).update(in_reply_to_id=later.id)
            await social.like(services, carol, sea)
            await social.boost(services, carol, sea)
            await MediaAttachment.create(
                account=alice, work=sea, state="ready", original_key="originals/a.png",
                original_type="image/png", original_bytes=1234, sha256="ab" * 32,
                variants={"display": {"key": "variants/a.webp", "width": 800}},
                description="A grey sea", blurhash="LEHV6nWB2yk8", focus_x=0.25, focus_y=-0.5,
                width=800, height=600, cloak_level="medium", cloak_metrics={"ssim": 0.97})
            await listings.create_listing(services, alice_user, LISTING, publish=True)
            await ensure_periodic_jobs(services)
            await counters.hit("api:1.2.3.4", 300)
            assert reply.in_reply_to_id == sea.id
    finally:
        await db.disconnect()


def _normal(table: Table, row: dict[str, Any]) -> tuple:
    return tuple(read(row[c]) for c, read in zip(table.columns, table.python, strict=True))


async def every_row(url: str, other: str) -> dict[str, list[tuple]]:
    """Every row of every table of `url`, as Python values, in key order."""
    await _open(url, other)
    from tortoise import connections

    client = connections.get("default")
    try:
        rows: dict[str, list[tuple]] = {}
        for table in plan_tables():
            order = ", ".join(f'"{k}"' for k in table.key)
            found = await client.execute_query_dict(f'SELECT * FROM "{table.name}" ORDER BY {order}')
            rows[table.name] = [_normal(table, row) for row in found]
        return rows
    finally:
        await db.disconnect()


@pytest.mark.postgres
async def test_copy_to_postgres_and_back_keeps_every_row(tmp_path):
    require_postgres()
    first, back = f"sqlite://{tmp_path / 'first.sqlite3'}", f"sqlite://{tmp_path / 'back.sqlite3'}"
    await populate(first, tmp_path)
    postgres = await create_postgres_database()  # empty: the copy migrates it
    try:
        seen: dict[str, int] = {}
        copied = await copy_database(first, postgres, batch_size=2,  # many batches
                                     progress=lambda table, done, total: seen.update({table: done}))
        assert copied["accounts"] >= 3 and copied["works"] == 3 and copied["work_tags"] == 3
        assert copied["follows"] == 2 and copied["media_attachments"] == 1
        assert copied["job_listings"] == 1 and copied["jobs"] > 0 and copied["periodic_runs"] == 5
        assert seen == copied

        original = await every_row(first, postgres)
        assert await every_row(postgres, first) == original
        assert sum(len(rows) for rows in original.values()) == sum(copied.values())

        # The sequences moved past the copied ids: new rows get fresh ones.
        await db.connect(postgres)
        try:
            top = max(await Work.all().values_list("id", flat=True))
            fresh = await Work.create(account=await Account.get(username="alice", domain=None),
                                      ap_id="https://art.test/works/fresh", content="")
            assert fresh.id == top + 1
            await fresh.delete()
        finally:
            await db.disconnect()

        result = run_cli(["db", "copy", postgres, back], impasto_env(back, tmp_path))
        assert result.returncode == 0, result.stderr
        assert "the row counts match" in result.stdout
        assert await every_row(back, first) == original
        with sqlite3.connect(tmp_path / "back.sqlite3") as plain:  # ids go on from the copy
            plain.execute("INSERT INTO tags (name) VALUES ('fresh')")
            (tag_id,), = plain.execute("SELECT id FROM tags WHERE name = 'fresh'")
            assert tag_id == max(row[0] for row in original["tags"]) + 1

        refused = run_cli(["db", "copy", first, postgres], impasto_env(first, tmp_path))
        assert refused.returncode == 2 and "Traceback" not in refused.stderr
        assert "is not empty" in refused.stderr and "copy into a new, empty database" in refused.stderr
    finally:
        await drop_postgres_database(postgres)
    await db.connect(first)
    try:
        assert await User.filter(role="admin").count() == 1  # the source is untouched
    finally:
        await db.disconnect()


def test_bad_input_is_refused_in_one_line(tmp_path):
    env = impasto_env(f"sqlite://{tmp_path / 'x.sqlite3'}", tmp_path)
    fresh = f"sqlite://{tmp_path / 'new.sqlite3'}"
    cases = {
        ("mysql://root@db/impasto", fresh): "unknown kind of database 'mysql'",
        (fresh, "redis://127.0.0.1/0"): "unknown kind of database 'redis'",
        (f"sqlite://{tmp_path / 'missing.sqlite3'}", fresh): "there is no database file at",
        (fresh, fresh): "the same database",
        ("postgres://u:hunter2@127.0.0.1:1/x", fresh): "cannot reach PostgreSQL",
    }
    (tmp_path / "new.sqlite3").touch()
    for (source, target), words in cases.items():
        result = run_cli(["db", "copy", source, target], env)
        assert result.returncode == 2, (source, target, result.stderr)
        assert "Traceback" not in result.stderr
        assert result.stderr.startswith("impasto: error: ") and words in result.stderr, result.stderr
        assert "hunter2" not in result.stderr
    empty = run_cli(["db", "copy", f"sqlite://{tmp_path / 'new.sqlite3'}",
                     f"sqlite://{tmp_path / 'other.sqlite3'}"], env)
    assert empty.returncode == 2 and "is not an Impasto database" in empty.stderr
