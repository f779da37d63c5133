"""A portfolio page costs the same few queries however many works it shows: templates
take a work's images from the prefetched rows (`media_of`), never by iterating the
relation in Jinja's async filters, which queried the database once per work and filter
(67 queries for one page of 24 works before). SQLite and PostgreSQL."""

from __future__ import annotations

import logging

from instance.actors.accounts import create_local_user
from instance.app import create_app
from instance.config import load_config
from instance.storage import db
from instance.urls import LocalUrls
from tests.rig.gallery import paintings, seed_gallery


class Counter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.queries: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().lstrip().upper().startswith("SELECT"):
            self.queries.append(record.getMessage())


async def queries_for(app, path: str) -> tuple[int, str]:
    counter, logger = Counter(), logging.getLogger("tortoise.db_client")
    level = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(counter)
    try:
        response = await app.test_client().get(path)
        body = await response.get_data(as_text=True)
        assert response.status_code == 200, body[:300]
    finally:
        logger.removeHandler(counter)
        logger.setLevel(level)
    return len(counter.queries), body


async def test_portfolio_queries_do_not_grow_with_its_works(database_url, tmp_path):
    config = load_config(environ={
        "IMPASTO_DATABASE_URL": database_url, "IMPASTO_MEDIA_PATH": str(tmp_path / "media"),
        "IMPASTO_SERVER_SECRET_KEY_FILE": str(tmp_path / "secret_key"),
        "IMPASTO_SERVER_RUN_WORKER": "false",
    })
    await db.connect(database_url)
    try:
        for name in ("mira", "ines"):
            await create_local_user(LocalUrls(config.base_url), name, "a long enough password")
    finally:
        await db.disconnect()
    art = paintings(2)
    await seed_gallery(database_url, tmp_path / "media", "mira", 2, pinned=1, art=art)
    await seed_gallery(database_url, tmp_path / "media", "ines", 30, pinned=5, art=art)
    app = create_app(config)
    async with app.test_app():
        await queries_for(app, "/@mira")  # warm: the first request also loads the saved settings
        few, body = await queries_for(app, "/@mira")
        assert body.count('class="frame"') == 3  # two works, one of them also pinned
        many, body = await queries_for(app, "/@ines")
        assert body.count('class="frame"') == 24 + 5
    # The same count for 2 and 30 works; the bound counts the profile's job-board listings
    # and availability too (one query each).
    assert many == few <= 10, (few, many)
