"""The `impasto` command as a person uses it: help everywhere, setup, users, and one
clear line (never a traceback) for each problem."""

from __future__ import annotations

import pytest

from tests.rig.processes import impasto_env, run_cli

pytestmark = pytest.mark.slow

COMMANDS = [
    [],
    ["run"],
    ["worker"],
    ["migrate"],
    ["setup"],
    ["jobs"],
    ["jobs-board"],
    ["jobs-board", "list"],
    ["jobs-board", "close"],
    ["jobs-board", "remove"],
    ["jobs-board", "approve"],
    ["jobs-board", "release"],
    ["jobs-board", "reject"],
    ["user"],
    ["user", "create"],
    ["user", "list"],
    ["user", "suspend"],
    ["user", "set-password"],
    ["user", "reset-link"],
    ["user", "confirm"],
    ["db"],
    ["db", "copy"],
]


@pytest.fixture
def env(tmp_path):
    return impasto_env(f"sqlite://{tmp_path / 'db' / 'impasto.sqlite3'}", tmp_path)


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "impasto")
def test_every_command_has_help(env, command):
    result = run_cli([*command, "--help"], env)
    assert result.returncode == 0, result.stderr
    assert "usage: impasto" in result.stdout


def test_setup_users_and_passwords(env, tmp_path):
    result = run_cli(["setup"], env)
    assert result.returncode == 0, result.stderr
    assert "Log in as 'admin' with password: " in result.stdout
    admin_password = result.stdout.split("password: ")[1].split()[0]
    assert len(admin_password) >= 16
    again = run_cli(["setup"], env)  # a second setup creates no second admin
    assert again.returncode == 0 and "password" not in again.stdout

    created = run_cli(["user", "create", "Mira", "--email", "mira@example.org"], env)
    assert created.returncode == 0, created.stderr
    assert "created artist mira" in created.stdout and "password: " in created.stdout
    quiet = run_cli(
        ["user", "create", "juno", "--moderator", "--password-stdin"],
        env,
        stdin="a long enough password\n",
    )
    assert quiet.returncode == 0 and "password:" not in quiet.stdout
    changed = run_cli(
        ["user", "set-password", "mira", "--password-stdin"], env, stdin="another long password\n"
    )
    assert changed.returncode == 0, changed.stderr
    assert run_cli(["user", "suspend", "juno"], env).returncode == 0

    listing = run_cli(["user", "list"], env).stdout.splitlines()
    rows = {line.split()[0]: line.split()[1:3] for line in listing[1:]}
    assert rows == {
        "admin": ["admin", "active"],
        "mira": ["artist", "active"],
        "juno": ["moderator", "suspended"],
    }


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["user", "create", "bad name"], "", "must be 1–30 characters"),
        (["user", "suspend", "nobody"], "", "no local user named 'nobody'"),
        (["user", "confirm", "nobody"], "", "no local user named 'nobody'"),
        (["user", "create", "x", "--password-stdin"], "short\n", "at least 10 characters"),
        (["user", "create", "x", "--password-stdin"], "", "no password on standard input"),
    ],
)
def test_user_mistakes_get_one_line(env, args, stdin, message):
    assert run_cli(["setup"], env).returncode == 0
    result = run_cli(args, env, stdin=stdin)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"impasto: error: {result.stderr.split('error: ')[1].strip()}"
    ]
    assert message in result.stderr


def _one_clear_line(result) -> str:
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_broken_config_file(env, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[server\nbind = 1\n", encoding="utf-8")
    line = _one_clear_line(run_cli(["--config", str(bad), "migrate"], env))
    assert "bad.toml: not valid TOML" in line
    bad.write_text("[server]\nbindd = '127.0.0.1:1'\n", encoding="utf-8")
    line = _one_clear_line(run_cli(["--config", str(bad), "migrate"], env))
    assert "[server] bindd: unknown setting" in line


def test_missing_database_directory(env, tmp_path):
    env["IMPASTO_DATABASE_URL"] = f"sqlite://{tmp_path / 'nowhere' / 'x.sqlite3'}"
    line = _one_clear_line(run_cli(["migrate"], env))
    assert f"the database folder {tmp_path / 'nowhere'} does not exist" in line


def test_unreachable_postgres(env):
    env["IMPASTO_DATABASE_URL"] = "postgres://postgres@127.0.0.1:9/impasto"
    line = _one_clear_line(run_cli(["migrate"], env))
    assert "cannot reach PostgreSQL at 127.0.0.1:9" in line
