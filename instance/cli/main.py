"""The `impasto` command: run the server or a worker, migrate, set up, manage users.

Every problem a person can cause (bad config, unreachable database, unknown user) ends in
one line on stderr naming it and exit status 2, never a traceback.

`impasto run` stopped by SIGINT (Ctrl-C) or SIGTERM once it is serving shuts down
gracefully and exits 0: a requested stop is a clean exit. Ctrl-C before it serves (during
the migration) exits 130, the shell's code for an interrupt. Neither prints a traceback;
the image-pool processes, which get the terminal's SIGINT too, ignore it and are stopped
by the server (instance/image_pool.py).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import signal
import socket
import sys
from pathlib import Path

from instance import __version__
from instance.cli import backup, database, domain, emoji, federation, jobboard, media, portability
from instance.cli.acting import prepare
from instance.cli.support import CliError, audit, read_password_stdin, with_database
from instance.config import Config, ConfigError, load_config
from instance.errors import Refused
from instance.storage.db import DatabaseError

EXIT_USAGE = 2

# Feature areas add their own command groups: each module has `add_commands(subparsers)`
# and sets `handler(config, args) -> int` on its parsers (see instance/cli/support.py).
COMMAND_GROUPS = (domain, emoji, media, federation, jobboard, backup, portability, database)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="impasto",
        description="Impasto: a federated ActivityPub server for art communities.",
    )
    parser.add_argument(
        "--config",
        metavar="PATH",
        help="config file (default: $IMPASTO_CONFIG, else built-in defaults)",
    )
    parser.add_argument(
        "--as", dest="as_user", metavar="USERNAME",
        help="run an admin command as this staff account, checking its permissions "
             "(without it the CLI acts as the operator, with every right)",
    )
    parser.add_argument("--version", action="version", version=f"impasto {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    run = commands.add_parser(
        "run", help="migrate, then start the web server (and the embedded worker)"
    )
    run.add_argument("--bind", metavar="HOST:PORT", help="override [server] bind")
    run.add_argument("--workers", type=int, default=1, metavar="N",
                     help="server processes sharing the socket (default 1)")
    run.set_defaults(handler=_cmd_run)

    worker = commands.add_parser(
        "worker", help="run a job worker on its own (set [server] run_worker = false)"
    )
    worker.add_argument("--until-idle", action="store_true", help="exit when no job is runnable")
    worker.add_argument("--concurrency", type=int, metavar="N",
                        help="jobs this worker runs at once (overrides [jobs] concurrency)")
    worker.set_defaults(handler=_cmd_worker)

    migrate = commands.add_parser("migrate", help="apply pending database migrations")
    migrate.set_defaults(handler=_cmd_migrate)

    setup = commands.add_parser(
        "setup",
        help="create the data folders, migrate, and create the first admin if there is none",
    )
    setup.add_argument(
        "--admin-username", default="admin", help="name of the first admin (default: admin)"
    )
    setup.set_defaults(handler=_cmd_setup)

    user = commands.add_parser("user", help="manage local accounts")
    user_commands = user.add_subparsers(dest="user_command", metavar="ACTION", required=True)
    create = user_commands.add_parser(
        "create", help="create an account (prints a generated password unless --password-stdin)"
    )
    create.add_argument("username")
    create.add_argument("--admin", action="store_true", help="make the account an admin")
    create.add_argument("--moderator", action="store_true", help="make the account a moderator")
    create.add_argument("--email", metavar="E", help="the account's email address")
    create.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    create.set_defaults(handler=_cmd_user_create)
    listing = user_commands.add_parser("list", help="list local accounts")
    listing.set_defaults(handler=_cmd_user_list)
    suspend = user_commands.add_parser(
        "suspend", help="suspend an account (no login, works hidden)"
    )
    suspend.add_argument("username")
    suspend.set_defaults(handler=_cmd_user_suspend)
    delete = user_commands.add_parser(
        "delete", help="delete an account for good (works, media, follows; peers are told)"
    )
    delete.add_argument("username")
    delete.add_argument("--yes", action="store_true", help="confirm: this cannot be undone")
    delete.set_defaults(handler=_cmd_user_delete)
    set_password = user_commands.add_parser("set-password", help="set an account's password")
    set_password.add_argument("username")
    set_password.add_argument(
        "--password-stdin",
        action="store_true",
        required=True,
        help="read the password from standard input",
    )
    set_password.set_defaults(handler=_cmd_user_set_password)
    reset_link = user_commands.add_parser(
        "reset-link", help="print a one-time password-reset link (valid for an hour) to give the user"
    )
    reset_link.add_argument("username")
    reset_link.set_defaults(handler=_cmd_user_reset_link)
    confirm = user_commands.add_parser(
        "confirm", help="confirm a sign-up's email address by hand (its mail never arrived)"
    )
    confirm.add_argument("username")
    confirm.set_defaults(handler=_cmd_user_confirm)

    jobs = commands.add_parser(
        "jobs", help="show how many jobs are queued, running, done and failed"
    )
    jobs.set_defaults(handler=_cmd_jobs)

    for group in COMMAND_GROUPS:
        group.add_commands(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        config = prepare(load_config(args.config), args)
        return args.handler(config, args) or 0
    except (ConfigError, DatabaseError, CliError, Refused) as exc:
        print(f"impasto: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


def _migrate(config: Config) -> None:
    from instance.storage import db

    asyncio.run(db.migrate(config.database_url, config.database.pool_size))


def _cmd_migrate(config: Config, args: argparse.Namespace) -> int:
    _migrate(config)
    print("database is up to date")
    return 0


def _cmd_setup(config: Config, args: argparse.Namespace) -> int:
    from instance.actors.accounts import create_local_user, generate_password
    from instance.storage.models import User
    from instance.urls import LocalUrls

    if config.database_url.startswith("sqlite://"):
        Path(config.database_url[len("sqlite://") :]).parent.mkdir(parents=True, exist_ok=True)
    config.resolve_path(config.media.path).mkdir(parents=True, exist_ok=True)
    _migrate(config)

    async def ensure_admin() -> str | None:
        if await User.filter(role="admin").exists():
            return None
        password = generate_password()
        await create_local_user(
            LocalUrls(config.base_url), args.admin_username, password, role="admin"
        )
        return password

    password = with_database(config, ensure_admin)
    if password:
        name = args.admin_username
        print(f"Created the first admin account. Log in as '{name}' with password: {password}")
        print("This password is shown only once; change it after logging in.")
    return 0


def _cmd_run(config: Config, args: argparse.Namespace) -> int:
    from instance.cli.bind_check import disagreement, open_url
    from instance.logs import configure_logging

    if not 1 <= args.workers <= 64:
        raise CliError("--workers must be between 1 and 64")
    configure_logging(config.server.log_level)
    _migrate(config)
    listener = _listen(args.bind or config.server.bind)
    host, port = listener.getsockname()[:2]

    def announce() -> None:
        print(
            f"Impasto {__version__} is running: open {open_url(config, host, port)} "
            f"(listening on {host}:{port}"
            + (f", {args.workers} processes)" if args.workers > 1 else ")"),
            flush=True,
        )
        if (warning := disagreement(config, host, port)) is not None:
            print(warning, file=sys.stderr, flush=True)

    if args.workers > 1:
        from instance.cli.prefork import run_children

        return run_children(args.workers, lambda: _serve(config, listener), announce)
    announce()
    return _serve(config, listener)


def _serve(config: Config, listener: socket.socket) -> int:
    """Serve on `listener` until SIGINT or SIGTERM (one process); 1 if the app did not start."""
    from instance import heap
    from instance.app import create_app
    from instance.cli.http_server import serve

    app = create_app(config)

    @app.before_serving
    async def settle_heap() -> None:  # registered last: runs once the app's start-up is done
        heap.settle()

    return 0 if serve(app, listener, config.server.trusted_proxies) else 1


def _listen(bind: str) -> socket.socket:
    """Bind before serving, so the printed address is live (and port 0 picks a free one)."""
    from instance.cli.http_server import listen

    host, _, port = bind.rpartition(":")
    host = host.strip("[]") or "127.0.0.1"
    try:
        listener = listen(host, int(port))
    except (OSError, ValueError) as exc:
        raise CliError(f"cannot listen on {bind}: {exc}") from None
    listener.set_inheritable(True)
    return listener


def _cmd_worker(config: Config, args: argparse.Namespace) -> int:
    from instance import heap
    from instance.job_handlers import build_worker
    from instance.logs import configure_logging
    from instance.services import build_services, close_services

    configure_logging(config.server.log_level)
    if args.concurrency is not None:
        if not 1 <= args.concurrency <= 256:
            raise CliError("--concurrency must be between 1 and 256")
        config = dataclasses.replace(
            config, jobs=dataclasses.replace(config.jobs, concurrency=args.concurrency))
    services = build_services(config)
    worker = build_worker(services)

    async def work() -> int:
        if args.until_idle:
            return await worker.run_until_idle()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        print(f"worker {worker.worker_id} started", flush=True)
        heap.settle()
        await worker.run(stop)
        return worker.completed

    async def work_then_close() -> int:
        try:
            return await work()
        finally:
            await close_services(services)

    done = with_database(config, work_then_close)
    print(f"worker {worker.worker_id} stopped after {done} jobs", flush=True)
    return 0


def _cmd_user_create(config: Config, args: argparse.Namespace) -> int:
    from instance.actors.accounts import create_local_user, generate_password
    from instance.urls import LocalUrls

    if args.admin and args.moderator:
        raise CliError("choose --admin or --moderator, not both")
    role = "admin" if args.admin else "moderator" if args.moderator else "artist"
    password = read_password_stdin() if args.password_stdin else generate_password()

    async def create() -> None:
        user = await create_local_user(
            LocalUrls(config.base_url), args.username, password, email=args.email, role=role
        )
        await audit("account.create", str(user.account_id), role=role)

    with_database(config, create)
    print(f"created {role} {args.username.lower()}")
    if not args.password_stdin:
        print(f"password: {password}")
    return 0


def _cmd_user_list(config: Config, args: argparse.Namespace) -> int:
    from instance.storage.models import User

    def state(user: User) -> str:
        if user.disabled:
            return "suspended"
        return "pending" if not user.approved else "unconfirmed" if user.email_pending else "active"

    async def listing() -> list[tuple[str, str, str, str]]:
        users = await User.all().prefetch_related("account").order_by("id")
        return [(u.account.username, u.role, state(u), u.email or "") for u in users]

    rows = with_database(config, listing)
    print(f"{'USERNAME':<30} {'ROLE':<10} {'STATE':<11} EMAIL")
    for username, role, status, email in rows:
        print(f"{username:<30} {role:<10} {status:<11} {email}")
    return 0


def _cmd_user_suspend(config: Config, args: argparse.Namespace) -> int:
    from instance.actors.accounts import suspend_user

    with_database(config, lambda: suspend_user(args.username))
    print(f"suspended {args.username}")
    return 0


def _cmd_user_delete(config: Config, args: argparse.Namespace) -> int:
    if not args.yes:
        print(f"deleting {args.username} cannot be undone: run again with --yes", file=sys.stderr)
        return 2

    async def delete() -> int:
        from instance.actions.departure import delete_local_account
        from instance.actors.accounts import get_local_user
        from instance.services import build_services, close_services
        from instance.storage.models import Account

        user = await get_local_user(args.username)
        services = build_services(config)
        try:
            await audit("account.delete", str(user.account_id), username=args.username.lower())
            return await delete_local_account(services, await Account.get(id=user.account_id))
        finally:
            await close_services(services)

    told = with_database(config, delete)
    print(f"deleted {args.username}; a Delete goes to {told} inboxes (run by the worker)")
    return 0


def _cmd_user_set_password(config: Config, args: argparse.Namespace) -> int:
    from instance.actors.accounts import set_password

    password = read_password_stdin()

    async def change() -> None:
        await set_password(args.username, password)
        await audit("account.password", args.username.lower())

    with_database(config, change)
    print(f"password changed for {args.username}")
    return 0


def _cmd_user_reset_link(config: Config, args: argparse.Namespace) -> int:
    from instance.actors.email_links import reset_link
    from instance.urls import LocalUrls

    async def make() -> str:
        await audit("account.reset_link", args.username.lower())
        return await reset_link(LocalUrls(config.base_url), args.username)

    link = with_database(config, make)
    print(f"one-time password-reset link for {args.username} (valid for an hour):")
    print(link)
    return 0


def _cmd_user_confirm(config: Config, args: argparse.Namespace) -> int:
    from instance.actors.accounts import get_local_user
    from instance.moderation.reports import confirm_signup_email

    async def confirm() -> None:
        await confirm_signup_email(None, (await get_local_user(args.username)).id)

    with_database(config, confirm)
    print(f"confirmed the email address of {args.username}")
    return 0


def _cmd_jobs(config: Config, args: argparse.Namespace) -> int:
    from instance.services import build_services

    counts = with_database(config, build_services(config).jobs.counts)
    print("  ".join(f"{state}: {count}" for state, count in counts.items()))
    return 0

