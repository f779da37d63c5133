"""The whole pipeline on real third-party files: served variants carry no uploaded
metadata (checked with the real exiftool) and do carry Impasto's opt-out XMP; the
detector sees the untouched original; callables run in a process pool."""

from __future__ import annotations

import io
import json
import pickle
import shutil
import subprocess
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest
from PIL import Image

from media.errors import MediaRejected
from media.optout import OptOutMarks
from media.pipeline import (
    CloakWith,
    DetectProvenance,
    PipelineOptions,
    PipelineResult,
    process_image,
    run_in_pool,
)
from media.progress import ProgressFile, read_progress
from media.variants import FocalPoint

# exiftool groups a served file may have: container basics and our own XMP.
ALLOWED_GROUPS = {"ExifTool", "System", "File", "JFIF", "RIFF", "Composite", "XMP-x",
                  "XMP-plus", "XMP-dc", "XMP-xmpRights", "XMP-cc", "XMP-iptcExt"}
FIXTURES = [
    "exif_canon-rebel-t3.jpg",  # Canon EXIF + maker notes, Lightroom XMP, ICC
    "exif_exiftool_Apple-iPhone7.jpg",  # GPS in EXIF
    "exif_exiftool_Google-Pixel8Pro.jpg",  # GPS in EXIF
    "c2pa_truepic-pixel5-camera.jpg",  # C2PA (JUMBF) with location assertions, rotated
    "c2pa_firefly_butterfly.jpg",  # C2PA, AI-generated
    "c2pa_dalle3-chatgpt.webp",  # C2PA in WebP
    "c2pa_invokeai-splash.png",  # C2PA in PNG, Photoshop XMP
    "exif_canon-photo-as-png_imagemagick-text.png",  # EXIF + text chunks in PNG
    "png-text_exiftool_comment-xmp.png",
    "png-text_imageready-software-xmp.png",
    "png-text_iptc-raw-profile-xmp.png",  # IPTC, non-sRGB-named ICC, XMP
]


def exiftool(data: bytes) -> dict:
    return exiftool_many([data], None)[0]


def exiftool_many(blobs: list[bytes], tmp_path) -> list[dict]:
    """Tags of each blob (raw values, family-1 groups), one exiftool run for all."""
    if shutil.which("exiftool") is None:
        pytest.skip("exiftool is not installed (apt-get install libimage-exiftool-perl)")
    args = ["exiftool", "-j", "-n", "-G1", "-a", "-s"]
    if tmp_path is None:
        out = subprocess.run([*args, "-"], input=blobs[0], capture_output=True, check=True)
        return json.loads(out.stdout)
    paths = []
    for i, blob in enumerate(blobs):
        paths.append(tmp_path / f"{i}.bin")
        paths[-1].write_bytes(blob)
    out = subprocess.run([*args, *map(str, paths)], capture_output=True, check=True)
    return sorted(json.loads(out.stdout), key=lambda t: int(t["System:FileName"].split(".")[0]))


def jpeg(arr: np.ndarray, **save) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, "JPEG", quality=92, **save)
    return buf.getvalue()


def gradient(h=300, w=500) -> np.ndarray:
    y, x = np.mgrid[0:h, 0:w]
    return np.stack([x * 255 // w, y * 255 // h, (x + y) * 255 // (w + h)], -1).astype(np.uint8)


# Top-level so they pickle into a worker process.
def invert(rgb: np.ndarray) -> tuple[np.ndarray, dict]:
    return 255 - rgb, {"kind": "invert", "psnr": 0.0}


def record_detector(data: bytes, mime: str | None) -> dict:
    return {"size": len(data), "mime": mime, "has_jumbf": b"jumb" in data}


@pytest.mark.parametrize("name", FIXTURES)
def test_served_variants_carry_only_our_marks(shared_dir, tmp_path, name):
    original = (shared_dir / "fixtures" / "provenance" / name).read_bytes()
    result = process_image(original, claimed_type=name, options=PipelineOptions(
        marks=OptOutMarks(creator="Ada")))
    served = [(mime, data) for variant in (result.display, result.thumbnail)
              for mime, data in variant.encodings().items()]
    before, *after = exiftool_many([original] + [data for _, data in served], tmp_path)
    for (mime, data), tags in zip(served, after, strict=True):
        tags = {k: v for k, v in tags.items() if k != "SourceFile"}
        groups = {key.split(":", 1)[0] for key in tags if ":" in key}
        assert groups <= ALLOWED_GROUPS, (name, mime, groups - ALLOWED_GROUPS)
        assert tags["XMP-plus:DataMining"] == (
            "http://ns.useplus.org/ldf/vocab/DMI-PROHIBITED-AIMLTRAINING")
        assert tags["XMP-dc:Creator"] == "Ada"
        assert not any("GPS" in key for key in tags)
        for key in before:  # nothing of the uploaded XMP survives, except ours
            if key.startswith("XMP-") and key not in ("XMP-dc:Creator", "XMP-x:XMPToolkit"):
                assert key not in tags, (name, key)
        assert b"jumb" not in data and b"c2pa" not in data
        assert Image.open(io.BytesIO(data)).get_format_mimetype() == mime


def test_fixture_metadata_really_was_there(shared_dir):
    """Guards the test above against vacuous passes."""
    base = shared_dir / "fixtures" / "provenance"
    canon = exiftool((base / "exif_canon-rebel-t3.jpg").read_bytes())
    assert canon["IFD0:Make"] == "Canon" and "XMP-xmp:CreatorTool" in canon
    assert any("GPS" in k for k in exiftool((base / "exif_exiftool_Apple-iPhone7.jpg")
                                            .read_bytes()))
    assert b"jumb" in (base / "c2pa_truepic-pixel5-camera.jpg").read_bytes()


def test_rotated_camera_photo_comes_out_upright(shared_dir):
    data = (shared_dir / "fixtures" / "provenance" / "c2pa_truepic-pixel5-camera.jpg").read_bytes()
    r = process_image(data, claimed_type="image/jpeg")
    assert (r.source_width, r.source_height) == (3024, 4032)  # EXIF says rotate 90° CW
    assert (r.width, r.height) == (1920, 2560)
    assert (r.thumbnail.width, r.thumbnail.height) == (300, 400)


def test_detector_sees_the_untouched_original_first(shared_dir):
    data = (shared_dir / "fixtures" / "provenance" / "c2pa_firefly_butterfly.jpg").read_bytes()
    seen: list[bytes] = []

    def detector(raw: bytes, mime: str | None) -> str:
        seen.append(raw)
        assert mime == "image/jpeg"
        return "verdict"

    r = process_image(data, claimed_type="image/jpeg", provenance=detector)
    assert seen == [data] and seen[0] is data
    assert r.provenance == "verdict"


def test_result_fields_timings_and_perturbation():
    arr = gradient()
    r = process_image(jpeg(arr), claimed_type="work.jpg", cloak=invert,
                      provenance=record_detector,
                      options=PipelineOptions(focus=FocalPoint(0.25, -0.5)))
    assert (r.format, r.mime, r.width, r.height) == ("jpeg", "image/jpeg", 500, 300)
    assert (r.source_width, r.source_height) == (500, 300)
    assert r.focus.as_mastodon() == {"x": 0.25, "y": -0.5}
    assert r.cloak_metrics == {"kind": "invert", "psnr": 0.0}
    assert r.provenance == {"size": len(jpeg(arr)), "mime": "image/jpeg", "has_jumbf": False}
    assert set(r.timings_ms) == {"decode", "provenance", "strip", "cloak", "variants",
                                 "blurhash", "total"}
    assert all(v >= 0 for v in r.timings_ms.values())
    served = np.asarray(Image.open(io.BytesIO(r.display.webp)).convert("RGB")).astype(int)
    assert abs(served[10, 10] - (255 - arr[10, 10].astype(int))).max() < 30  # inverted
    assert r.blurhash and not r.animated and not r.had_alpha


def test_without_callables_steps_are_absent():
    r = process_image(jpeg(gradient(64, 64)), claimed_type=None)
    assert "cloak" not in r.timings_ms and "provenance" not in r.timings_ms
    assert r.provenance is None and r.cloak_metrics is None


def test_bad_perturbation_output_is_an_error():
    with pytest.raises(ValueError):
        process_image(jpeg(gradient(64, 64)), claimed_type=None,
                      cloak=lambda rgb: (rgb[:10], {}))


def test_rejections_come_before_the_detector_runs():
    called = []
    with pytest.raises(MediaRejected) as info:
        process_image(b"", claimed_type="a.jpg", provenance=lambda d, m: called.append(d))
    assert info.value.code == "empty" and not called


def test_result_pickles():
    r = process_image(jpeg(gradient(64, 64)), claimed_type=None, provenance=record_detector)
    back = pickle.loads(pickle.dumps(r))
    assert isinstance(back, PipelineResult) and back == r


def test_runs_in_a_process_pool():
    data = jpeg(gradient())
    with ProcessPoolExecutor(max_workers=1) as pool:
        fut = run_in_pool(pool, data, claimed_type="image/jpeg", cloak=invert,
                          provenance=record_detector)
        r = fut.result()
        assert (r.width, r.height) == (500, 300) and r.cloak_metrics["kind"] == "invert"
        bad = run_in_pool(pool, data[:200], claimed_type="image/jpeg")
        with pytest.raises(MediaRejected) as info:
            bad.result()
        assert info.value.code == "truncated"


def test_adapters_pickle():
    for adapter in (CloakWith("low", 3), DetectProvenance()):
        assert pickle.loads(pickle.dumps(adapter)) == adapter


def test_cloak_adapter_with_real_cloak_image():
    pytest.importorskip("media.cloak")
    arr = gradient(256, 256)
    r = process_image(jpeg(arr), claimed_type="image/jpeg", cloak=CloakWith("low", 1))
    assert isinstance(r.cloak_metrics, dict) and "cloak" in r.timings_ms


def test_provenance_adapter_with_real_detect(shared_dir):
    try:
        from media.provenance import detect  # noqa: F401
    except ImportError as exc:
        pytest.skip(f"media.provenance.detect not available yet: {exc}")
    data = (shared_dir / "fixtures" / "provenance" / "c2pa_firefly_butterfly.jpg").read_bytes()
    r = process_image(data, claimed_type="image/jpeg", provenance=DetectProvenance())
    assert r.provenance is not None


def test_animated_gif_is_served_as_its_first_frame():
    frames = [Image.new("RGB", (40, 30), c) for c in ("red", "blue")]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], duration=100)
    r = process_image(buf.getvalue(), claimed_type="anim.gif")
    assert r.animated and (r.width, r.height) == (40, 30)
    still = Image.open(io.BytesIO(r.display.webp))
    assert not getattr(still, "is_animated", False)
    assert still.convert("RGB").getpixel((20, 15))[0] > 200


def test_progress_is_reported_stage_by_stage_through_the_cloak(tmp_path):
    """The pipeline tells each stage in order, the cloak's own progress in between, and
    ends at 1.0; a ProgressFile carries the last report across processes."""
    heard: list[tuple[str, float]] = []

    def cloak(rgb, progress=None):
        for step in (0.25, 0.5, 1.0):
            progress(step)
        return invert(rgb)

    arr = np.random.default_rng(4).integers(0, 256, (40, 60, 3), dtype=np.uint8)
    process_image(jpeg(arr), claimed_type="image/jpeg", cloak=cloak,
                  report=lambda stage, fraction: heard.append((stage, fraction)))
    stages = list(dict.fromkeys(stage for stage, _ in heard))
    assert stages == ["checking provenance", "cleaning", "cloaking", "making variants"]
    fractions = [fraction for _, fraction in heard]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    cloaking = [f for stage, f in heard if stage == "cloaking"]
    assert cloaking[0] == 0.2 and 0.2 < cloaking[1] < cloaking[2] < 0.9
    report = ProgressFile(str(tmp_path / "p.json"))
    assert read_progress(report.path) is None
    report("cloaking", 0.55)
    assert read_progress(report.path) == ("cloaking", 0.55)
