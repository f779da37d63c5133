"""Tests for media.cloak: contract, quality floors, determinism, fallback, progress,
missing weights, and a behavioural check on the held-out encoder."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image
from skimage.metrics import structural_similarity

from media.cloak import LEVELS, CloakError, CloakResult, cloak_file, cloak_image, encoders, quality
from media.cloak import levels as cloak_levels
from media.cloak.pipeline import cloak_array

# ------------------------------------------------------------ synthetic images


def painterly(rng: np.random.Generator, h: int = 256, w: int = 320) -> np.ndarray:
    base = cv2.resize(rng.uniform(40, 220, (6, 8, 3)).astype(np.float32), (w, h),
                      interpolation=cv2.INTER_CUBIC)
    k = np.zeros((9, 9), np.float32)
    k[4, :] = 1 / 9
    strokes = cv2.filter2D(rng.standard_normal((h, w)).astype(np.float32), -1, k) * 35
    return np.clip(base + strokes[..., None], 0, 255).astype(np.uint8)


def flat_shapes(rng: np.random.Generator, h: int = 256, w: int = 256) -> np.ndarray:
    img = np.full((h, w, 3), 220, np.uint8)
    for _ in range(6):
        c = (int(rng.integers(0, w)), int(rng.integers(0, h)))
        r = int(rng.integers(20, 70))
        cv2.circle(img, c, r, rng.integers(0, 255, 3).tolist(), -1, cv2.LINE_AA)
        cv2.circle(img, c, r, (20, 20, 20), 2, cv2.LINE_AA)
    return img


def line_art(rng: np.random.Generator, h: int = 256, w: int = 256) -> np.ndarray:
    img = np.full((h, w), 245, np.uint8)
    for _ in range(25):
        pts = rng.integers(0, min(h, w), (5, 2)).astype(np.int32)
        cv2.polylines(img, [pts], False, 30, int(rng.integers(1, 3)), cv2.LINE_AA)
    return np.repeat(img[..., None], 3, -1)


def photo_like(rng: np.random.Generator, h: int = 256, w: int = 320) -> np.ndarray:
    sky = np.linspace(220, 120, h, dtype=np.float32)[:, None, None] * np.array([0.5, 0.7, 1.0])
    ground = cv2.GaussianBlur(rng.uniform(40, 140, (h, w, 3)).astype(np.float32), (0, 0), 2)
    img = np.where(np.arange(h)[:, None, None] > h // 2, ground, sky)
    img = img + rng.normal(0, 3, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


KINDS = {"painterly": painterly, "flat": flat_shapes, "lineart": line_art, "photo": photo_like}


@pytest.fixture(scope="module")
def images() -> dict[str, np.ndarray]:
    return {k: f(np.random.default_rng(i)) for i, (k, f) in enumerate(KINDS.items())}


@pytest.fixture(scope="module")
def medium_painterly(images) -> CloakResult:
    return cloak_image(images["painterly"], "medium", seed=3)


@pytest.fixture(scope="module")
def flat_art() -> tuple[np.ndarray, np.ndarray]:
    """A cel-shaded illustration and its medium cloak (seed 0), shared by the flat-area
    tests (a cloak of 600x800 takes seconds)."""
    from tests.rig.art import flat_illustration

    img = flat_illustration()
    return img, cloak_image(img, "medium", seed=0).image


# ------------------------------------------------------------ contract


def test_input_unchanged_and_output_differs(images, medium_painterly):
    img = images["painterly"]
    before = img.copy()
    res = cloak_image(img, "low", seed=1)
    assert img.tobytes() == before.tobytes()
    assert res.image.shape == img.shape and res.image.dtype == np.uint8
    assert not np.array_equal(res.image, img)
    assert not np.array_equal(medium_painterly.image, img)


def test_metrics_keys(medium_painterly):
    m = medium_painterly.metrics
    for key in ("level", "psnr", "ssim", "linf", "seconds", "strength", "fallbacks",
                "backend", "seed", "target", "steps"):
        assert key in m
    assert m["level"] == "medium" and m["seed"] == 3
    assert "mobilenet_v2" in m["backend"] and "efficientnet_lite0" in m["backend"]
    assert encoders.HELD_OUT not in m["backend"]
    assert 0 < m["linf"] <= 255


def test_off_returns_copy(images):
    img = images["photo"]
    res = cloak_image(img, "off")
    assert np.array_equal(res.image, img) and res.image is not img
    assert res.metrics["psnr"] == float("inf") and res.metrics["linf"] == 0


FLOOR_CASES = [("painterly", lv) for lv in LEVELS if lv != "off"]
FLOOR_CASES += [("photo", "medium"), ("flat", "high"), ("lineart", "medium")]


@pytest.mark.parametrize(("kind", "level"), FLOOR_CASES)
def test_level_meets_floor(images, kind, level, request):
    img = images[kind]
    shared = (kind, level) == ("painterly", "medium")  # the module's medium_painterly
    res = request.getfixturevalue("medium_painterly") if shared else cloak_image(img, level, seed=0)
    spec = cloak_levels.SPECS[level]
    psnr = quality.psnr(img, res.image)
    ssim = structural_similarity(img, res.image, channel_axis=2, data_range=255)
    assert psnr >= spec.psnr_floor and ssim >= spec.ssim_floor
    assert res.metrics["psnr"] == pytest.approx(psnr)
    assert res.metrics["ssim"] == pytest.approx(ssim, abs=1e-5)


def test_same_seed_same_output_other_seed_differs(images, medium_painterly):
    img = images["painterly"]
    again = cloak_image(img.copy(), "medium", seed=3)
    assert np.array_equal(again.image, medium_painterly.image)
    other = cloak_image(img, "medium", seed=4)
    assert not np.array_equal(other.image, medium_painterly.image)


def test_forced_overshoot_falls_back_and_passes(images):
    img = images["painterly"]
    res = cloak_array(img, "low", seed=0, strength=6.0)
    m = res.metrics
    assert m["fallbacks"] >= 1 and m["strength"] < 6.0
    assert quality.psnr(img, res.image) >= 38.0
    assert structural_similarity(img, res.image, channel_axis=2, data_range=255) >= 0.97


def test_flat_image_with_tiny_texture_passes():
    rng = np.random.default_rng(5)
    img = np.full((128, 128, 3), 128, np.uint8)
    img[::7, ::5] += rng.integers(0, 2, (19, 26, 3)).astype(np.uint8)
    res = cloak_array(img, "high", seed=0, strength=40.0)
    assert res.metrics["fallbacks"] >= 1
    assert quality.psnr(img, res.image) >= 32.0
    assert structural_similarity(img, res.image, channel_axis=2, data_range=255) >= 0.90


def test_progress_is_monotone_and_ends_at_one(images):
    seen: list[float] = []
    cloak_image(images["flat"][:96, :128], "low", seed=0, progress=seen.append)
    assert len(seen) > 3 and seen[-1] == 1.0
    assert all(0.0 <= a <= b <= 1.0 for a, b in zip(seen, seen[1:], strict=False))


def test_progress_for_off():
    seen: list[float] = []
    cloak_image(np.zeros((80, 80, 3), np.uint8), "off", progress=seen.append)
    assert seen == [1.0]


def test_missing_weights_name_the_package(images, monkeypatch):
    dist, version, inner, code = encoders.WEIGHTS["efficientnet_lite0"]
    monkeypatch.setitem(encoders.WEIGHTS, "efficientnet_lite0",
                        ("impasto-no-such-weights", "9.9.9", inner, code))
    encoders.encoder.cache_clear()
    try:
        with pytest.raises(CloakError, match="impasto-no-such-weights==9.9.9"):
            cloak_image(images["flat"], "low", seed=0)
    finally:
        monkeypatch.undo()
        encoders.encoder.cache_clear()
    assert encoders.weights_path("efficientnet_lite0").name.endswith(".pth")


def test_held_out_encoder_moves_more_than_equal_noise():
    """Behavioural: the encoder outside the ensemble moves further for the cloak
    than for Gaussian noise of the same L2 norm, also after JPEG q75 and x0.5."""
    from media.cloak import measure, pipeline

    img = painterly(np.random.default_rng(11), 480, 640)
    res = cloak_image(img, "medium", seed=0)
    spec = cloak_levels.SPECS["medium"]
    prep = pipeline.prepare(img, spec, 0)
    noise = measure.noise_images(img, res.image, prep, spec, seed=0)
    r = measure.shift_ratios(encoders.HELD_OUT, img, res.image, noise)
    assert r["iid", "clean"] > 1.5 and r["iid", "jpeg75"] > 1.2 and r["iid", "half"] > 1.2
    assert r["lowfreq", "clean"] > 1.1


# ------------------------------------------------------------ errors, metrics, files


@pytest.mark.parametrize("level", ["extreme", "", None, "Medium"])
def test_bad_level_raises(images, level):
    with pytest.raises(CloakError):
        cloak_image(images["flat"], level)


@pytest.mark.parametrize("arr", [
    np.zeros((32, 32), np.uint8), np.zeros((32, 32, 4), np.uint8),
    np.zeros((32, 32, 3), np.float32), np.zeros((0, 10, 3), np.uint8), [[1, 2, 3]],
])
def test_bad_array_raises(arr):
    with pytest.raises(CloakError):
        cloak_image(arr, "low")


def test_fast_ssim_matches_skimage(images):
    a = images["photo"]
    b = np.clip(a.astype(np.int16) + np.random.default_rng(0).integers(-9, 10, a.shape),
                0, 255).astype(np.uint8)
    ref = structural_similarity(a, b, channel_axis=2, data_range=255)
    assert quality.ssim(a, b) == pytest.approx(ref, abs=1e-6)


@pytest.mark.parametrize("suffix", [".png", ".jpg"])
def test_cloak_file(tmp_path, images, suffix):
    src = tmp_path / "in.png"
    Image.fromarray(images["lineart"]).save(src)
    out = tmp_path / f"out{suffix}"
    m = cloak_file(src, out, level="low", seed=2)
    for key in ("psnr", "ssim", "linf", "seconds", "level"):
        assert key in m
    with Image.open(out) as im:
        assert im.size == (256, 256) and im.format == ("PNG" if suffix == ".png" else "JPEG")
        if suffix == ".png":
            assert quality.psnr(images["lineart"], np.asarray(im.convert("RGB"))) == \
                pytest.approx(m["psnr"])


def test_flat_sky_gets_grain_not_blotches(flat_art):
    """On the smooth sky of a cel-shaded illustration the medium cloak changes pixels but
    its local average (blotches, bands, swirls at 100 %) stays within 2 grey levels."""
    from tests.rig.art import blotchiness, flat_sky

    img, out = flat_art
    sky = flat_sky(img)
    assert sky.mean() > 0.2
    assert np.abs(out.astype(np.int16) - img)[sky].mean() > 0.3, "the sky gets no perturbation"
    assert blotchiness(img, out, sky) <= 2.0


def test_flat_sky_grain_stays_below_the_edges(flat_art):
    """Known weakness (docs/status.md): the medium cloak leaves a faint 3-12 px grain on
    the flat sky, the scale the eye is most sensitive to at 100 %. This bounds it relative
    to the grain on the outlines, where texture hides it: measured 0.51 (sky 0.72, edges
    1.41 grey levels RMS); a cloak that gave flat fills the edges' budget would be near 1.
    Replacing it on flat areas by a coarse, smooth field (64 px cells) gave 0.06, but cost
    the held-out effect on flat art (docs/media.md), so it is not done."""
    from tests.rig.art import flat_sky, grain

    img, out = flat_art
    grey = img.astype(np.float32).mean(axis=2)
    local_std = np.sqrt(np.maximum(cv2.blur(grey**2, (9, 9)) - cv2.blur(grey, (9, 9)) ** 2, 0))
    edges = local_std > 8
    assert edges.mean() > 0.02
    assert grain(img, out, flat_sky(img)) <= 0.6 * grain(img, out, edges)


def test_no_halo_along_hard_edges(flat_art):
    """Beside the hard edges of flat art (outlined and plain, white, black and saturated
    fills) the medium cloak does not darken or lighten one side as a whole: the mean
    change within 2 px of an edge stays within 0.6 grey levels of that a little further in
    (the cloak before edges.py gave 0.78 here and 1.77 on the flat illustration)."""
    from tests.rig.art import edge_halo, outlined_fills

    fills = outlined_fills()
    for img, out in ((fills, cloak_image(fills, "medium", seed=0).image), flat_art):
        assert np.abs(out.astype(np.int16) - img).mean() > 0.3, "no perturbation at all"
        assert edge_halo(img, out) <= 0.6
