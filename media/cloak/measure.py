"""Measuring the cloak's effect: how far an encoder's embedding moves, compared with
random noise of the same size.

A tiny perturbation can move a small encoder a lot, so a raw distance means
nothing; the ratio to equal-L2 random noise does. The figure that counts is on an
encoder OUTSIDE the optimisation ensemble (``encoders.HELD_OUT``); the surrogates'
own ratios are reported separately and are expected to be much higher.

Two noise baselines, both matched to the cloak's L2 norm at full resolution:
* ``iid``: i.i.d. Gaussian per pixel (what "equal-L2 Gaussian noise" usually means;
  downsizing averages much of it away, so it flatters a smooth perturbation);
* ``lowfreq``: Gaussian drawn at the cloak's working resolution, shaped by the same
  budget mask and carried to full size the same way: the strict baseline, which
  separates "optimised" from "merely low-frequency".
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

from . import levels
from .encoders import encoder
from .pipeline import Prepared, apply_delta, to_tensor, upsample_delta

INPUT_SIDE = {"mobilenet_v2": 224, "efficientnet_lite0": 224, "efficientnet_lite2": 260}


def jpeg75(rgb: np.ndarray) -> np.ndarray:
    ok, buf = cv2.imencode(".jpg", np.ascontiguousarray(rgb[..., ::-1]), [cv2.IMWRITE_JPEG_QUALITY, 75])
    assert ok
    return cv2.imdecode(buf, cv2.IMREAD_COLOR)[..., ::-1]


def half(rgb: np.ndarray) -> np.ndarray:
    return cv2.resize(rgb, (rgb.shape[1] // 2, rgb.shape[0] // 2), interpolation=cv2.INTER_AREA)


TRANSFORMS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "clean": lambda x: x, "jpeg75": jpeg75, "half": half}


def embed(name: str, rgb: np.ndarray) -> np.ndarray:
    """The encoder's pooled embedding, preprocessed like a scraper would: shorter
    side resized to the encoder's input size (area filter), centre crop."""
    side = INPUT_SIDE[name]
    h, w = rgb.shape[:2]
    s = side / min(h, w)
    size = (max(side, round(w * s)), max(side, round(h * s)))
    r = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_CUBIC)
    y0, x0 = (r.shape[0] - side) // 2, (r.shape[1] - side) // 2
    return encoder(name).embed(to_tensor(r[y0:y0 + side, x0:x0 + side]))[0].numpy()


def _rescale(orig: np.ndarray, noise: np.ndarray, l2: float) -> np.ndarray:
    """orig + noise, quantised, with the noise scaled so the result's L2 change is ``l2``."""
    scale = l2 / max(float(np.linalg.norm(noise)), 1e-9)
    for _ in range(3):  # rounding and clipping change the norm a little
        out = np.clip(np.rint(orig + noise * scale), 0, 255).astype(np.uint8)
        got = float(np.linalg.norm(out.astype(np.float32) - orig))
        scale *= l2 / max(got, 1e-9)
    return out


def noise_images(orig: np.ndarray, cloaked: np.ndarray, prep: Prepared, spec: levels.LevelSpec,
                 seed: int, count: int = 2) -> dict[str, list[np.ndarray]]:
    """Equal-L2 noise images for both baselines (``count`` draws each)."""
    l2 = float(np.linalg.norm(cloaked.astype(np.float32) - orig))
    rng = np.random.default_rng([seed, 99])
    out: dict[str, list[np.ndarray]] = {"iid": [], "lowfreq": []}
    for _ in range(count):
        out["iid"].append(_rescale(orig, rng.standard_normal(orig.shape, dtype=np.float32), l2))
        cr = spec.chroma_ratio
        g = rng.standard_normal((3, *prep.work_shape), dtype=np.float32)
        g *= np.stack([prep.mask_work, prep.mask_work * cr, prep.mask_work * cr])
        d = upsample_delta(g, prep, 1e6, cr, spec.mask_floor)  # a shape, rescaled below
        base = apply_delta(orig, d, 0.0, seed)  # == orig; keeps the quantiser in one place
        out["lowfreq"].append(_rescale(base, d, l2))
    return out


def shift_ratios(name: str, orig: np.ndarray, cloaked: np.ndarray,
                 noise: dict[str, list[np.ndarray]]) -> dict[tuple[str, str], float]:
    """{(baseline, transform): cloak's embedding shift / mean noise shift}, where the
    shift is measured after applying the same transform to both images."""
    out = {}
    for tname, tf in TRANSFORMS.items():
        e0 = embed(name, tf(orig))
        dc = float(np.linalg.norm(embed(name, tf(cloaked)) - e0))
        for base, imgs in noise.items():
            dn = float(np.mean([np.linalg.norm(embed(name, tf(n)) - e0) for n in imgs]))
            out[base, tname] = dc / max(dn, 1e-12)
    return out
