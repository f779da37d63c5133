"""Streaming without polling on PostgreSQL: a trigger NOTIFYs from the transaction that
writes a work or a notification, one listener per process wakes its streams; a stream on
one web process sees a post made through another."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from instance.api.stream_wakeup import Wakeups
from tests.client_api.conftest import instance
from tests.client_api.test_endpoints import auth, login

pytestmark = pytest.mark.slow


@pytest.fixture
async def postgres_url():
    from tests.conftest import drop_postgres_database, migrated_postgres_database, require_postgres

    require_postgres()
    url = await migrated_postgres_database()
    try:
        yield url
    finally:
        await drop_postgres_database(url)


async def test_a_committed_notification_wakes_the_listener(postgres_url):
    """No polling: the listener wakes because the trigger NOTIFYs when the row commits."""
    from tortoise.transactions import in_transaction

    from instance.storage import db
    from instance.storage.models import Account, Notification

    wakeups = Wakeups(postgres_url)
    await db.connect(postgres_url)
    try:
        assert await wakeups.start()
        who = await Account.create(ap_id="https://art.test/users/a", username="a")
        mark = wakeups.mark()
        async with in_transaction():
            await Notification.create(recipient=who, from_account=who, kind="mention")
        await asyncio.wait_for(mark.wait(), timeout=30)  # set by the NOTIFY, not by a timer
        assert await wakeups.wait(mark)  # written since the mark: look
        assert not await wakeups.wait(wakeups.mark(), 0.01)  # nothing written: an idle stream reads nothing
        polling = Wakeups(postgres_url, "poll")
        assert await polling.wait(polling.mark())  # polling: every interval is a look
    finally:
        await wakeups.close()
        await db.disconnect()
    assert not Wakeups("sqlite://x.sqlite3").enabled  # SQLite keeps polling
    assert not polling.enabled  # [api] streaming_wakeups = "poll"


def test_a_stream_on_one_process_sees_a_post_made_through_another(tmp_path):
    from tests.conftest import drop_postgres_database, migrated_postgres_database, require_postgres

    require_postgres()
    url = asyncio.run(migrated_postgres_database())
    try:
        settings = {"API_PASSWORD_GRANT": "true"}
        with instance(url, tmp_path / "one", **settings) as one, \
                instance(url, tmp_path / "two", **settings) as two:
            one.user("ines")
            one.user("omar")
            ines, omar = login(one.server, "ines"), login(one.server, "omar")
            omar.account_follow(ines.account_verify_credentials().id)
            with httpx.stream("GET", two.url + "/api/v1/streaming/user", headers=auth(omar),
                              timeout=httpx.Timeout(30.0)) as stream:
                lines = stream.iter_lines()
                assert next(lines).startswith(":")
                posted = ines.status_post("Written through process one")
                event = None
                for line in lines:
                    if line.startswith("event: "):
                        event = line[7:]
                    elif line.startswith("data: ") and event == "update":
                        assert json.loads(line[6:])["id"] == str(posted.id)
                        break
    finally:
        asyncio.run(drop_postgres_database(url))
