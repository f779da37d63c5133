"""Media on a real S3-compatible store (SeaweedFS on loopback): the store keeps the local
store's contract, originals are never anonymously readable, uploads are processed into
the bucket and served, a store that is down is a clear error and a retried job, and
`impasto media move-storage` copies everything both ways, verified and resumable."""

from __future__ import annotations

import asyncio
import hashlib
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import httpx
import pytest

from instance.attachments.uploads import MediaStoreDown, create_upload
from instance.storage.models import Job, JobState, MediaAttachment, MediaState
from media.s3store import S3Location, S3MediaStore, make_client
from media.storage import Area, InvalidKey, LocalMediaStore, StoreUnavailable
from tests.media_integration.conftest import encode, textured_rgb
from tests.rig.processes import IMPASTO, REPO_ROOT, impasto_env, run_cli, running_server
from tests.rig.seaweed import SECRET_KEY, SeaweedS3, new_bucket_name, seaweed_s3

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def seaweed(tmp_path_factory):
    with seaweed_s3(tmp_path_factory.mktemp("seaweed")) as server:
        yield server


def s3_store(seaweed: SeaweedS3, bucket: str, private_bucket: str = "") -> S3MediaStore:
    location = S3Location(seaweed.endpoint, "us-east-1", bucket, private_bucket)
    store = S3MediaStore(seaweed.client(), location)
    store.prepare()
    return store


def anonymous_get(seaweed: SeaweedS3, bucket: str, name: str) -> int:
    return httpx.get(f"{seaweed.endpoint}/{bucket}/{name}").status_code


@pytest.mark.parametrize("separate_private_bucket", [False, True])
def test_store_contract_and_private_originals(seaweed, separate_private_bucket):
    bucket = new_bucket_name()
    private = new_bucket_name() if separate_private_bucket else ""
    store = s3_store(seaweed, bucket, private)

    store.put(Area.ORIGINALS, "ab/original.jpg", b"uncloaked pixels")
    store.put(Area.VARIANTS, "ab/display.webp", b"cloaked pixels")
    assert store.get(Area.ORIGINALS, "ab/original.jpg") == b"uncloaked pixels"
    assert store.exists(Area.VARIANTS, "ab/display.webp")
    assert not store.exists(Area.VARIANTS, "ab/original.jpg")  # areas do not mix
    assert store.md5(Area.VARIANTS, "ab/display.webp") == hashlib.md5(b"cloaked pixels").hexdigest()
    assert list(store.iter_keys(Area.ORIGINALS)) == ["ab/original.jpg"]
    assert list(store.iter_keys(Area.VARIANTS)) == ["ab/display.webp"]
    assert store.path_for_serving("ab/display.webp") is None

    # Anyone may read a variant; nobody may read an original without the key.
    assert anonymous_get(seaweed, bucket, "variants/ab/display.webp") == 200
    original_at = (private, "ab/original.jpg") if private else (bucket, "originals/ab/original.jpg")
    assert anonymous_get(seaweed, *original_at) == 403

    with pytest.raises(FileNotFoundError):
        store.get(Area.VARIANTS, "ab/absent.webp")
    with pytest.raises(FileNotFoundError):
        store.open(Area.ORIGINALS, "ab/absent.zip")

    # Large files (a full archive) go in and come out in pieces, never whole in memory.
    big = bytes(range(256)) * (12 * 4096 + 7)  # 12 MB and a bit: boto3 uploads it in parts
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "archive.zip"
        path.write_bytes(big)
        store.put_file(Area.ORIGINALS, "archives/ab/abcd.zip", path)
    with store.open(Area.ORIGINALS, "archives/ab/abcd.zip") as stream:
        pieces = []
        while piece := stream.read(1 << 20):
            assert len(piece) <= 1 << 20
            pieces.append(piece)
    assert b"".join(pieces) == big
    assert store.delete(Area.ORIGINALS, "archives/ab/abcd.zip") is True
    with pytest.raises(InvalidKey):
        store.put(Area.VARIANTS, "../escape.webp", b"x")
    assert store.delete(Area.VARIANTS, "ab/display.webp") is True
    assert store.delete(Area.VARIANTS, "ab/display.webp") is False


def test_unreachable_store_is_unavailable_not_a_crash(unused_port):
    location = S3Location(f"http://127.0.0.1:{unused_port}", "us-east-1", "b")
    store = S3MediaStore(make_client(location, "k", "s", timeout=2), location)
    with pytest.raises(StoreUnavailable):
        store.put(Area.VARIANTS, "a.webp", b"x")
    with pytest.raises(StoreUnavailable):
        store.get(Area.ORIGINALS, "a.jpg")


@pytest.fixture
def unused_port() -> int:
    from tests.rig.seaweed import _free_ports

    return _free_ports(1)[0]


# The store, not the database, is under test here: SQLite only (the job and record
# paths run on PostgreSQL in test_uploads.py), and the cloak off (tested in tests/media).
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_upload_is_processed_into_the_bucket_and_served(media_env, seaweed, tmp_path):
    bucket = new_bucket_name()
    media_env.rebuild(CLOAK_DEFAULT_LEVEL="off", **seaweed.settings(bucket))
    store = media_env.services.media_store
    assert isinstance(store, S3MediaStore)
    await asyncio.to_thread(store.prepare)

    media = await create_upload(media_env.services, media_env.artist, encode(textured_rgb()),
                                filename="painting.png", content_type="image/png")
    await media_env.run_jobs()
    media = await MediaAttachment.get(id=media.id)
    assert media.state == MediaState.READY
    display = media.variants["display"]["webp"]
    assert await asyncio.to_thread(store.exists, Area.VARIANTS, display)
    assert anonymous_get(seaweed, bucket, f"variants/{display}") == 200
    assert anonymous_get(seaweed, bucket, f"originals/{media.original_key}") == 403

    # A real server proxies the variant at its one URL; with a public base URL it redirects.
    stored = await asyncio.to_thread(store.get, Area.VARIANTS, display)
    env = impasto_env(media_env.database_url, tmp_path, **seaweed.settings(bucket))
    with running_server(env) as server:
        async with httpx.AsyncClient() as http:
            served = await http.get(f"{server.url}/media/{display}")
            assert served.status_code == 200 and served.content == stored
            assert served.headers["content-type"] == "image/webp"
            again = await http.get(f"{server.url}/media/{display}",
                                   headers={"If-None-Match": served.headers["etag"]})
            assert again.status_code == 304
            assert (await http.get(f"{server.url}/media/{media.original_key}")).status_code == 404
    public = f"{seaweed.endpoint}/{bucket}/variants"
    env = impasto_env(media_env.database_url, tmp_path,
                      **seaweed.settings(bucket, s3_public_url=public))
    with running_server(env) as server:
        async with httpx.AsyncClient(follow_redirects=True) as http:
            served = await http.get(f"{server.url}/media/{display}")
            assert served.history[0].status_code == 302
            assert str(served.url) == f"{public}/{display}" and served.content == stored


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_store_down_refuses_upload_in_words_and_retries_processing(media_env, seaweed,
                                                                        unused_port):
    bucket = new_bucket_name()
    up = seaweed.settings(bucket)
    down = {**up, "s3_endpoint": f"http://127.0.0.1:{unused_port}", "s3_timeout": "2"}

    media_env.rebuild(**down)
    with pytest.raises(MediaStoreDown) as refused:
        await create_upload(media_env.services, media_env.artist, encode(textured_rgb()),
                            filename="p.png", content_type="image/png")
    assert refused.value.status == 503 and "try again" in refused.value.message
    assert await MediaAttachment.all().count() == 0  # nothing half-stored

    media_env.rebuild(CLOAK_DEFAULT_LEVEL="off", **up)
    await asyncio.to_thread(media_env.services.media_store.prepare)
    media = await create_upload(media_env.services, media_env.artist, encode(textured_rgb()),
                                filename="p.png", content_type="image/png")
    media_env.rebuild(CLOAK_DEFAULT_LEVEL="off", **down)  # the store goes away before the worker runs
    await media_env.run_jobs()
    job = await Job.get(kind="media.process")
    assert job.state == JobState.QUEUED and job.attempts == 1
    assert "media store unavailable" in (job.last_error or "")
    assert (await MediaAttachment.get(id=media.id)).state == MediaState.PROCESSING

    media_env.rebuild(CLOAK_DEFAULT_LEVEL="off", **up)  # back: the retry finishes the work
    from tests.rig.jobs import run_jobs_until_idle

    await run_jobs_until_idle(media_env.services, include_delayed=True)
    assert (await MediaAttachment.get(id=media.id)).state == MediaState.READY


def test_move_storage_both_ways_verified_and_resumable(seaweed, tmp_path):
    """200 files on the local store go to S3 (killed midway, then resumed) and back to a new
    local folder; every byte is equal at the end."""
    source = LocalMediaStore(tmp_path / "media")
    files = {}
    for i in range(200):
        data = f"file {i} ".encode() * 4000
        area = Area.ORIGINALS if i % 4 == 0 else Area.VARIANTS
        key = f"{i % 10:02d}/{i:04d}.webp"
        source.put(area, key, data)
        files[(area, key)] = data
    bucket = new_bucket_name()
    env = impasto_env("sqlite://" + str(tmp_path / "unused.sqlite3"), tmp_path,
                      **seaweed.settings(bucket, media_backend="local"))  # S3 set up, not live
    assert run_cli(["media", "s3-setup"], env).returncode == 0
    target = s3_store(seaweed, bucket)

    mover = subprocess.Popen([*IMPASTO, "media", "move-storage", "--to", "s3"], env=env,
                             cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while (sum(1 for _ in target.iter_keys(Area.ORIGINALS)) < 5 and mover.poll() is None
           and time.monotonic() < deadline):
        time.sleep(0.05)  # watching another process's progress in the bucket
    mover.send_signal(signal.SIGKILL)
    mover.wait()
    copied_before = sum(1 for a in Area for _ in target.iter_keys(a))
    assert 5 <= copied_before < len(files), "the copy was not interrupted midway"

    resumed = run_cli(["media", "move-storage", "--to", "s3"], env, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{copied_before} already there" in resumed.stdout
    assert "complete" in resumed.stdout
    for (area, key), data in files.items():
        assert target.get(area, key) == data

    back_env = {**env, "IMPASTO_MEDIA_BACKEND": "s3", "IMPASTO_MEDIA_PATH": str(tmp_path / "back")}
    moved_back = run_cli(["media", "move-storage", "--to", "local"], back_env, timeout=300)
    assert moved_back.returncode == 0, moved_back.stderr
    back = LocalMediaStore(tmp_path / "back")
    for (area, key), data in files.items():
        assert back.get(area, key) == data

    same = run_cli(["media", "move-storage", "--to", "local"], env)
    assert same.returncode != 0 and "already" in same.stderr  # names the problem, no traceback
    assert "Traceback" not in same.stderr


def test_credentials_never_reach_the_logs(seaweed, tmp_path):
    """A wrong secret is reported without printing either key."""
    bucket = new_bucket_name()
    bad = tmp_path / "bad-secret"
    bad.write_text("not-the-secret\n")
    env = impasto_env("sqlite://" + str(tmp_path / "x.sqlite3"), tmp_path,
                      **seaweed.settings(bucket, s3_secret_access_key_file=str(bad)))
    result = run_cli(["media", "s3-setup"], env)
    assert result.returncode != 0
    assert "does not answer" in result.stderr or "refused" in result.stderr
    assert "not-the-secret" not in result.stderr + result.stdout
    assert SECRET_KEY not in result.stderr + result.stdout


async def test_full_archive_on_s3(media_env, seaweed):
    """The archive job reads the originals from the bucket and stores the zip there,
    privately; what it stores opens as the same archive as on the local store."""
    import io
    import json
    import zipfile

    from instance.actions.archive import request_archive
    from instance.actions.works import create_work
    from instance.storage.models import ArchiveExport

    bucket = new_bucket_name()
    media_env.rebuild(CLOAK_ENABLED="false", **seaweed.settings(bucket))
    services, artist = media_env.services, media_env.artist
    store = services.media_store
    await asyncio.to_thread(store.prepare)
    uploads = [encode(textured_rgb(96, 64, seed)) for seed in (1, 2)]
    media = [await create_upload(services, artist, data, filename="a.png", content_type="image/png")
             for data in uploads]
    await create_work(services, artist, title="Two seas", content_source="Diptych",
                      media_ids=[m.id for m in media])
    await media_env.run_jobs()
    await request_archive(services, artist)
    await media_env.run_jobs()
    run = await ArchiveExport.get(account_id=artist.id)
    assert run.state == "ready" and run.storage_key
    assert anonymous_get(seaweed, bucket, f"originals/{run.storage_key}") == 403

    def read_back() -> bytes:
        with store.open(Area.ORIGINALS, run.storage_key) as stream:
            return stream.read()

    archive = zipfile.ZipFile(io.BytesIO(await asyncio.to_thread(read_back)))
    [create] = json.loads(archive.read("outbox.json"))["orderedItems"]
    urls = [a["url"] for a in create["object"]["attachment"]]
    assert [archive.read(url.lstrip("/")) for url in urls] == uploads
