"""The cloak pipeline: budget, target, optimisation on learned surrogates, full-size result, gate.

1. A JND (texture) mask at full resolution sets the per-pixel budget; flat areas
   keep the level's ``mask_floor`` share so flat-shaded art is protected too. The
   budget is capped so the predicted PSNR clears the level's floor.
2. The image is reduced to a working resolution (long side ~448 px, multiples of
   32). There the same picture is rendered in other styles and the one farthest
   from it in the surrogates' embeddings becomes the target; the perturbation is
   optimised against the surrogate ensemble (attack.py), mostly in luminance,
   averaged over mimic transformations (eot.py).
3. The perturbation is upsampled (bicubic: smooth, no blocks), clipped to the
   full-resolution budget, on flat areas half its low-frequency part is removed
   (soft swirls show there at 100% zoom), added, and quantised with seeded dither
   so smooth changes on flat fills do not turn into contour bands.
4. PSNR and SSIM are measured on the result; below a floor the perturbation is
   scaled down (no re-optimisation), each time counted in ``fallbacks``.

Deterministic: the optimisation's seed mixes the caller's seed, the level and a
digest of the working image; torch runs on one thread.
"""

from __future__ import annotations

import ctypes
import gc
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np
import torch

from . import edges, encoders, levels, quality
from .attack import optimise
from .colour import delta_ycc_to_rgb, rgb_gain_of_ycc_box
from .mask import texture_mask, window_for_scale
from .result import CloakError, CloakResult
from .target import RENDERERS

BACKEND = "learned-ensemble-v1 (" + "+".join(encoders.SURROGATES) + ")"
MIN_SIDE = 64
Progress = Callable[[float], None]


@dataclass(frozen=True)
class Prepared:
    """Everything the optimisation needs, at the working resolution."""

    work_shape: tuple[int, int]
    mask_full: np.ndarray  # HxW float32 in [mask_floor, 1]
    mask_work: np.ndarray  # h x w
    x_work: np.ndarray  # h x w x 3 uint8
    seed: int  # mixed seed for the optimisation
    luma: np.ndarray  # HxW uint8, guides the perturbation beside edges
    act: np.ndarray  # HxW bool: edge or texture at the 3x3 scale (edges.activity)
    band: np.ndarray  # HxW bool: flat pixels beside an edge (edges.halo_band)
    radius: int  # full-resolution px of that band and of its guided filter


def working_shape(h: int, w: int, side: int) -> tuple[int, int]:
    """Working (h, w): long side about ``side``, never upscaled, multiples of 32."""
    s = min(1.0, side / max(h, w))
    return max(64, int(round(h * s / 32)) * 32), max(64, int(round(w * s / 32)) * 32)


def mixed_seed(x_work: np.ndarray, level: str, seed: int) -> int:
    d = hashlib.blake2b(x_work.tobytes(), digest_size=8, person=b"impasto-cloak")
    d.update(f"{level}:{int(seed)}".encode())
    return int.from_bytes(d.digest(), "big") >> 1


def prepare(rgb: np.ndarray, spec: levels.LevelSpec, seed: int) -> Prepared:
    h, w = rgb.shape[:2]
    hw, ww = working_shape(h, w, spec.work_side)
    scale = max(h / hw, w / ww)
    luma = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    y = luma.astype(np.float32)
    mask_full = texture_mask(y, window_for_scale(scale), spec.mask_floor, levels.TEXTURE_REF)
    varies, act = edges.activity(y)
    del y
    edges.guard(mask_full, act, spec.mask_floor)
    radius = int(round(levels.HALO_BAND * scale)) + 2
    band = edges.halo_band(varies, act, radius)
    del varies
    mask_work = cv2.resize(mask_full, (ww, hw), interpolation=cv2.INTER_AREA)
    x_work = cv2.resize(rgb, (ww, hw), interpolation=cv2.INTER_AREA)
    return Prepared((hw, ww), mask_full, mask_work, x_work, mixed_seed(x_work, spec.name, seed),
                    luma, act, band, radius)


def to_tensor(rgb: np.ndarray) -> torch.Tensor:
    """HxWx3 uint8 -> 1x3xHxW float32 in [0, 1]."""
    return torch.from_numpy(np.ascontiguousarray(rgb.transpose(2, 0, 1))).float().div(255.0)[None]


def choose_target(x_work: np.ndarray, seed: int, encs: list[encoders.Encoder]) -> tuple[str, np.ndarray]:
    """Render each style candidate (seeded); keep the farthest in the surrogates' embeddings."""
    x = to_tensor(x_work)
    here = [e.embed(x) for e in encs]
    best: tuple[float, str, np.ndarray] | None = None
    for i, (name, render) in enumerate(RENDERERS.items()):
        img = render(x_work, np.random.default_rng([seed, i]))
        t = to_tensor(img)
        d = sum(float(torch.linalg.norm(e.embed(t) - h0) / torch.linalg.norm(h0))
                for e, h0 in zip(encs, here, strict=True))
        if best is None or d > best[0]:
            best = (d, name, img)
    assert best is not None
    return best[1], best[2]


def budget(spec: levels.LevelSpec, mask_full: np.ndarray) -> float:
    """Luminance L-infinity budget: the level's, capped by the PSNR it predicts
    (sign-PGD saturates most pixels at the box, so the box predicts the MSE)."""
    mse = 255.0**2 / 10 ** ((spec.psnr_floor + levels.PSNR_MARGIN_DB) / 10)
    energy = rgb_gain_of_ycc_box(spec.chroma_ratio) * float(np.mean(np.square(mask_full)))
    return min(spec.linf, float(np.sqrt(mse / energy)))


def flatness(mask_full: np.ndarray, mask_floor: float) -> np.ndarray:
    """1 where the mask sits at its floor (a flat fill, a sky), 0 where there is texture."""
    f = (mask_full - np.float32(mask_floor)) * np.float32(-1.0 / levels.FLAT_RAMP)
    f += np.float32(1.0)
    return np.clip(f, 0.0, 1.0, out=f)


def upsample_delta(delta: np.ndarray, prep: Prepared, eps: float,
                   chroma_ratio: float, mask_floor: float) -> np.ndarray:
    """(3, h, w) YCbCr delta -> HxWx3 float32 RGB delta at full size, re-clipped.

    Beside hard edges each side's local mean is taken out before the clip (edges.py:
    the spread of the edge's perturbation showed as halos). On flat areas part of the
    low-frequency component is taken out: lifted from the working resolution it shows
    at 100% zoom as soft swirls at exactly the scale the eye is most sensitive to,
    while fine grain of the same size does not."""
    mask_full = prep.mask_full
    h, w = mask_full.shape
    interp = cv2.INTER_CUBIC if (h, w) != delta.shape[1:] else cv2.INTER_LINEAR
    sigma = levels.FLAT_LOWPASS_SIGMA * max(h / delta.shape[1], w / delta.shape[2], 1.0)
    keep_low = flatness(mask_full, mask_floor)
    keep_low *= np.float32(-levels.FLAT_LOWPASS_CUT)  # -cut where flat, 0 on texture
    full = np.empty((3, h, w), dtype=np.float32)
    for c in range(3):
        up = cv2.resize(delta[c], (w, h), interpolation=interp)
        edges.remove_side_means(up, prep.luma, prep.act, prep.band, prep.radius)
        lim = mask_full * np.float32(eps * (chroma_ratio if c else 1.0))
        np.clip(up, -lim, lim, out=up)
        low = cv2.GaussianBlur(up, (0, 0), sigma)
        low *= keep_low
        up += low
        full[c] = up
    return delta_ycc_to_rgb(full)


def apply_delta(rgb: np.ndarray, delta_rgb: np.ndarray, scale: float, seed: int) -> np.ndarray:
    """rgb + scale * delta, quantised with seeded uniform dither (no contour bands).
    Where the delta is zero the pixel is unchanged. Each channel's change is limited
    symmetrically to its distance from 0 and 255: clipping only the side that overflows
    turned zero-mean grain on white or black fills into a net darkening (or lightening),
    strongest beside edges where the grain is largest."""
    out = np.empty(rgb.shape, dtype=np.uint8)
    rng = np.random.default_rng([seed, 7])
    for c in range(3):
        ch = delta_rgb[..., c] * np.float32(scale)
        room = np.minimum(rgb[..., c], 255 - rgb[..., c]).astype(np.float32)
        np.minimum(ch, room, out=ch)
        np.negative(room, out=room)
        np.maximum(ch, room, out=ch)
        del room
        ch += rng.random(ch.shape, dtype=np.float32) - np.float32(0.5)
        ch += rgb[..., c]
        np.rint(ch, out=ch)
        np.clip(ch, 0, 255, out=ch)
        out[..., c] = ch
    return out


def headroom(spec: levels.LevelSpec, delta_rgb: np.ndarray, eps: float) -> float:
    """Scale (>= 1) that spends the PSNR the optimised delta leaves unused: not every
    pixel saturates its box and upsampling softens peaks, so the result is usually
    quieter than the budget predicted. Never past the level's L-infinity budget."""
    mse = float(np.mean(np.square(delta_rgb, dtype=np.float32), dtype=np.float64)) + 1.0 / 12
    predicted = 10 * np.log10(255.0**2 / mse)
    gain = 10 ** ((predicted - spec.psnr_floor - levels.PSNR_MARGIN_DB) / 20)
    return float(max(1.0, min(gain, spec.linf / max(eps, 1e-6))))


def release_memory() -> None:
    """Hand freed heap back to the OS: glibc otherwise keeps torch's freed
    activations while the full-size (12 MP) arrays are allocated on top of them."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


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


class _Reporter:
    """Keeps progress monotone and within [0, 1] whatever the stages report."""

    def __init__(self, cb: Progress | None) -> None:
        self.cb, self.last = cb, 0.0

    def __call__(self, f: float) -> None:
        f = min(1.0, max(self.last, f))
        self.last = f
        if self.cb is not None:
            self.cb(f)


def cloak_array(rgb: np.ndarray, level: str = "medium", seed: int = 0, *,
                strength: float = 1.0, progress: Progress | None = None) -> CloakResult:
    """cloak_image with a test hook: ``strength`` multiplies the first budget
    (values > 1 force the fallback path)."""
    t0 = time.perf_counter()
    _check(rgb, level, seed)
    report = _Reporter(progress)
    if level == "off":
        report(1.0)
        return _unchanged(rgb, level, seed, t0, "none")
    if min(rgb.shape[:2]) < MIN_SIDE:
        report(1.0)
        return _unchanged(rgb, level, seed, t0, "none (image too small)")
    torch.set_num_threads(1)
    encs = encoders.surrogates()  # raises CloakError naming a missing weights package
    src = np.ascontiguousarray(rgb)
    spec = levels.SPECS[level]
    prep = prepare(src, spec, int(seed))
    target_name, target = choose_target(prep.x_work, prep.seed, encs)
    report(0.05)
    eps = budget(spec, prep.mask_full) * strength
    mw = torch.from_numpy(prep.mask_work)
    box = torch.stack([mw * eps, mw * (eps * spec.chroma_ratio), mw * (eps * spec.chroma_ratio)])[None]
    delta = optimise(to_tensor(prep.x_work), to_tensor(target), box, encs, spec.steps, prep.seed,
                     lambda f: report(0.05 + 0.85 * f))
    release_memory()  # the autograd arenas are not needed for the full-size steps
    delta_rgb = upsample_delta(delta[0].numpy(), prep, eps, spec.chroma_ratio,
                               spec.mask_floor)
    scale, fallbacks = headroom(spec, delta_rgb, eps), 0
    while True:
        out = apply_delta(src, delta_rgb, scale, prep.seed)
        p = quality.psnr(src, out)
        s = quality.ssim(src, out) if p >= spec.psnr_floor else float("nan")
        if p >= spec.psnr_floor and s >= spec.ssim_floor:
            break
        fallbacks += 1
        if fallbacks > levels.MAX_FALLBACKS:
            res = _unchanged(src, level, seed, t0, BACKEND)
            res.metrics.update(fallbacks=fallbacks, target=target_name)
            report(1.0)
            return res
        if p < spec.psnr_floor:  # aim just above the floor
            scale *= 0.98 * 10 ** ((p - spec.psnr_floor - levels.PSNR_MARGIN_DB) / 20)
        else:
            scale *= levels.FALLBACK_SHRINK
        report(0.9 + 0.1 * (1 - 0.5**fallbacks))
    report(1.0)
    metrics = {
        "level": level, "psnr": p, "ssim": s, "linf": quality.linf(src, out),
        "seconds": time.perf_counter() - t0, "strength": float(strength * scale),
        "fallbacks": fallbacks, "backend": BACKEND, "seed": int(seed),
        "target": target_name, "budget": float(eps * scale), "work_size": list(prep.work_shape),
        "steps": spec.steps,
    }
    return CloakResult(out, metrics)
