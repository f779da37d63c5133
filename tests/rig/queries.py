"""Counting the SQL a piece of code runs (Tortoise logs each statement at DEBUG)."""

from __future__ import annotations

import logging


class Queries(logging.Handler):
    """The SQL run while it is installed (Tortoise logs each statement at DEBUG)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.sql: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.sql.append(record.getMessage())

    def __enter__(self) -> Queries:
        self.logger = logging.getLogger("tortoise.db_client")
        self.level = self.logger.level
        self.logger.setLevel(logging.DEBUG)
        self.logger.addHandler(self)
        return self

    def __exit__(self, *exc: object) -> None:
        self.logger.removeHandler(self)
        self.logger.setLevel(self.level)

    def touching(self, table: str) -> list[str]:
        return [q for q in self.sql if table in q]
