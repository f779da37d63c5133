"""`impasto backup` / `impasto restore` for real: an artist with a published, illustrated
work and a follower on a second running Impasto is backed up while the server runs, then
restored into a fresh instance (new database, new media folder) on the same address. The
restored artist keeps the follower, and the other instance verifies their signature and
receives their next work. A tampered, missing or forged backup and a non-empty target are
refused in words, with nothing written."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import httpx
import pytest

from instance.actions import social, works
from instance.actors.accounts import create_local_user
from instance.actors.remote import resolve_acct
from instance.attachments.uploads import create_upload
from instance.storage.models import Account, Follow, MediaAttachment, Work
from media.storage import Area, LocalMediaStore
from tests.media_integration.conftest import encode, textured_rgb
from tests.rig.peers import Peer, make_peer, serving
from tests.rig.processes import free_port, run_cli

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("federation_e2e")]


async def _artist(peer: Peer, name: str) -> None:
    async with peer.open() as services:
        await create_local_user(services.urls, name, "correct horse battery")


async def _publish(peer: Peer, title: str, image: bytes | None = None) -> str:
    async with peer.open() as services:
        alice = await Account.get(username="alice", domain=None)
        media_ids = []
        if image is not None:
            upload = await create_upload(services, alice, image, filename="sea.png",
                                         content_type="image/png")
            media_ids.append(upload.id)
        work = await works.create_work(services, alice, title=title,
                                       content_source="Oil on board", media_ids=media_ids)
        return work.ap_id


def _cli_ok(args: list[str], peer: Peer) -> str:
    result = run_cli(args, peer.env, timeout=180)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result.stderr


def _refused(args: list[str], peer: Peer) -> str:
    result = run_cli(args, peer.env, timeout=180)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and result.stderr.splitlines()[-1].startswith("impasto: error: ")
    return result.stderr


@pytest.fixture
def urls(make_database) -> dict[str, str]:
    """Database URLs made before the test's event loop runs (PostgreSQL ones need one)."""
    return {name: make_database(name) for name in ("source", "remote", "restored")}


@pytest.fixture
def spare(make_database) -> str:
    return make_database("spare")


@pytest.mark.parametrize(
    ("db_kind", "form"),
    # Each form on one database: the form changes only the container, the database only
    # what restore writes into (the refusals below run on both).
    [("sqlite", "backup.tar"), pytest.param("postgres", "backup-folder", marks=pytest.mark.postgres)],
    indirect=["db_kind"],
)
async def test_restored_artist_keeps_followers_and_federates(tmp_path, urls, form):
    port = free_port()
    source = make_peer("source", tmp_path, urls["source"], port=port)
    remote = make_peer("remote", tmp_path, urls["remote"])
    backup = tmp_path / form
    with serving(source, remote):
        await _artist(source, "alice")
        await _artist(remote, "bob")
        async with remote.open() as services:
            bob = await Account.get(username="bob", domain=None)
            await social.follow(services, bob, await resolve_acct(services, "alice", source.domain))
        for peer in (remote, source, remote):  # Follow → source; Accept → remote
            await peer.run_jobs()
        first = await _publish(source, "Sea", encode(textured_rgb(160, 120)))
        await source.run_jobs()  # media job, publication, delivery
        await remote.run_jobs()
        async with source.open() as services:
            alice = await Account.get(username="alice", domain=None)
            media = await MediaAttachment.get(work__ap_id=first)
            variant = media.variants["display"]["webp"]
            image = services.media_store.get(Area.VARIANTS, variant)
        stderr = _cli_ok(["backup", str(backup)], source)  # while the server runs
        assert "backing up" in stderr

    assert backup.stat().st_mode & 0o077 == 0  # it holds the private keys
    manifest = json.loads((backup / "manifest.json").read_text()) if backup.is_dir() else None
    if manifest is not None:
        names = {entry["name"] for entry in manifest["files"]}
        assert f"media/variants/{variant}" in names and "secret_key" in names
        assert manifest["domain"] == source.domain and len(manifest["created_at"]) > 10

    restored = make_peer("restored", tmp_path, urls["restored"], port=port)
    stderr = _cli_ok(["restore", str(backup)], restored)
    assert "checking the backup" in stderr and "restoring" in stderr
    assert (tmp_path / "restored-secret").read_bytes() == (tmp_path / "source-secret").read_bytes()
    with serving(restored, remote):
        async with restored.open():
            again = await Account.get(username="alice", domain=None)
            assert again.private_key_pem == alice.private_key_pem
            assert await Follow.filter(target_id=again.id, state="accepted",
                                       follower__username="bob").exists()
        async with httpx.AsyncClient() as client:
            served = await client.get(f"{restored.url}/media/{variant}")
        assert served.status_code == 200 and served.content == image
        second = await _publish(restored, "Sea, later")
        await restored.run_jobs()
        await remote.run_jobs()  # the inbox checks alice's signature with the key it holds
        async with remote.open():
            received = await Work.get(ap_id=second)
            assert received.title == "Sea, later" and not received.local
            assert await Work.filter(ap_id=first).exists()


@pytest.fixture
def instance(tmp_path, make_database) -> Peer:
    """A set-up instance (an admin account) with one media file, and a folder backup of it."""
    peer = make_peer("one", tmp_path, make_database("one"))
    _cli_ok(["setup"], peer)
    (tmp_path / "one-secret").write_text("s3cret")
    LocalMediaStore(tmp_path / "one-media").put(Area.VARIANTS, "ab/cd/abcd.webp", b"RIFFpixels")
    _cli_ok(["backup", str(tmp_path / "backup")], peer)
    return peer


def _nothing_written(peer: Peer, tmp_path: Path) -> None:
    media = tmp_path / f"{peer.name}-media"
    assert not media.exists() or not [p for p in media.rglob("*") if p.is_file()]
    assert not (tmp_path / f"{peer.name}-secret").exists()


async def test_tampered_backup_is_refused_naming_the_file(tmp_path, spare, instance):
    backup = tmp_path / "backup"
    image = backup / "media/variants/ab/cd/abcd.webp"
    image.write_bytes(b"RIFFpixelz")
    fresh = make_peer("fresh", tmp_path, spare, port=instance.port)
    stderr = _refused(["restore", str(backup)], fresh)
    assert "media/variants/ab/cd/abcd.webp" in stderr and "changed" in stderr
    _nothing_written(fresh, tmp_path)

    image.unlink()
    assert "media/variants/ab/cd/abcd.webp is missing" in _refused(["restore", str(backup)], fresh)
    shutil.copytree(backup, tmp_path / "copy")
    manifest = json.loads((backup / "manifest.json").read_text())
    manifest["files"].append({"name": "media/variants/../../etc/passwd", "size": 1, "sha256": ""})
    (backup / "manifest.json").write_text(json.dumps(manifest))
    assert "may not hold" in _refused(["restore", str(backup)], fresh)
    (backup / "manifest.json").write_text("{not json")
    assert "damaged" in _refused(["restore", str(backup)], fresh)
    (backup / "manifest.json").unlink()
    assert "not an Impasto backup" in _refused(["restore", str(backup)], fresh)
    assert "no backup at" in _refused(["restore", str(tmp_path / "nowhere")], fresh)
    (tmp_path / "junk.tar").write_bytes(b"not a tar at all" * 100)
    assert "not a readable backup" in _refused(["restore", str(tmp_path / "junk.tar")], fresh)
    _nothing_written(fresh, tmp_path)


async def test_restore_into_a_non_empty_instance_is_refused(tmp_path, spare, instance):
    backup = str(tmp_path / "backup")
    assert "already has accounts" in _refused(["restore", backup], instance)
    other = make_peer("other", tmp_path, spare, port=instance.port)
    LocalMediaStore(tmp_path / "other-media").put(Area.ORIGINALS, "ee/ff/eeff.png", b"x")
    assert "media store already holds files" in _refused(["restore", backup], other)
    moved = make_peer("moved", tmp_path, spare, instance_domain="elsewhere.test")
    assert "restore only under the same [instance] domain" in _refused(["restore", backup], moved)
    assert "already exists" in _refused(["backup", backup], instance)


def test_media_on_s3_are_backed_up_and_restored_through_the_store(tmp_path):
    from instance.services import build_media_store
    from tests.rig.seaweed import new_bucket_name, seaweed_s3

    with seaweed_s3(tmp_path / "weed") as weed:
        buckets = [new_bucket_name(), new_bucket_name()]
        for bucket in buckets:
            weed.client().create_bucket(Bucket=bucket)
        port = free_port()
        first = make_peer("first", tmp_path, port=port, **weed.settings(buckets[0]))
        _cli_ok(["setup"], first)
        files = {(Area.VARIANTS, "ab/cd/abcd.webp"): b"RIFF-variant",
                 (Area.ORIGINALS, "ef/gh/efgh.png"): b"PNG-original"}
        for (area, key), data in files.items():
            build_media_store(first.config).put(area, key, data)
        _cli_ok(["backup", str(tmp_path / "s3.tar")], first)
        second = make_peer("second", tmp_path, port=port, **weed.settings(buckets[1]))
        _cli_ok(["restore", str(tmp_path / "s3.tar")], second)
        restored = build_media_store(second.config)
        assert {(area, key): restored.get(area, key) for area, key in files} == files
        assert "media store already holds files" in _refused(
            ["restore", str(tmp_path / "s3.tar")], make_peer("third", tmp_path, port=port,
                                                             **weed.settings(buckets[1])))


def test_missing_pg_dump_is_named(tmp_path, db_kind, instance):
    if db_kind != "postgres":
        pytest.skip("pg_dump is for PostgreSQL instances only")
    no_tools = tmp_path / "bin"
    no_tools.mkdir()
    instance.env["PATH"] = str(no_tools)
    assert "pg_dump is not installed" in _refused(["backup", str(tmp_path / "b.tar")], instance)
    assert not (tmp_path / "b.tar").exists()  # no half-written backup left behind
