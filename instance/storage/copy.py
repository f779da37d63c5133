"""Copying a whole instance database between SQLite and PostgreSQL (`impasto db copy`),
to move from the embedded default to a cluster and back.

The target is migrated by this code and must hold no rows; the source must be at the
same migration. Tables are copied parents first (the foreign keys, read from the models,
decide the order), in batches paged by primary key, with every id kept. Values go through
the models' fields (the source's form to Python to the target's form: booleans, JSON,
date-times), so a value reads back the same on either engine. A column that points into
its own table (a reply's `in_reply_to`) is written empty first and filled once the whole
table is in. Everything is written in one transaction on the target, so a failed copy
leaves it empty; then PostgreSQL's id sequences are moved past the copied ids and the row
counts of both sides are compared.
"""

from __future__ import annotations

import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast
from urllib.parse import urlsplit, urlunsplit

from tortoise import Tortoise, connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.fields.relational import ManyToManyFieldInstance
from tortoise.models import Model
from tortoise.transactions import in_transaction

from instance.storage import db

Progress = Callable[[str, int, int], None]  # (table, rows copied, rows in the table)
_NOT_A_MODEL = cast(Model, object())  # fields' to_db_value: no instance, no auto_now


class CopyError(Exception):
    """The copy cannot start or did not come out whole; the message says why in words."""


@dataclass
class Table:
    """How one table is copied: its columns, the key it is paged by, a converter per
    column, and the columns pointing into the table itself (filled in afterwards)."""

    name: str
    columns: list[str]
    key: list[str]
    convert: list[Callable[[Any], Any]]
    python: list[Callable[[Any], Any]]  # a stored value as Python (to compare rows)
    self_refs: list[str] = field(default_factory=list)
    serial: bool = False  # an integer id from a sequence (PostgreSQL's is reset after)


def display(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def check_url(url: str, role: str) -> None:
    if db.is_postgres(url):
        if not urlsplit(url).path.strip("/"):
            raise CopyError(f"the {role} URL {display(url)} names no database")
        return
    if not url.startswith("sqlite://") or url == "sqlite://":
        scheme = url.split("://", 1)[0] if "://" in url else url
        raise CopyError(f"cannot copy {role} {display(url)!r}: unknown kind of database "
                        f"{scheme!r}; use sqlite:///PATH or postgres://USER@HOST:PORT/NAME")
    if url == "sqlite://:memory:":
        raise CopyError(f"the {role} must be a database file, not :memory:")


def _converter(model: type[Model], name: str) -> Callable[[Any], Any]:
    model_field = model._meta.fields_map[name]

    def convert(value: Any) -> Any:
        if value is None:
            return None
        return model_field.to_db_value(model_field.to_python_value(value), _NOT_A_MODEL)

    return convert


def _identity(value: Any) -> Any:
    return value


def plan_tables() -> list[Table]:
    """Every table of the models (Tortoise initialised), parents before children, then
    the many-to-many link tables."""
    models = list(Tortoise.apps["models"].values())
    by_table = {m._meta.db_table: m for m in models}
    parents: dict[str, set[str]] = {}
    tables: dict[str, Table] = {}
    links: dict[str, Table] = {}
    for model in models:
        meta = model._meta
        names = list(meta.fields_db_projection)
        table = Table(
            name=meta.db_table,
            columns=[meta.fields_db_projection[n] for n in names],
            key=[meta.db_pk_column],
            convert=[_converter(model, n) for n in names],
            python=[meta.fields_map[n].to_python_value for n in names],
            serial=meta.pk.generated and meta.pk.field_type is int,
        )
        parents[table.name] = set()
        for relation in (*meta.fk_fields, *meta.o2o_fields):
            related = cast(Any, meta.fields_map[relation])
            target = related.related_model._meta.db_table
            column = meta.fields_db_projection[related.source_field]
            if target == table.name:
                table.self_refs.append(column)
            else:
                parents[table.name].add(target)
        tables[table.name] = table
        for name in meta.m2m_fields:
            m2m = cast(ManyToManyFieldInstance, meta.fields_map[name])
            if not m2m._generated and m2m.through not in links:
                link_columns = [m2m.backward_key, m2m.forward_key]
                links[m2m.through] = Table(m2m.through, link_columns, link_columns,
                                           [_identity] * 2, [_identity] * 2)
    ordered: list[Table] = []
    done: set[str] = set()
    while len(done) < len(tables):
        ready = sorted(n for n in tables if n not in done and parents[n] <= done)
        if not ready:
            raise CopyError(f"the models' foreign keys form a cycle: {sorted(set(tables) - done)}")
        for name in ready:
            ordered.append(tables[name])
            done.add(name)
    assert set(by_table) == done
    return ordered + [links[n] for n in sorted(links)]


def _marks(client: BaseDBAsyncClient, n: int, start: int = 1) -> list[str]:
    if client.capabilities.dialect == "postgres":
        return [f"${i}" for i in range(start, start + n)]
    return ["?"] * n


def _quoted(names: list[str]) -> str:
    return ", ".join(f'"{n}"' for n in names)


async def _count(client: BaseDBAsyncClient, table: str) -> int:
    rows = await client.execute_query_dict(f'SELECT COUNT(*) AS n FROM "{table}"')
    return int(rows[0]["n"])


async def _copy_table(source: BaseDBAsyncClient, target: BaseDBAsyncClient, table: Table,
                      batch_size: int, progress: Progress | None) -> int:
    total = await _count(source, table.name)
    columns, key = table.columns, table.key
    insert = (f'INSERT INTO "{table.name}" ({_quoted(columns)}) '
              f"VALUES ({', '.join(_marks(target, len(columns)))})")
    deferred = [columns.index(c) for c in table.self_refs]
    patches: list[list[Any]] = []
    last: list[Any] | None = None
    copied = 0
    if progress:
        progress(table.name, 0, total)
    while True:
        where, values = "", []
        if last is not None:
            where = f"WHERE ({_quoted(key)}) > ({', '.join(_marks(source, len(key)))})"
            values = last
        rows = await source.execute_query_dict(
            f'SELECT {_quoted(columns)} FROM "{table.name}" {where} '
            f"ORDER BY {_quoted(key)} LIMIT {int(batch_size)}", values)
        if not rows:
            break
        batch = []
        for row in rows:
            converted = [convert(row[c]) for c, convert in zip(columns, table.convert, strict=True)]
            for i in deferred:
                if converted[i] is not None:
                    patches.append([converted[i], converted[columns.index(key[0])], i])
                    converted[i] = None
            batch.append(converted)
        await target.execute_many(insert, batch)
        copied += len(rows)
        last = [rows[-1][k] for k in key]
        if progress:
            progress(table.name, copied, total)
    for i in deferred:
        update = (f'UPDATE "{table.name}" SET "{columns[i]}" = {_marks(target, 1)[0]} '
                  f'WHERE "{key[0]}" = {_marks(target, 1, start=2)[0]}')
        rows_for_column = [[value, pk] for value, pk, index in patches if index == i]
        if rows_for_column:
            await target.execute_many(update, rows_for_column)
    return copied


async def _reset_sequences(target: BaseDBAsyncClient, tables: list[Table]) -> None:
    """Move each id sequence past the copied ids, so the next row gets a fresh one."""
    for table in tables:
        if not table.serial:
            continue
        name, key = table.name, table.key[0]
        await target.execute_query(
            f"SELECT setval(pg_get_serial_sequence('\"{name}\"', '{key}'), "
            f'COALESCE((SELECT MAX("{key}") FROM "{name}"), 0) + 1, false)')


async def _open(source_url: str, target_url: str) -> tuple[BaseDBAsyncClient, BaseDBAsyncClient]:
    """Tortoise with the models on the source ("default") and the target beside it."""
    config = db.tortoise_config(source_url, pool_size=2)
    config["connections"]["target"] = db.tortoise_config(target_url, pool_size=2)["connections"]["default"]
    try:
        await Tortoise.init(config=config)
        source, target = connections.get("default"), connections.get("target")
        for client in (source, target):
            await client.execute_query("SELECT 1")
    except Exception as exc:
        await db.disconnect()
        if isinstance(exc, OSError) or type(exc).__module__.startswith(("asyncpg", "tortoise")):
            raise db.DatabaseError(f"cannot open the database: {db._one_line(exc)}") from None
        raise
    return source, target


def _code_migrations() -> set[str]:
    from instance.storage import migrations

    return {m.name for m in pkgutil.iter_modules(migrations.__path__) if m.name[:4].isdigit()}


async def _applied(client: BaseDBAsyncClient) -> set[str] | None:
    try:
        rows = await client.execute_query_dict(
            "SELECT name FROM tortoise_migrations WHERE app = 'models'")
    except Exception:
        return None
    return {row["name"] for row in rows}


async def _check_source(source: BaseDBAsyncClient, url: str) -> None:
    applied, known = await _applied(source), _code_migrations()
    if not applied:
        raise CopyError(f"the source {display(url)} is not an Impasto database (no migrations)")
    if applied - known:
        raise CopyError(f"the source {display(url)} was migrated by a newer Impasto "
                        f"({', '.join(sorted(applied - known))}); copy with that version")
    if known - applied:
        raise CopyError(f"the source {display(url)} is not up to date: run `impasto migrate` "
                        f"with it first ({len(known - applied)} migrations pending)")


async def _rows_in(client: BaseDBAsyncClient, tables: list[Table]) -> list[str]:
    """The tables that exist and hold rows."""
    full = []
    for table in tables:
        try:
            rows = await client.execute_query_dict(f'SELECT 1 AS one FROM "{table.name}" LIMIT 1')
        except Exception:  # not created yet
            continue
        if rows:
            full.append(table.name)
    return full


async def copy_database(source_url: str, target_url: str, *, batch_size: int = 1000,
                        progress: Progress | None = None) -> dict[str, int]:
    """Copy every row of the instance at `source_url` into the empty `target_url`;
    returns the rows per table (equal on both sides)."""
    check_url(source_url, "source")
    check_url(target_url, "target")
    if source_url == target_url:
        raise CopyError("the source and the target are the same database")
    if not db.is_postgres(source_url):
        from pathlib import Path

        if not Path(source_url[len("sqlite://"):]).is_file():
            raise CopyError(f"there is no database file at {source_url[len('sqlite://'):]}")
    db.check_reachable(source_url)
    db.check_reachable(target_url)
    source, target = await _open(source_url, target_url)
    try:
        await _check_source(source, source_url)
        tables = plan_tables()
        full = await _rows_in(target, tables)
        if full:
            raise CopyError(f"the target {display(target_url)} is not empty ({', '.join(full[:5])}"
                            f"{' …' if len(full) > 5 else ''} hold rows); copy into a new, "
                            "empty database")
    finally:
        await db.disconnect()
    await db.migrate(target_url)
    source, target = await _open(source_url, target_url)
    try:
        tables = plan_tables()
        copied: dict[str, int] = {}
        async with in_transaction("default") as reading:
            if reading.capabilities.dialect == "postgres":  # one snapshot of every table
                await reading.execute_query(
                    "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            async with in_transaction("target") as writing:
                for table in tables:
                    copied[table.name] = await _copy_table(reading, writing, table,
                                                           batch_size, progress)
                if writing.capabilities.dialect == "postgres":
                    await _reset_sequences(writing, tables)
        different = []
        for table in tables:
            there, here = await _count(source, table.name), await _count(target, table.name)
            if there != here or copied[table.name] != here:
                different.append(f"{table.name} ({there} rows in the source, {here} copied)")
        if different:
            raise CopyError("the row counts differ after the copy: " + "; ".join(different))
        return copied
    finally:
        await db.disconnect()
