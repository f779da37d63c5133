"""Upgrading a database that already holds notifications, on SQLite and PostgreSQL: the
notification columns added after `0003_media_progress` (media, detail, read_at) must be
addable to a table with rows (a NOT NULL column without a database default is not)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from tortoise import connections
from tortoise.migrations.api import migrate as run_migrations

from instance.storage import db
from tests.conftest import create_postgres_database, drop_postgres_database, require_postgres

BEFORE = "models.0003_media_progress"
ACCOUNT = (
    "INSERT INTO accounts (ap_id, username, actor_type, display_name, note, fields_json,"
    " also_known_as, locked, bot, discoverable, indexable, suspended, silenced,"
    " followers_count, following_count, works_count, created_at, updated_at) VALUES"
    " ('https://art.example/users/a', 'a', 'Person', '', '', '[]', '[]', {no}, {no}, {yes},"
    " {yes}, {no}, {no}, 0, 0, 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
)
NOTIFICATION = (
    "INSERT INTO notifications (kind, dismissed, created_at, from_account_id, recipient_id)"
    " SELECT 'follow', {no}, CURRENT_TIMESTAMP, id, id FROM accounts"
)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def empty_database(request, tmp_path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite://{tmp_path / 'old.sqlite3'}"
        return
    require_postgres()
    url = await create_postgres_database()
    try:
        yield url
    finally:
        await drop_postgres_database(url)


async def test_notifications_survive_the_upgrade(empty_database):
    url = empty_database
    no, yes = ("0", "1") if url.startswith("sqlite") else ("false", "true")
    await run_migrations(config=db.tortoise_config(url, 2), target=BEFORE)
    await db.disconnect()
    await db.connect(url)
    try:
        await connections.get("default").execute_script(ACCOUNT.format(no=no, yes=yes))
        await connections.get("default").execute_script(NOTIFICATION.format(no=no))
    finally:
        await db.disconnect()

    await db.migrate(url)

    from instance.storage.models import Notification

    await db.connect(url)
    try:
        row = await Notification.get(kind="follow")
        assert row.detail is None and row.read_at is None and row.media_id is None
    finally:
        await db.disconnect()
