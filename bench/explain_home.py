"""EXPLAIN (ANALYZE, BUFFERS) of every query the home timeline issues, as the ORM and the
batch reads send them: the page is built once in-process with Tortoise's SQL log caught,
then each logged statement is explained with its own parameters. Used by bench/api.py
--explain on the database it seeded; alone, on any PostgreSQL database:

    .venv/bin/python bench/explain_home.py postgres://USER@HOST/DB [ACCOUNT_ID]

(the viewer is ACCOUNT_ID, or the first account)."""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from instance.storage import db  # noqa: E402


class _Catch(logging.Handler):
    """Tortoise logs each statement as DEBUG "%s: %s" (sql, values)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.statements: list[tuple[str, list[Any]]] = []

    def emit(self, record: logging.LogRecord) -> None:
        args = record.args
        if isinstance(args, tuple) and len(args) == 2 and isinstance(args[0], str):
            sql, values = args
            if sql.lstrip().upper().startswith("SELECT"):
                self.statements.append((sql, list(values or [])))


async def explain_home(url: str, account_id: int | None = None) -> None:
    from instance.api.home import home_items, home_statuses
    from instance.api.paging import Page
    from instance.storage.models import Account

    await db.connect(url)
    try:
        viewer = await (Account.filter(id=account_id) if account_id else Account.all()).order_by("id").first()
        if viewer is None:
            raise SystemExit("no such account")
        catch = _Catch()
        logger = logging.getLogger("tortoise.db_client")
        logger.addHandler(catch)
        logger.setLevel(logging.DEBUG)
        try:
            items = await home_items(viewer.id, Page(40, None, None, None), False)
            await home_statuses(items, "http://bench.invalid", viewer.id)
        finally:
            logger.removeHandler(catch)
            logger.setLevel(logging.WARNING)
        connection = db.Tortoise.get_connection("default")
        print(f"\nhome timeline: {len(catch.statements)} queries for a page of {len(items)}")
        for sql, values in catch.statements:
            print(f"\n-- {sql}\n-- values: {values}")
            async with connection.acquire_connection() as raw:
                plan = await raw.fetch(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", *values)
            print("\n".join(row[0] for row in plan))
    finally:
        await db.disconnect()


if __name__ == "__main__":
    if len(sys.argv) < 2 or not db.is_postgres(sys.argv[1]):
        print("explain_home: skipped (give a PostgreSQL URL; or run bench/api.py --explain)")
    else:
        asyncio.run(explain_home(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else None))
