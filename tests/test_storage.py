"""The data model on SQLite and PostgreSQL: migrations, uniqueness of remote ids,
SQLite tuning."""

from __future__ import annotations

import pytest
from tortoise import Tortoise
from tortoise.exceptions import IntegrityError

from instance.actors.accounts import (
    AccountError,
    create_local_user,
    get_local_user,
    suspend_user,
    verify_password,
)
from instance.storage import db
from instance.storage.models import Account, Follow, Job, MediaAttachment, Tag, Work
from instance.urls import LocalUrls

URLS = LocalUrls("https://art.example")


async def test_migrations_are_idempotent(database_url):
    await db.migrate(database_url)  # second run: nothing to do, nothing breaks
    await db.connect(database_url)
    try:
        assert await Account.all().count() == 0
    finally:
        await db.disconnect()


async def test_local_user_gets_keys_endpoints_and_a_hashed_password(connected):
    user = await create_local_user(URLS, "Mira", "correct horse battery", email="mira@example.org")
    account = await Account.get(id=user.account_id)
    assert account.ap_id == "https://art.example/users/mira"
    assert account.inbox_url == "https://art.example/users/mira/inbox"
    assert account.shared_inbox_url == "https://art.example/inbox"
    assert account.public_key_id == "https://art.example/users/mira#main-key"
    assert "BEGIN PUBLIC KEY" in account.public_key_pem
    assert "BEGIN PRIVATE KEY" in account.private_key_pem
    assert account.domain is None and account.is_local
    assert "correct horse" not in user.password_hash
    assert verify_password(user.password_hash, "correct horse battery")
    assert not verify_password(user.password_hash, "wrong password!")


async def test_usernames_and_emails_are_unique(connected):
    await create_local_user(URLS, "mira", "correct horse battery", email="m@example.org")
    with pytest.raises(AccountError, match="taken"):
        await create_local_user(URLS, "MIRA", "correct horse battery")
    with pytest.raises(AccountError, match="already registered"):
        await create_local_user(URLS, "other", "correct horse battery", email="m@example.org")
    with pytest.raises(AccountError, match="at least 10"):
        await create_local_user(URLS, "short", "abc")
    with pytest.raises(AccountError, match="lower-case letters"):
        await create_local_user(URLS, "no spaces", "correct horse battery")


async def test_remote_objects_are_keyed_by_their_activitypub_id(connected):
    remote = await Account.create(
        ap_id="https://elsewhere.example/users/mira", username="mira", domain="elsewhere.example"
    )
    with pytest.raises(IntegrityError):
        await Account.create(
            ap_id="https://elsewhere.example/users/mira",
            username="mira2",
            domain="elsewhere.example",
        )
    work = await Work.create(ap_id="https://elsewhere.example/notes/1", account=remote, local=False)
    with pytest.raises(IntegrityError):
        await Work.create(ap_id="https://elsewhere.example/notes/1", account=remote, local=False)
    assert (await Work.get(ap_id="https://elsewhere.example/notes/1")).id == work.id


async def test_works_media_tags_and_follows_relate(connected):
    artist = (await create_local_user(URLS, "ana", "correct horse battery")).account_id
    fan = await Account.create(ap_id="https://b.example/u/fan", username="fan", domain="b.example")
    work = await Work.create(
        ap_id=URLS.actor("ana") + "/works/1",
        account_id=artist,
        title="Harbour at dusk",
        medium="oil on canvas",
        tools=["brush", "palette knife"],
        licence="CC-BY-NC-4.0",
    )
    tag = await Tag.create(name="oilpainting")
    await work.tags.add(tag)
    await MediaAttachment.create(
        account_id=artist, work=work, description="A harbour", width=10, height=8
    )
    await Follow.create(follower=fan, target_id=artist, state="accepted")
    with pytest.raises(IntegrityError):
        await Follow.create(follower=fan, target_id=artist)
    loaded = await Work.get(id=work.id).prefetch_related("tags", "media")
    assert [t.name for t in loaded.tags] == ["oilpainting"]
    assert loaded.tools == ["brush", "palette knife"]
    assert [m.description for m in loaded.media] == ["A harbour"]


async def test_suspending_a_user_blocks_login_and_hides_the_account(connected):
    await create_local_user(URLS, "gone", "correct horse battery")
    await suspend_user("gone")
    user = await get_local_user("gone")
    await user.fetch_related("account")
    assert user.disabled and user.account.suspended
    with pytest.raises(AccountError, match="no local user"):
        await suspend_user("nobody")


async def test_sqlite_runs_in_wal_with_normal_sync(tmp_path):
    url = f"sqlite://{tmp_path / 'wal.sqlite3'}"
    await db.migrate(url)
    await db.connect(url)
    try:
        conn = Tortoise.get_connection("default")
        _, mode = await conn.execute_query("PRAGMA journal_mode")
        _, sync = await conn.execute_query("PRAGMA synchronous")
        assert mode[0][0].lower() == "wal"
        assert sync[0][0] == 1  # NORMAL
    finally:
        await db.disconnect()


def test_model_descriptions_hold_no_semicolon():
    """Tortoise's SQLite migration runner splits statements on ';', and it copies each
    model's docstring into a SQL comment: a ';' there breaks the migration."""
    from tortoise import Tortoise as T

    from instance.storage import models

    for name in models.__all__:
        model = getattr(models, name)
        assert ";" not in (model.__doc__ or ""), f"{name}'s docstring has a ';'"
    assert T is not None


async def test_job_rows_round_trip_payloads(connected):
    from instance.jobs import JobQueue

    job_id = await JobQueue().enqueue("x.y", {"inbox": "https://b.example/inbox", "n": [1, 2]})
    job = await Job.get(id=job_id)
    assert job.payload == {"inbox": "https://b.example/inbox", "n": [1, 2]}
    assert job.state == "queued" and job.attempts == 0


async def test_every_model_column_exists_after_migrating(connected):
    """Every model field has its column after migrating (Tortoise's migration writer once
    silently dropped the foreign keys of models in an FK cycle). Introspected, because
    SQLite reads an unknown double-quoted column name as a string literal."""
    from instance.storage import models

    conn = Tortoise.get_connection("default")
    for name in models.__all__:
        model = getattr(models, name)
        table = model._meta.db_table
        if conn.capabilities.dialect == "postgres":
            rows = await conn.execute_query_dict(
                "SELECT column_name AS name FROM information_schema.columns WHERE table_name = $1", [table]
            )
        else:
            rows = await conn.execute_query_dict(f'PRAGMA table_info("{table}")')
        present = {row["name"] for row in rows}
        expected = set(model._meta.fields_db_projection.values())
        assert expected <= present, f"{table} lacks {sorted(expected - present)}"
