"""create_upload: cheap refusals leave nothing behind; an accepted upload is stored
privately with its record and its job, and the job produces cloaked variants."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from instance.attachments.uploads import create_upload, http_status
from instance.storage.models import Job, MediaAttachment
from media.cloak import LEVELS  # noqa: F401  (the cloak package must import here)
from media.cloak.levels import SPECS
from media.cloak.quality import psnr
from media.errors import MediaRejected
from media.pipeline import process_image
from media.storage import Area
from tests.media_integration.conftest import encode, textured_rgb


def png_bomb(width: int = 60000, height: int = 60000) -> bytes:
    """A tiny, complete PNG whose header declares width×height pixels."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(
            ">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))


def stored_files(tmp_path) -> list[str]:
    root = tmp_path / "media"
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


@pytest.mark.parametrize(
    ("make", "filename", "content_type", "code", "words"),
    [
        (lambda: png_bomb(), "bomb.png", "image/png", "too_many_pixels", "too many pixels"),
        (lambda: png_bomb(20000, 10), "long.png", "image/png", "dimensions_too_large",
         "16384"),
        (lambda: png_bomb(12000, 12000), "bomb.png", "image/png", "too_many_pixels",
         "megapixels"),
        (lambda: encode(textured_rgb(), "JPEG")[:-4000], "cut.jpg", "image/jpeg", "truncated",
         "incomplete"),
        (lambda: encode(textured_rgb(), "PNG")[:-20], "cut.png", "image/png", "truncated",
         "incomplete"),
        (lambda: encode(textured_rgb(), "PNG"), "drawing.jpg", "image/jpeg", "type_mismatch",
         "PNG"),
        (lambda: encode(textured_rgb(), "PNG"), "drawing.jpg", "application/octet-stream",
         "type_mismatch", "PNG"),
        (lambda: b"", "empty.png", "image/png", "empty", "empty"),
        (lambda: b"<svg xmlns='http://www.w3.org/2000/svg'/>", "x.svg", "image/svg+xml",
         "unsupported_format", "SVG"),
        (lambda: b"\xff\xd8\xff" + b"\0" * (2 * 1024 * 1024), "big.jpg", "image/jpeg",
         "too_large", "largest"),
    ],
    ids=["bomb-huge", "too-long", "bomb-pixels", "truncated-jpeg", "truncated-png", "wrong-extension",
         "wrong-extension-no-type", "empty", "svg", "oversized"],
)
async def test_refused_uploads_leave_nothing(media_env, make, filename, content_type, code,
                                             words):
    media_env.rebuild(MEDIA_MAX_UPLOAD_BYTES=str(1024 * 1024))
    with pytest.raises(MediaRejected) as caught:
        await create_upload(media_env.services, media_env.artist, make(),
                            filename=filename, content_type=content_type)
    assert caught.value.code == code
    assert words in caught.value.message
    assert http_status(caught.value) == (413 if code == "too_large" else 422)
    assert await MediaAttachment.all().count() == 0
    assert await Job.all().count() == 0
    assert stored_files(media_env.tmp_path) == []


async def test_failed_transaction_removes_the_original(media_env, monkeypatch):
    async def broken_enqueue(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(media_env.services.jobs, "enqueue", broken_enqueue)
    with pytest.raises(RuntimeError):
        await create_upload(media_env.services, media_env.artist, encode(textured_rgb()),
                            filename="a.png", content_type="image/png")
    assert await MediaAttachment.all().count() == 0
    assert stored_files(media_env.tmp_path) == []


async def test_blob_filename_and_focus_are_accepted(media_env):
    data = encode(textured_rgb(), "JPEG", quality=92)
    media = await create_upload(media_env.services, media_env.artist, data, filename="blob",
                                content_type="image/jpeg", description="a sea", focus="0.5,-0.25")
    assert (media.state, media.original_type, media.description) == ("processing", "image/jpeg",
                                                                     "a sea")
    assert (media.focus_x, media.focus_y) == (0.5, -0.25)
    with pytest.raises(MediaRejected) as caught:
        await create_upload(media_env.services, media_env.artist, data, filename="blob",
                            content_type="image/jpeg", focus="2,0")
    assert caught.value.code == "bad_focus"


# SQLite only: the cloak and the variants are under test; the record and job paths run
# on both databases in the other tests of this module.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_upload_is_processed_into_cloaked_variants(media_env):
    rgb = textured_rgb(384, 288)
    data = encode(rgb, "PNG")
    media = await create_upload(media_env.services, media_env.artist, data,
                                filename="sea.png", content_type="image/png")
    store = media_env.services.media_store
    assert store.get(Area.ORIGINALS, media.original_key) == data
    job = await Job.get(kind="media.process")
    assert job.payload == {"media_id": media.id}

    assert await media_env.run_jobs() == 1
    media = await MediaAttachment.get(id=media.id)
    assert media.state == "ready", media.state_reason
    assert media.provenance_verdict == "none"
    assert (media.width, media.height) == (384, 288)
    assert media.blurhash and media.cloak_level == "medium"
    metrics = media.cloak_metrics
    assert metrics["psnr"] >= SPECS["medium"].psnr_floor
    assert metrics["ssim"] >= SPECS["medium"].ssim_floor
    assert {"decode", "provenance", "cloak", "variants", "store"} <= set(media.timings)
    # The original is untouched and private; the variants are public and cloaked.
    assert store.get(Area.ORIGINALS, media.original_key) == data
    assert not store.exists(Area.VARIANTS, media.original_key)
    display = media.variants["display"]
    served = np.asarray(Image.open(io.BytesIO(store.get(Area.VARIANTS, display["webp"])))
                        .convert("RGB"))
    assert served.shape == rgb.shape
    # The same pipeline without the cloak renders something else: the cloak ran on
    # what is served (its PSNR/SSIM floors are checked above, on the full image).
    uncloaked = process_image(data, claimed_type="image/png", cloak=None)
    plain = np.asarray(Image.open(io.BytesIO(uncloaked.display.webp)).convert("RGB"))
    assert plain.shape == served.shape
    assert np.abs(plain.astype(int) - served.astype(int)).mean() > 0.5
    assert psnr(plain, served) < 45
    for entry in media.variants.values():
        for fmt in ("webp", "jpeg"):
            assert store.exists(Area.VARIANTS, entry[fmt])
    assert await Job.filter(state="done").count() == 1


@pytest.mark.parametrize("xmp", ["true", "false"])
async def test_optout_xmp_setting_is_honoured(media_env, xmp):
    media_env.rebuild(CLOAK_ENABLED="false", OPTOUT_XMP=xmp)
    media = await create_upload(media_env.services, media_env.artist,
                                encode(textured_rgb(200, 150)), filename="a.png",
                                content_type="image/png")
    await media_env.run_jobs()
    media = await MediaAttachment.get(id=media.id)
    store = media_env.services.media_store
    for fmt in ("webp", "jpeg"):
        info = Image.open(io.BytesIO(store.get(Area.VARIANTS, media.variants["thumb"][fmt]))).info
        packet = info.get("xmp") or b""
        if xmp == "true":
            assert b"DMI-PROHIBITED-AIMLTRAINING" in packet and b"Pat Painter" in packet
        else:
            assert packet == b"" and "exif" not in info


async def test_delete_media_removes_record_and_files(media_env):
    from instance.attachments.processing import delete_media

    media = await create_upload(media_env.services, media_env.artist,
                                encode(textured_rgb(200, 150)), filename="a.png",
                                content_type="image/png")
    media_env.rebuild(CLOAK_ENABLED="false")
    await media_env.run_jobs()
    media = await MediaAttachment.get(id=media.id)
    assert len(stored_files(media_env.tmp_path)) == 5  # the original and four variants
    await delete_media(media_env.services, media)
    assert stored_files(media_env.tmp_path) == []
    assert not await MediaAttachment.exists(id=media.id)


async def test_processing_progress_reaches_the_record_and_is_cleared(media_env, tmp_path):
    """What the pool writes is copied onto the record with an estimate, and a finished
    job leaves no progress behind (the upload page reads `progress` while processing)."""
    from instance.attachments.progress import followed, record_progress
    from media.progress import ProgressFile

    media = await create_upload(media_env.services, media_env.artist,
                                encode(textured_rgb(96, 64)), filename="p.png",
                                content_type="image/png")
    path = tmp_path / "progress.json"
    assert await record_progress(media.id, path, started=0.0) is None  # nothing written yet
    ProgressFile(str(path))("cloaking", 0.5)
    assert await record_progress(media.id, path, started=0.0) == ("cloaking", 0.5)
    progress = (await MediaAttachment.get(id=media.id)).progress
    assert progress["stage"] == "cloaking" and progress["fraction"] == 0.5
    assert progress["eta_seconds"] is not None and progress["eta_seconds"] > 0
    async with followed(media.id) as report:
        report("making variants", 0.95)
    assert (await MediaAttachment.get(id=media.id)).progress is None
    assert not list(tmp_path.glob("impasto-progress-*"))
    assert await media_env.run_jobs() == 1
    done = await MediaAttachment.get(id=media.id)
    assert done.state == "ready" and done.progress is None
