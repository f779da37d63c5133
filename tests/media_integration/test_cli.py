"""`impasto media check|cloak|recloak|prune` as real subprocesses."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from PIL import Image

from instance.attachments.uploads import create_upload
from instance.storage.models import Account, MediaAttachment, User
from media.cloak.levels import SPECS
from media.storage import Area
from tests.media_integration.conftest import encode, textured_rgb
from tests.rig.databases import migrated_sqlite_url
from tests.rig.processes import impasto_env, run_cli

pytestmark = pytest.mark.slow


@pytest.fixture
def database_url(tmp_path):
    """SQLite only: the commands use the same ORM code the PostgreSQL tests cover, and
    each spawns processes."""
    return migrated_sqlite_url(tmp_path / "impasto.sqlite3")


def cli_env(media_env) -> dict[str, str]:
    """The CLI's environment on the same database, media and default cloak level."""
    env = impasto_env(media_env.database_url, media_env.tmp_path,
                      CLOAK_DEFAULT_LEVEL=media_env.services.config.cloak.default_level)
    env["IMPASTO_MEDIA_PATH"] = str(media_env.tmp_path / "media")
    return env


def test_check_prints_one_json_object_per_file(shared_dir, tmp_path):
    folder = shared_dir / "fixtures" / "provenance"
    files = [str(folder / "comfyui_sdxl-turbo.png"), str(folder / "exif_canon-rebel-t3.jpg")]
    result = run_cli(["media", "check", *files, str(tmp_path / "missing.png"), str(tmp_path)],
                     impasto_env("sqlite://:memory:", tmp_path))
    assert result.returncode == 1
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [entry["file"] for entry in lines] == files
    assert lines[0]["verdict"] == "ai"
    assert lines[0]["signals"][0] == {
        "signal": "comfyui", "detail": lines[0]["signals"][0]["detail"], "confidence": "high"}
    assert lines[1] == {"file": files[1], "verdict": "none", "signals": []}
    assert "missing.png: cannot read the file: No such file or directory" in result.stderr
    assert f"{tmp_path}: cannot read the file" in result.stderr


def test_cloak_writes_the_file_and_prints_metrics(tmp_path):
    source, out = tmp_path / "in.png", tmp_path / "out.png"
    rgb = textured_rgb(256, 192)
    source.write_bytes(encode(rgb))
    result = run_cli(["media", "cloak", str(source), str(out), "--level", "low", "--seed", "7"],
                     impasto_env("sqlite://:memory:", tmp_path))
    assert result.returncode == 0, result.stderr
    metrics = json.loads(result.stdout)
    assert set(metrics) >= {"psnr", "ssim", "linf", "seconds", "level"}
    assert metrics["level"] == "low" and metrics["psnr"] >= SPECS["low"].psnr_floor
    # The luminance budget plus its chroma share as it reaches blue (1.772 Cb), plus dither.
    low = SPECS["low"]
    assert metrics["ssim"] >= low.ssim_floor
    assert 0 < metrics["linf"] <= low.linf * (1 + 1.772 * low.chroma_ratio) + 1
    cloaked = np.asarray(Image.open(out).convert("RGB"))
    assert cloaked.shape == rgb.shape and not np.array_equal(cloaked, rgb)
    bad = run_cli(["media", "cloak", str(tmp_path / "nope.png"), str(out)],
                  impasto_env("sqlite://:memory:", tmp_path))
    assert bad.returncode == 2 and bad.stderr.startswith("impasto: error: cannot read image")
    for command in (["media", "--help"], ["media", "check", "--help"],
                    ["media", "cloak", "--help"], ["media", "recloak", "--help"],
                    ["media", "prune", "--help"]):
        helped = run_cli(command, impasto_env("sqlite://:memory:", tmp_path))
        assert helped.returncode == 0 and "usage: impasto media" in helped.stdout


async def test_recloak_renders_again_at_the_new_level(media_env):
    media = await create_upload(media_env.services, media_env.artist,
                                encode(textured_rgb(256, 192)), filename="a.png",
                                content_type="image/png")
    other = await Account.create(ap_id="http://x/users/other", username="other")
    await User.create(account=other, password_hash="-")
    theirs = await create_upload(media_env.services, other, encode(textured_rgb(256, 192, 5)),
                                 filename="b.png", content_type="image/png")
    await media_env.run_jobs()
    before = await MediaAttachment.get(id=media.id)
    theirs_before = await MediaAttachment.get(id=theirs.id)
    old_bytes = media_env.services.media_store.get(Area.VARIANTS, before.variants["display"]["webp"])
    assert before.cloak_level == "medium"
    await User.filter(account_id=media_env.artist.id).update(settings={"cloak_level": "low"})

    result = run_cli(["media", "recloak", "--artist", "painter"], cli_env(media_env))
    assert result.returncode == 0, result.stderr
    assert "recloaking: 1/1" in result.stderr
    assert result.stdout.strip() == "re-rendered 1 of 1 media"
    after = await MediaAttachment.get(id=media.id)
    assert (after.state, after.cloak_level) == ("ready", "low")
    assert after.cloak_metrics["psnr"] >= SPECS["low"].psnr_floor
    # Same URLs (already federated), new pixels.
    store = media_env.services.media_store
    assert after.variants["display"]["webp"] == before.variants["display"]["webp"]
    assert store.get(Area.VARIANTS, after.variants["display"]["webp"]) != old_bytes
    theirs_after = await MediaAttachment.get(id=theirs.id)  # another artist: untouched
    assert theirs_after.variants == theirs_before.variants
    assert theirs_after.cloak_level == "medium"
    unchanged = run_cli(["media", "recloak", "--only-changed"], cli_env(media_env))
    assert unchanged.stdout.strip() == "re-rendered 0 of 0 media"
    missing = run_cli(["media", "recloak", "--artist", "nobody"], cli_env(media_env))
    assert missing.returncode == 2 and "no local artist named 'nobody'" in missing.stderr


async def test_prune_removes_old_cached_remote_copies(media_env):
    remote = await Account.create(ap_id="https://far.example/users/r", username="r",
                                  domain="far.example")
    store = media_env.services.media_store
    keys = {"display": {"webp": "cache/aa/bb/old-display.webp"}}
    store.put(Area.VARIANTS, keys["display"]["webp"], b"old copy")
    fresh = {"display": {"webp": "cache/cc/dd/new-display.webp"}}
    store.put(Area.VARIANTS, fresh["display"]["webp"], b"new copy")
    now = datetime.now(UTC)
    await MediaAttachment.create(account=remote, remote_url="https://far.example/1.png",
                                 state="ready", variants=keys,
                                 processed_at=now - timedelta(days=10))
    await MediaAttachment.create(account=remote, remote_url="https://far.example/2.png",
                                 state="ready", variants=fresh, processed_at=now)
    result = run_cli(["media", "prune", "--older-than", "7"], cli_env(media_env))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "pruned the cached copies of 1 remote media"
    assert not store.exists(Area.VARIANTS, keys["display"]["webp"])
    assert store.exists(Area.VARIANTS, fresh["display"]["webp"])
    assert run_cli(["media", "prune"], cli_env(media_env)).returncode == 2


async def test_worker_process_runs_the_media_job(media_env):
    """`impasto worker` (its own process and image pool) processes an upload."""
    media = await create_upload(media_env.services, media_env.artist,
                                encode(textured_rgb(160, 120)), filename="a.png",
                                content_type="image/png")
    env = cli_env(media_env)
    env["IMPASTO_CLOAK_DEFAULT_LEVEL"] = "low"
    result = run_cli(["worker", "--until-idle"], env)
    assert result.returncode == 0, result.stderr
    media = await MediaAttachment.get(id=media.id)
    assert (media.state, media.cloak_level) == ("ready", "low"), media.state_reason
    assert media_env.services.media_store.exists(Area.VARIANTS, media.variants["thumb"]["jpeg"])
