"""One pair of running instances shared by the federation tests of a test process, on
SQLite and (with IMPASTO_TEST_POSTGRES_URL) on PostgreSQL."""

from __future__ import annotations

import asyncio

import pytest

from tests.conftest import create_postgres_database, drop_postgres_database, require_postgres
from tests.rig.peers import make_peer, serving


@pytest.fixture(scope="session",
                params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def peers(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(f"peers-{request.param}")
    urls: list[str | None] = [None, None]
    if request.param == "postgres":
        require_postgres()
        urls = [asyncio.run(create_postgres_database()) for _ in range(2)]
    a, b = make_peer("a", tmp, urls[0]), make_peer("b", tmp, urls[1])
    try:
        with serving(a, b):
            yield a, b
    finally:
        for url in urls:
            if url:
                asyncio.run(drop_postgres_database(url))
