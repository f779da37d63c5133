"""`impasto backup PATH` and `impasto restore PATH`: the whole instance (database, media,
config, secret key) in one folder or .tar, and back into an empty instance.

The database dump is consistent while the server runs (SQLite's online backup API,
`pg_dump`'s snapshot), and is taken before the media are copied, so every file the dump
refers to is in the backup. A restore refuses a non-empty target (it never merges) and
checks every file's sha256 before it writes anything. The artists' private keys live in
the database, so a restored instance signs as before and its followers stay."""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from instance import __version__
from instance.cli.backup_archive import (
    CONFIG,
    POSTGRES_DUMP,
    SECRET_KEY,
    SQLITE_DUMP,
    BackupReader,
    BackupWriter,
    media_entry,
    media_name,
)
from instance.cli.media import store_or_fail
from instance.cli.support import CliError, ProgressBar
from instance.config import Config
from instance.storage import db
from media.storage import Area, MediaStore, StoreUnavailable


def add_commands(commands: argparse._SubParsersAction) -> None:
    for name, summary, description, handler in (
        ("backup", "write the database, media, config and secret key to PATH",
         "PATH is a new folder, or a .tar file when it ends in .tar. Safe while the server "
         "runs. The backup holds the artists' private keys: keep it private.", _backup),
        ("restore", "restore a backup into an empty instance (stop the server first)",
         "Refuses an instance that has any account or media file, and a backup whose files "
         "do not match their checksums. Runs the migrations afterwards.", _restore),
    ):
        command = commands.add_parser(name, help=summary, description=description)
        command.add_argument("path", metavar="PATH")
        command.set_defaults(handler=handler)


def _kind(config: Config) -> str:
    return "postgres" if db.is_postgres(config.database_url) else "sqlite"


def _sqlite_path(config: Config) -> Path:
    path = config.database_url[len("sqlite://"):]
    if path == ":memory:":
        raise CliError("an in-memory database cannot be backed up or restored")
    return Path(path)


def _backup(config: Config, args: argparse.Namespace) -> int:
    store = store_or_fail(config)
    try:
        keys = [(area, key) for area in Area for key in store.iter_keys(area)]
    except StoreUnavailable as exc:
        raise CliError(f"cannot list the media files: {exc}") from None
    writer = BackupWriter(Path(args.path))
    progress = ProgressBar(len(keys) + 1, "backing up")
    try:
        with tempfile.TemporaryDirectory(prefix="impasto-backup-") as scratch:
            name, dump = _dump_database(config, Path(scratch))
            writer.add_file(name, dump)
        progress.advance()
        skipped = 0
        for area, key in keys:
            try:
                writer.add_bytes(media_name(area, key), store.get(area, key))
            except FileNotFoundError:
                skipped += 1  # deleted since the listing (pruned, replaced): not in the dump
            except StoreUnavailable as exc:
                raise CliError(f"cannot read media file {key}: {exc}") from None
            progress.advance()
        if config.source != "defaults":
            writer.add_file(CONFIG, Path(config.source))
        secret = config.resolve_path(config.server.secret_key_file)
        if secret.is_file():
            writer.add_file(SECRET_KEY, secret)
        manifest = writer.close(impasto_version=__version__, database=_kind(config),
                                domain=config.instance.domain)
    except OSError as exc:
        writer.abort()
        raise CliError(f"the backup at {args.path} is incomplete: {exc.strerror or exc}") from None
    except BaseException:
        writer.abort()
        raise
    finally:
        progress.finish()
    total = sum(entry["size"] for entry in manifest["files"])
    print(f"backed up the {manifest['database']} database and {len(keys) - skipped} media "
          f"files to {args.path} ({len(manifest['files'])} files, {total} bytes)")
    return 0


def _dump_database(config: Config, scratch: Path) -> tuple[str, Path]:
    """A consistent copy of the live database in `scratch`: (name in the backup, file)."""
    target = scratch / "dump"
    if _kind(config) == "postgres":
        _pg_tool("pg_dump", ["-Fc", "-f", str(target)], config)
        return POSTGRES_DUMP, target
    source = _sqlite_path(config)
    if not source.is_file():
        raise CliError(f"no database at {source}: nothing to back up")
    with sqlite3.connect(source) as live, sqlite3.connect(target) as copy:
        live.backup(copy)  # page by page, while writers go on
    live.close()
    copy.close()
    return SQLITE_DUMP, target


def _pg_tool(tool: str, arguments: list[str], config: Config) -> None:
    """Run pg_dump / pg_restore against the configured database; the password goes in the
    environment, not on the command line."""
    executable = shutil.which(tool)
    if executable is None:
        raise CliError(f"{tool} is not installed (it comes with the PostgreSQL client: "
                       "on Debian, `apt install postgresql-client`)")
    parts = urlsplit(config.database_url)
    env = {**os.environ, "PGHOST": parts.hostname or "127.0.0.1",
           "PGPORT": str(parts.port or 5432), "PGUSER": unquote(parts.username or "postgres"),
           "PGPASSWORD": unquote(parts.password or ""),
           "PGDATABASE": parts.path.lstrip("/") or "postgres"}
    result = subprocess.run([executable, *arguments], env=env, capture_output=True, text=True)
    if result.returncode != 0:
        detail = result.stderr.strip().splitlines()
        raise CliError(f"{tool} failed: {detail[-1] if detail else f'exit {result.returncode}'}")


def _restore(config: Config, args: argparse.Namespace) -> int:
    reader = BackupReader(Path(args.path))
    manifest = reader.manifest
    if manifest.get("domain") != config.instance.domain:
        raise CliError(f"the backup is of {manifest.get('domain')}, this instance is "
                       f"{config.instance.domain}: the artists' ids name their domain, so "
                       "restore only under the same [instance] domain")
    if manifest["database"] != _kind(config):
        raise CliError(f"the backup holds a {manifest['database']} database, this instance "
                       f"is configured for {_kind(config)} ([database] url)")
    store = store_or_fail(config)
    _refuse_unless_empty(config, store)
    files = reader.files
    checking = ProgressBar(len(files), "checking the backup")
    try:
        for entry in files:
            reader.verify(entry)
            checking.advance()
    finally:
        checking.finish()
    restoring = ProgressBar(len(files), "restoring")
    try:
        media = 0
        for entry in files:
            media += _restore_one(config, store, reader, entry)
            restoring.advance()
    finally:
        restoring.finish()
    asyncio.run(db.migrate(config.database_url, config.database.pool_size))
    print(f"restored the {manifest['database']} database and {media} media files from "
          f"{args.path} (backed up {manifest['created_at']}); migrations applied")
    if any(entry["name"] == CONFIG for entry in files):
        print(f"the backed-up config file is {CONFIG} in the backup: compare it with "
              f"{config.source} (restore does not replace your config)")
    return 0


def _restore_one(config: Config, store: MediaStore, reader: BackupReader,
                 entry: dict[str, Any]) -> int:
    """Write one verified file where it belongs; 1 for a media file, else 0."""
    name = entry["name"]
    if (where := media_entry(name)) is not None:
        store.put(where[0], where[1], _checked(reader.read(name), entry))
        return 1
    if name == SECRET_KEY:
        _write_file(config.resolve_path(config.server.secret_key_file), reader, entry)
    elif name == SQLITE_DUMP:
        target = _sqlite_path(config)
        for stale in (Path(f"{target}-wal"), Path(f"{target}-shm")):
            stale.unlink(missing_ok=True)
        _write_file(target, reader, entry)
    elif name == POSTGRES_DUMP:
        with tempfile.TemporaryDirectory(prefix="impasto-restore-") as scratch:
            dump = Path(scratch) / "dump"
            _write_file(dump, reader, entry)
            _pg_tool("pg_restore", ["--clean", "--if-exists", "--no-owner", "--no-privileges",
                                    "--single-transaction", "-d",
                                    urlsplit(config.database_url).path.lstrip("/"), str(dump)],
                     config)
    return 0


def _checked(data: bytes, entry: dict[str, Any]) -> bytes:
    """The bytes again, if they are still those verified (the backup may change meanwhile)."""
    if hashlib.sha256(data).hexdigest() != entry["sha256"]:
        raise CliError(f"{entry['name']} in the backup changed during the restore")
    return data


def _write_file(target: Path, reader: BackupReader, entry: dict[str, Any]) -> None:
    """Copy a file out of the backup into place atomically, checking its sha256 again."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".restore-")
    try:
        digest = hashlib.sha256()
        with os.fdopen(fd, "wb") as out:
            for chunk in reader.chunks(entry["name"]):
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != entry["sha256"]:
            raise CliError(f"{entry['name']} in the backup changed during the restore")
        os.chmod(temporary, 0o600)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _refuse_unless_empty(config: Config, store: MediaStore) -> None:
    opened = True
    if _kind(config) == "sqlite":
        _sqlite_path(config).parent.mkdir(parents=True, exist_ok=True)
        opened = _sqlite_path(config).exists()  # else connecting would create it
    if opened and asyncio.run(_has_accounts(config.database_url)):
        raise CliError("this instance's database already has accounts: restore only into "
                       "an empty instance (a new database)")
    for area in Area:
        if next(iter(store.iter_keys(area)), None) is not None:
            raise CliError(f"this instance's media store already holds files ({area.value}): "
                           "restore only into an empty instance")


async def _has_accounts(url: str) -> bool:
    from tortoise import Tortoise
    from tortoise.exceptions import OperationalError

    await db.connect(url)
    try:
        rows = await Tortoise.get_connection("default").execute_query_dict(
            "SELECT 1 FROM accounts LIMIT 1")
    except OperationalError:
        return False  # no tables yet
    finally:
        await db.disconnect()
    return bool(rows)
