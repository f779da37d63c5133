"""Migrated SQLite databases in a millisecond: each test process migrates one template
with the real `impasto migrate` (seconds), and tests get copies of that file (a server
started on a new SQLite file gets one too: tests/rig/processes.py `running_server`). The
migrations themselves are tested on empty databases in tests/test_storage.py,
tests/test_cli.py and tests/test_server.py (the server migrating on start)."""

from __future__ import annotations

import atexit
import shutil
import sqlite3
import tempfile
from pathlib import Path

from tests.rig.processes import impasto_env, run_cli

_template: list[Path] = []


def sqlite_template() -> Path:
    """This process's migrated SQLite file (made on first use, removed at exit). Made by
    a child process so it never touches a Tortoise connection open in this one."""
    if not _template:
        folder = Path(tempfile.mkdtemp(prefix="impasto-sqlite-template-"))
        atexit.register(shutil.rmtree, folder, True)
        path = folder / "impasto.sqlite3"
        done = run_cli(["migrate"], impasto_env(f"sqlite://{path}", folder))
        if done.returncode != 0:
            raise RuntimeError(f"could not migrate the SQLite template: {done.stderr}")
        _template.append(path)
    return _template[0]


def migrated_sqlite_url(path: Path) -> str:
    """A migrated SQLite database at `path` (a copy of the template), as a URL."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(sqlite_template()) as source, sqlite3.connect(path) as target:
        source.backup(target)
    return f"sqlite://{path}"


def copy_template_if_new(env: dict[str, str]) -> bool:
    """When a child's `env` names a SQLite file that does not exist yet, make it a copy of
    the template; whether it did."""
    url = env["IMPASTO_DATABASE_URL"]
    if url.startswith("sqlite://") and not Path(url.removeprefix("sqlite://")).exists():
        migrated_sqlite_url(Path(url.removeprefix("sqlite://")))
        return True
    return False


def migrate_for(env: dict[str, str]) -> None:
    """Migrate the database of a child's `env` (impasto_env): a new SQLite file is a copy
    of the template, anything else goes through `impasto migrate`."""
    if copy_template_if_new(env):
        return
    done = run_cli(["migrate"], env)
    assert done.returncode == 0, done.stderr
