"""The cloak pipeline: budget, target, optimisation, full-resolution result, gate.

1. A JND mask at full resolution sets the per-pixel L-infinity budget; the
   budget is capped so the predicted PSNR clears the level's floor.
2. The image is reduced to a working resolution (long side ~512 px, sizes
   multiples of 32), where a target style is rendered and the perturbation is
   optimised (mostly luminance, averaged over JPEG / blur / resize).
3. The perturbation is upsampled to full size, clipped again to the full-
   resolution mask and added; PSNR and SSIM are measured on that result.
4. Below a floor, the budget shrinks and the optimisation is redone (warm
   start); each retry is counted in ``fallbacks``. After MAX_FALLBACKS the
   input is returned unchanged (strength 0) rather than a failing image.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import cv2
import numpy as np

from . import levels, quality, style
from .colour import delta_ycc_to_rgb, rgb_gain_of_ycc_box, rgb_to_ycc
from .mask import texture_mask, window_for_scale
from .optimise import optimise, target_stats
from .result import CloakError, CloakResult
from .target import choose
from .transforms import eot_set

BACKEND = "filterbank-gram-v1"
MIN_SIDE = 64
INIT_TOWARD_TARGET = True


@dataclass(frozen=True)
class Prepared:
    """Everything the optimisation needs, at the working resolution."""

    work_shape: tuple[int, int]
    mask_full: np.ndarray  # HxW float32 in [MASK_FLOOR, 1]
    mask_work: np.ndarray  # h x w
    x_ycc: np.ndarray  # (3, h, w)
    target_name: str
    target_rgb: np.ndarray  # h x w x 3 uint8


def working_shape(h: int, w: int, side: int) -> tuple[int, int]:
    """Working (h, w): long side about ``side``, never upscaled, multiples of 32."""
    s = min(1.0, side / max(h, w))
    return max(64, int(round(h * s / 32)) * 32), max(64, int(round(w * s / 32)) * 32)


def prepare(rgb: np.ndarray, spec: levels.LevelSpec, seed: int) -> Prepared:
    h, w = rgb.shape[:2]
    hw, ww = working_shape(h, w, spec.work_side)
    scale = max(h / hw, w / ww)
    y = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)
    mask_full = texture_mask(y, window_for_scale(scale), levels.MASK_FLOOR, levels.TEXTURE_REF)
    del y
    mask_work = cv2.resize(mask_full, (ww, hw), interpolation=cv2.INTER_AREA)
    x_rgb = cv2.resize(rgb, (ww, hw), interpolation=cv2.INTER_AREA)
    name, target = choose(x_rgb, seed)
    return Prepared((hw, ww), mask_full, mask_work, rgb_to_ycc(x_rgb), name, target)


def budget(spec: levels.LevelSpec, mask_full: np.ndarray) -> float:
    """Luminance L-infinity budget: the level's, capped by the PSNR it predicts."""
    mse = 255.0**2 / 10 ** ((spec.psnr_floor + levels.PSNR_MARGIN_DB) / 10)
    energy = rgb_gain_of_ycc_box(spec.chroma_ratio) * float(np.mean(np.square(mask_full)))
    return min(spec.linf, float(np.sqrt(mse / energy)))


def finalise(rgb: np.ndarray, delta: np.ndarray, mask_full: np.ndarray, eps: float,
             chroma_ratio: float) -> np.ndarray:
    """Carry a working-resolution delta to full size, re-clip, add, quantise."""
    h, w = rgb.shape[:2]
    interp = cv2.INTER_CUBIC if (h, w) != delta.shape[1:] else cv2.INTER_LINEAR
    full = np.empty((3, h, w), dtype=np.float32)
    for c in range(3):
        up = cv2.resize(delta[c], (w, h), interpolation=interp)
        lim = mask_full * np.float32(eps * (chroma_ratio if c else 1.0))
        np.clip(up, -lim, lim, out=up)
        full[c] = up
    out = delta_ycc_to_rgb(full)
    del full
    out += rgb
    np.rint(out, out=out)
    np.clip(out, 0, 255, out=out)
    return out.astype(np.uint8)


def _check(rgb: object, level: object, seed: object) -> None:
    if not isinstance(level, str) or level not in levels.LEVELS:
        raise CloakError(f"level must be one of {levels.LEVELS}, got {level!r}")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise CloakError(f"seed must be an int, got {seed!r}")
    if not isinstance(rgb, np.ndarray) or rgb.dtype != np.uint8:
        raise CloakError("image must be a numpy uint8 array")
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.shape[0] == 0 or rgb.shape[1] == 0:
        raise CloakError(f"image must be HxWx3 RGB, got shape {rgb.shape}")


def _unchanged(rgb: np.ndarray, level: str, seed: int, t0: float, backend: str) -> CloakResult:
    metrics = {"level": level, "psnr": float("inf"), "ssim": 1.0, "linf": 0,
               "seconds": time.perf_counter() - t0, "strength": 0.0, "fallbacks": 0,
               "backend": backend, "seed": int(seed)}
    return CloakResult(rgb.copy(), metrics)


def cloak_array(rgb: np.ndarray, level: str = "medium", seed: int = 0, *,
                strength: float = 1.0) -> CloakResult:
    """cloak_image with a test hook: ``strength`` multiplies the first budget
    (values > 1 force the fallback path)."""
    t0 = time.perf_counter()
    _check(rgb, level, seed)
    if level == "off":
        return _unchanged(rgb, level, seed, t0, "none")
    if min(rgb.shape[:2]) < MIN_SIDE:
        return _unchanged(rgb, level, seed, t0, "none (image too small)")
    src = np.ascontiguousarray(rgb)
    spec = levels.SPECS[level]
    prep = prepare(src, spec, int(seed))
    transforms = eot_set()
    target_ycc = rgb_to_ycc(prep.target_rgb)
    targets = target_stats(target_ycc, transforms)
    rng = np.random.default_rng(int(seed) % 2**63)
    eps0 = budget(spec, prep.mask_full)
    cr = spec.chroma_ratio
    mw = prep.mask_work
    fallbacks, init, iters = 0, None, spec.iterations
    while True:
        eps = eps0 * strength
        box = np.stack([mw * eps, mw * (eps * cr), mw * (eps * cr)]).astype(np.float32)
        if init is None and INIT_TOWARD_TARGET:
            init = target_ycc - prep.x_ycc
            init += rng.uniform(-0.25, 0.25, size=box.shape).astype(np.float32) * box
        delta, _ = optimise(prep.x_ycc, box, targets, transforms, iters, rng, init)
        out = finalise(src, delta, prep.mask_full, eps, cr)
        p = quality.psnr(src, out)
        s = quality.ssim(src, out) if p >= spec.psnr_floor else float("nan")
        if p >= spec.psnr_floor and s >= spec.ssim_floor:
            break
        fallbacks += 1
        if fallbacks > levels.MAX_FALLBACKS:
            res = _unchanged(src, level, seed, t0, BACKEND)
            res.metrics.update(fallbacks=fallbacks, target=prep.target_name)
            return res
        strength *= levels.FALLBACK_SHRINK
        init = delta * levels.FALLBACK_SHRINK
        iters = max(12, spec.iterations // 3)
    metrics = {
        "level": level, "psnr": p, "ssim": s, "linf": quality.linf(src, out),
        "seconds": time.perf_counter() - t0, "strength": float(strength),
        "fallbacks": fallbacks, "backend": BACKEND, "seed": int(seed),
        "target": prep.target_name, "budget": float(eps), "work_size": list(prep.work_shape),
        # Attacked-representation distance to the target, before -> after (working res).
        "style_distance": [style.distance(style.stats(prep.x_ycc), targets[0]),
                           style.distance(style.stats(prep.x_ycc + delta), targets[0])],
    }
    return CloakResult(out, metrics)
