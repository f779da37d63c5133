"""A worker SIGKILLed in the middle of a fan-out to 200 inboxes (one `outbox.deliver_batch`
job) loses nothing: after a restart every inbox has received the activity (signed), and
none more than twice. (That a batch sends again only what it sent since it last wrote its
progress is tested in tests/test_delivery_batch.py, where the stop is not a race.)"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys

import pytest

from instance.actions import works
from instance.actors.accounts import create_local_user
from instance.actors.instance_actor import forget_cache
from instance.config import load_config
from instance.services import build_services, close_services
from instance.storage import db
from instance.storage.models import Account, Follow, Job
from outbox.batch import IN_FLIGHT
from tests.conftest import REPO_ROOT
from tests.rig.peers import peer_env
from tests.rig.processes import IMPASTO, start_worker

pytestmark = pytest.mark.slow
INBOXES = 200


def read_lines(stream, want: int, timeout: float, into: list[str]) -> list[str]:
    """Block (select, no polling) until `want` distinct inboxes were reached (or no line
    came for `timeout` seconds)."""
    fd = stream.fileno()
    buffer = b""
    while len({line.split()[1] for line in into}) < want:
        ready, _, _ = select.select([fd], [], [], timeout)
        if not ready:
            break
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        buffer += chunk
        *complete, buffer = buffer.split(b"\n")
        into += [line.decode() for line in complete if line]
    return into


@pytest.fixture
def receiver(tmp_path):
    hold = tmp_path / "hold"
    hold.touch()  # after 30 deliveries the receiver stops answering until this goes
    process = subprocess.Popen([sys.executable, str(REPO_ROOT / "tests/federation_e2e/receiver.py"),
                                "0", "202", str(hold), "30"], stdout=subprocess.PIPE)
    port = int(process.stdout.readline())
    yield process, port, hold
    process.kill()
    process.wait()


async def test_sigkill_during_fanout_loses_no_inbox(database_url, tmp_path, receiver):
    process, port, hold = receiver
    env = peer_env("c", 1, database_url, tmp_path, JOBS_CONCURRENCY="16",
                   FEDERATION_ALLOW_PRIVATE_ADDRESSES=f"127.0.0.1:{port}")
    config = load_config(environ={k: v for k, v in env.items() if k.startswith("IMPASTO_")})
    await db.connect(database_url)
    forget_cache()
    services = build_services(config)
    try:
        user = await create_local_user(services.urls, "ora", "correct horse battery")
        ora = await Account.get(id=user.account_id)
        for n in range(INBOXES):
            fan = await Account.create(
                ap_id=f"http://127.0.0.1:{port}/users/f{n}", username=f"f{n}",
                domain=f"127.0.0.1:{port}", inbox_url=f"http://127.0.0.1:{port}/inbox/{n}")
            await Follow.create(follower=fan, target=ora, state="accepted")
        await works.create_work(services, ora, title="Tide", content_source="for everyone")
        assert await Job.filter(kind="outbox.deliver_batch").count() == 1
    finally:
        await close_services(services)
        await db.disconnect()

    worker = start_worker(env, stderr=subprocess.DEVNULL)
    lines: list[str] = []
    try:
        read_lines(process.stdout, 30, 60, lines)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    assert len(lines) == 30  # killed mid-fan-out, with jobs in flight
    hold.unlink()

    restarted = subprocess.run([*IMPASTO, "worker", "--until-idle"], env=env, cwd=REPO_ROOT,
                               capture_output=True, text=True, timeout=120)
    assert restarted.returncode == 0, restarted.stderr
    read_lines(process.stdout, INBOXES, 10, lines)
    reached = {line.split()[1] for line in lines}
    assert reached == {f"/inbox/{n}" for n in range(INBOXES)}
    assert all(line.endswith(" signed") for line in lines)
    # Sent twice: at most what the first run sent, and the requests it had in flight.
    assert len(lines) - INBOXES <= 30 + IN_FLIGHT
    await db.connect(database_url)
    try:
        assert await Job.filter(kind="outbox.deliver_batch", state="done").count() == 1
        assert not await Job.filter(kind="outbox.deliver").exists()
    finally:
        await db.disconnect()
