"""The scale-out shape on real parts, all on loopback: one PostgreSQL database, SeaweedFS
for media, two `impasto run` web processes and two `impasto worker` processes of one
instance, a second instance as the follower's home, and a failing remote host.

It shows what docs/deploy.md promises of a cluster: an upload through web process 1 is
processed by a worker into the bucket (the original is refused to anonymous readers); a
follower on the second instance receives the work with images that serve; a stream on
web process 2 gets the update within a second (LISTEN/NOTIFY, no polling); a host whose
failures opened the breaker for worker 1 is backed off by worker 2 without being tried;
an API client alternating between both web processes gets one shared rate.

The cloak is off here (its cost is seconds of CPU per image and it is tested in
tests/media): the worker still decodes, renders every variant and writes them to the
bucket. Waiting on other processes is bounded polling of their observable state (the
database, the receivers' output), never a fixed sleep."""

from __future__ import annotations

import asyncio
import json
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.client_api.conftest import PASSWORD, png_bytes, register_app
from tests.conftest import drop_postgres_database, migrated_postgres_database, require_postgres
from tests.rig.databases import migrated_sqlite_url
from tests.rig.processes import (
    IMPASTO,
    REPO_ROOT,
    free_port,
    impasto_env,
    run_cli,
    running_server,
    stop_process,
)
from tests.rig.seaweed import new_bucket_name, seaweed_s3

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.xdist_group("cluster")]

FAILING_FOLLOWERS = 14  # personal inboxes on the failing host: more than the breaker's 10
RATE_LIMIT = 40


def eventually(check: Callable[[], Any], what: str, timeout: float = 60) -> Any:
    """Poll another process's observable state until `check` returns something truthy."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)  # polling other processes' progress, not our own background work


def sql(url: str, query: str, *args: Any) -> list[dict[str, Any]]:
    """One query on the cluster's database from the test (asyncpg, no ORM state here)."""
    import asyncpg

    async def run() -> list[dict[str, Any]]:
        conn = await asyncpg.connect("postgresql://" + url.split("://", 1)[1])
        try:
            return [dict(row) for row in await conn.fetch(query, *args)]
        finally:
            await conn.close()

    return asyncio.run(run())


async def _add_remote_followers(url: str, username: str, host: str, count: int) -> None:
    """Followers of `username` on `host`, each with a personal inbox (as bench/federation)."""
    from instance.storage import db
    from instance.storage.models import Account, Follow

    await db.connect(url)
    try:
        artist = await Account.get(username=username, domain=None)
        for n in range(count):
            fan = await Account.create(ap_id=f"http://{host}/users/f{n}", username=f"f{n}",
                                       domain=host, inbox_url=f"http://{host}/inbox/{n}")
            await Follow.create(follower=fan, target=artist, state="accepted")
    finally:
        await db.disconnect()


class FailingHost:
    """tests/federation_e2e/receiver.py answering 503 to everything; counts the POSTs."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(REPO_ROOT / "tests/federation_e2e/receiver.py"), "0", "503"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        assert self.process.stdout is not None
        self.port = int(self.process.stdout.readline())
        self.posts = 0
        threading.Thread(target=self._count, daemon=True).start()

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _count(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if line.startswith("POST"):
                self.posts += 1


@contextmanager
def worker(env: dict[str, str], log: Path) -> Iterator[subprocess.Popen]:
    with log.open("w") as out:
        process = subprocess.Popen([*IMPASTO, "worker"], env=env, cwd=REPO_ROOT,
                                   stdout=out, stderr=subprocess.STDOUT)
        try:
            yield process
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGCONT)  # in case the test paused it
            stop_process(process)


def token(url: str, username: str) -> str:
    from mastodon import Mastodon

    client_id, secret = register_app(url)
    api = Mastodon(client_id=client_id, client_secret=secret, api_base_url=url)
    return api.log_in(username, PASSWORD, allow_http=True)


class Stream:
    """An SSE client in a thread: every (event, data, arrival time) goes to a queue."""

    def __init__(self, url: str, bearer: str) -> None:
        self.events: queue.Queue[tuple[str, str, float]] = queue.Queue()
        self.ready = threading.Event()
        self._client = httpx.Client(timeout=httpx.Timeout(60.0))
        self._thread = threading.Thread(target=self._read, args=(url, bearer), daemon=True)
        self._thread.start()
        assert self.ready.wait(30), "the stream did not open"

    def _read(self, url: str, bearer: str) -> None:
        event = ""
        try:
            with self._client.stream("GET", url, headers={"Authorization": f"Bearer {bearer}"}) as answer:
                assert answer.status_code == 200
                for line in answer.iter_lines():
                    self.ready.set()
                    if line.startswith("event: "):
                        event = line[7:]
                    elif line.startswith("data: "):
                        self.events.put((event, line[6:], time.monotonic()))
        except Exception:
            pass  # closed by the test
        finally:
            self.ready.set()

    def update(self, status_id: str, timeout: float) -> float:
        """Wait (bounded) for the update event of `status_id`; its arrival time."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no update event for {status_id} within {timeout}s")
            try:
                event, data, at = self.events.get(timeout=left)
            except queue.Empty:
                continue
            if event == "update" and json.loads(data)["id"] == status_id:
                return at

    def close(self) -> None:
        self._client.close()


def test_two_web_and_two_worker_processes_on_postgres_and_s3(tmp_path):
    require_postgres()
    url = asyncio.run(migrated_postgres_database())
    try:
        with ExitStack() as stack:
            run_cluster(stack, url, tmp_path)
    finally:
        asyncio.run(drop_postgres_database(url))


def enter_all(stack: ExitStack, *managers: Any) -> list[Any]:
    """Enter context managers at once (process start-ups are mostly waiting on imports),
    each one's exit registered on `stack`."""
    with ThreadPoolExecutor(len(managers)) as pool:
        futures = [pool.submit(manager.__enter__) for manager in managers]
    values, error = [], None
    for manager, future in zip(managers, futures, strict=True):
        try:
            values.append(future.result())
            stack.push(manager.__exit__)
        except Exception as exc:
            error = error or exc
    if error is not None:
        raise error
    return values


def create_user(env: dict[str, str], name: str) -> None:
    made = run_cli(["user", "create", name, "--password-stdin"], env, stdin=PASSWORD)
    assert made.returncode == 0, made.stderr


def run_cluster(stack: ExitStack, url: str, tmp_path: Path) -> None:
    failing = FailingHost()
    stack.callback(lambda: (failing.process.kill(), failing.process.wait()))
    web_ports = [free_port(), free_port()]
    follower_port = free_port()
    domain = f"127.0.0.1:{web_ports[0]}"
    follower_domain = f"127.0.0.1:{follower_port}"
    reach = ",".join(f"127.0.0.1:{p}" for p in (*web_ports, follower_port, failing.port))
    settings = dict(INSTANCE_DOMAIN=domain, INSTANCE_SCHEME="http", SERVER_RUN_WORKER="false",
                    FEDERATION_ALLOW_PRIVATE_ADDRESSES=reach, API_PASSWORD_GRANT="true",
                    API_RATE_LIMIT=str(RATE_LIMIT), API_RATE_LIMIT_WINDOW="3600",
                    JOBS_CONCURRENCY="32")
    follower_env = impasto_env(
        migrated_sqlite_url(tmp_path / "follower.sqlite3"), tmp_path / "follower",
        INSTANCE_DOMAIN=follower_domain, INSTANCE_SCHEME="http", API_PASSWORD_GRANT="true",
        FEDERATION_ALLOW_PRIVATE_ADDRESSES=f"{follower_domain},{domain}")
    plain_env = impasto_env(url, tmp_path / "art", **settings)
    with ThreadPoolExecutor(4) as pool:
        made = [pool.submit(create_user, plain_env, "artist"),
                pool.submit(create_user, plain_env, "rater"),
                pool.submit(create_user, follower_env, "fan")]
        [weed] = enter_all(stack, seaweed_s3(tmp_path / "weed"))
        bucket = new_bucket_name()
        env = impasto_env(url, tmp_path / "art", **settings, **weed.settings(bucket))
        assert run_cli(["media", "s3-setup"], env).returncode == 0
        for done in made:
            done.result()
    asyncio.run(_add_remote_followers(url, "artist", failing.host, FAILING_FOLLOWERS))

    *web, follower, worker_one = enter_all(
        stack, *(running_server(env, ("--bind", f"127.0.0.1:{port}")) for port in web_ports),
        running_server(follower_env, ("--bind", follower_domain)),
        worker(env, tmp_path / "worker-1.log"))
    # On the way out, every process is asked to stop at once (then each is waited for).
    processes = [server.process for server in (*web, follower)] + [worker_one]
    stack.callback(lambda: [p.terminate() for p in processes if p.poll() is None])
    http = stack.enter_context(httpx.Client(timeout=60))
    artist = {"Authorization": "Bearer " + token(web[0].url, "artist")}
    fan = {"Authorization": "Bearer " + token(follower.url, "fan")}

    # The fan on the second instance follows the artist (worker 1 answers the Follow).
    found = http.get(f"{follower.url}/api/v2/search", headers=fan,
                     params={"q": f"artist@{domain}", "resolve": "true", "type": "accounts"})
    assert found.status_code == 200 and found.json()["accounts"], found.text
    artist_there = found.json()["accounts"][0]["id"]
    assert http.post(f"{follower.url}/api/v1/accounts/{artist_there}/follow",
                     headers=fan).status_code == 200
    eventually(lambda: http.get(f"{follower.url}/api/v1/accounts/relationships", headers=fan,
                                params={"id[]": artist_there}).json()[0]["following"],
               "the follow to be accepted")

    # Worker 1 meets the failing host: its breaker opens in the shared `instances` row.
    first = http.post(f"{web[0].url}/api/v1/statuses", headers=artist,
                      data={"status": "Sketches first"})
    assert first.status_code == 200, first.text
    eventually(lambda: sql(url, "SELECT 1 FROM instances WHERE domain = $1 AND "
                                "breaker_opened_at IS NOT NULL", failing.host),
               "worker 1 to open the failing host's breaker")
    tried_by_worker_one = failing.posts
    assert tried_by_worker_one >= 10

    # From here worker 2 does everything: worker 1 is paused.
    worker_one.send_signal(signal.SIGSTOP)
    processes.append(stack.enter_context(worker(env, tmp_path / "worker-2.log")))
    last_job = sql(url, "SELECT coalesce(max(id), 0) AS id FROM jobs")[0]["id"]

    # A real upload through web process 1, processed by worker 2 into the bucket.
    uploaded = http.post(f"{web[0].url}/api/v2/media", headers=artist,
                         files={"file": ("tide.png", png_bytes(3), "image/png")},
                         data={"description": "Tide pools"})
    assert uploaded.status_code in (200, 202), uploaded.text
    media_id = int(uploaded.json()["id"])
    media = eventually(lambda: sql(url, "SELECT original_key, variants FROM media_attachments "
                                        "WHERE id = $1 AND state = 'ready'", media_id),
                       "the worker to process the upload")[0]
    variants = json.loads(media["variants"]) if isinstance(media["variants"], str) else media["variants"]
    display = variants["display"]["webp"]
    in_bucket = {o["Key"] for o in weed.client().list_objects_v2(
        Bucket=bucket, Prefix="variants/").get("Contents", [])}
    assert f"variants/{display}" in in_bucket
    assert http.get(f"{weed.endpoint}/{bucket}/variants/{display}").status_code == 200
    original = http.get(f"{weed.endpoint}/{bucket}/originals/{media['original_key']}")
    assert original.status_code == 403, "an original must never be anonymously readable"

    # A stream on web process 2 sees the work published through web process 1.
    stream = Stream(f"{web[1].url}/api/v1/streaming/user", artist["Authorization"][7:])
    stack.callback(stream.close)
    posted = http.post(f"{web[0].url}/api/v1/statuses", headers=artist,
                       data={"status": "Tide pools, finished", "media_ids[]": str(media_id)})
    published = time.monotonic()
    assert posted.status_code == 200, posted.text
    status_id = posted.json()["id"]
    arrived = stream.update(status_id, timeout=1.0)
    assert arrived - published < 1.0

    # Worker 2 delivers it: the fan receives the work with images that serve.
    def on_fans_home() -> dict | None:
        home = http.get(f"{follower.url}/api/v1/timelines/home", headers=fan).json()
        return next((s for s in home if s["media_attachments"]
                     and all(a["url"] for a in s["media_attachments"])), None)

    # (its instance fetches and caches the images: a job of its own embedded worker)
    received = eventually(on_fans_home, "the work and its images to reach the follower")
    for attachment in received["media_attachments"]:
        for link in filter(None, (attachment["url"], attachment["preview_url"])):
            image = http.get(link, follow_redirects=True)
            assert image.status_code == 200 and image.headers["content-type"].startswith("image/")

    # …and backs off the failing host that worker 1 saw, without trying it.
    deferred = "SELECT count(*) AS n FROM jobs WHERE id > $1 AND kind = 'outbox.deliver' " \
               "AND payload::text LIKE $2 AND last_error LIKE 'circuit open%'"
    eventually(lambda: sql(url, deferred, last_job, f"%{failing.host}/inbox/%")[0]["n"]
               == FAILING_FOLLOWERS, "worker 2 to defer every delivery to the failing host")
    assert failing.posts == tried_by_worker_one, "worker 2 tried a host whose breaker is open"
    worker_one.send_signal(signal.SIGCONT)

    # One API client, both web processes, one rate.
    rater = {"Authorization": "Bearer " + token(web[1].url, "rater")}
    answers = [http.get(f"{web[i % 2].url}/api/v1/accounts/verify_credentials", headers=rater)
               for i in range(RATE_LIMIT + 2)]
    codes = [a.status_code for a in answers]
    allowed = codes.count(200)
    assert codes == [200] * allowed + [429] * (len(codes) - allowed)
    assert RATE_LIMIT - 2 <= allowed <= RATE_LIMIT  # the login itself may count
    assert answers[allowed - 1].headers["X-RateLimit-Remaining"] == "0"
    assert {a.url.port for a in answers[allowed:]} == set(web_ports)
