"""Hand-written SQL for the hot paths where building ORM queries or objects cost more
than the statement itself: the timelines' reads (`raw_rows`, with integers inlined by
`int_list` and nothing else), the inbox's group commit and queuing jobs (one multi-row
INSERT per chunk; the job claim and finish use `placeholders`). The same statement runs
on PostgreSQL and SQLite (≥ 3.35, for RETURNING), with each engine's placeholders.
Values go in as Tortoise would write them: JSON as text (cast to jsonb on PostgreSQL),
aware datetimes (Tortoise's SQLite adapter stores them as it stores its own)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from tortoise import Tortoise
from tortoise.backends.base.client import BaseDBAsyncClient

MAX_PARAMETERS = 900  # under SQLite's oldest limit (999) on one statement


def int_list(values: Iterable[int]) -> str:
    """A SQL list of integers (validated: only ints reach the text)."""
    return ",".join(str(int(v)) for v in values) or "NULL"


async def raw_rows(sql: str, params: list[Any] | None = None) -> list[Any]:
    """The rows of a read as tuples, on the default connection."""
    _, rows = await Tortoise.get_connection("default").execute_query(sql, params)
    return list(rows)


def placeholders(dialect: str, n: int, start: int = 0) -> list[str]:
    """`$1 … $n` on PostgreSQL, `?` on SQLite."""
    if dialect == "postgres":
        return [f"${i}" for i in range(start + 1, start + n + 1)]
    return ["?"] * n


async def insert_rows(
    connection: BaseDBAsyncClient,
    table: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    json_columns: frozenset[str] = frozenset(),
    returning: str | None = None,
) -> list[Any]:
    """INSERT `rows` (values in `columns` order) in as few statements as the parameter
    limit allows; the `returning` column's values, in statement order."""
    dialect = connection.capabilities.dialect
    per_statement = max(1, MAX_PARAMETERS // len(columns))
    found: list[Any] = []
    for first in range(0, len(rows), per_statement):
        chunk = rows[first:first + per_statement]
        values: list[Any] = []
        tuples = []
        for row in chunk:
            marks = placeholders(dialect, len(columns), len(values))
            for n, (name, value) in enumerate(zip(columns, row, strict=True)):
                if name in json_columns:
                    values.append(json.dumps(value, separators=(",", ":")))
                    if dialect == "postgres":
                        marks[n] += "::jsonb"
                else:
                    values.append(value)
            tuples.append("(" + ", ".join(marks) + ")")
        statement = f"INSERT INTO {table} ({', '.join(columns)}) VALUES {', '.join(tuples)}"
        if returning is None:
            await connection.execute_query(statement, values)
        else:
            result = await connection.execute_query_dict(f"{statement} RETURNING {returning}", values)
            found += [row[returning] for row in result]
    return found
