"""`impasto run --workers N`: N server processes sharing one listening socket.

The parent binds the socket (so the printed address is live), migrates, then forks N
children that each serve on the inherited socket; the kernel spreads connections over
them. Each child builds its own app, database pool and (if `[server] run_worker`) job
worker: everything they share goes through the database. The parent only waits: it
passes SIGINT/SIGTERM on to the children and exits when they have, with a failing code if
any child failed."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable


def run_children(count: int, serve: Callable[[], int], announce: Callable[[], None]) -> int:
    """Fork `count` children running `serve`, then `announce` (the children exist by then)
    and wait for them."""
    children: list[int] = []
    for _ in range(count):
        pid = os.fork()
        if pid == 0:  # the child: serve until told to stop
            code = 1
            # A stop that arrives while the app is still starting is a clean stop too
            # (serving replaces these with its own handlers).
            signal.signal(signal.SIGTERM, _stop_now)
            signal.signal(signal.SIGINT, _stop_now)
            try:
                code = serve()
            except SystemExit as stop:
                code = stop.code if isinstance(stop.code, int) else 0
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        children.append(pid)

    def forward(signum: int, _frame: object) -> None:
        for child in children:
            try:
                os.kill(child, signum)
            except ProcessLookupError:
                pass

    signal.signal(signal.SIGINT, forward)
    signal.signal(signal.SIGTERM, forward)
    announce()
    worst = 0
    remaining = set(children)
    while remaining:
        pid, status = os.wait()
        if pid not in remaining:
            continue
        remaining.discard(pid)
        code = os.waitstatus_to_exitcode(status)
        if code != 0 and worst == 0:
            worst = code if code > 0 else 1
            forward(signal.SIGTERM, None)  # one failed: stop the others rather than limp on
    return worst


def _stop_now(signum: int, _frame: object) -> None:
    raise SystemExit(0)
