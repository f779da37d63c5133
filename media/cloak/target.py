"""Target styles: the same picture rendered in a clearly different style.

Like Glaze's "style-transferred x", the cloak pulls the image's style statistics
toward a rendering of the *same* content in another style, so content is kept
and only the style signal is misdirected. Three deterministic renderers cover the
directions a style can move:

* ``cartoon``: edge-preserving stylisation plus posterised luminance (chroma is
  left smooth: the cloak barely touches chroma, so a target that differs in
  chroma would be a target it cannot reach); strips texture, the far style for
  painterly, photographic and textured work;
* ``smooth``: the stylisation alone (airbrushed, watercolour-like): less texture
  and no new contours;
* ``brush``: smoothed base plus seeded oriented brush strokes that follow the
  local structure; adds texture, the far style for flat-shaded and line art.

The candidate farthest from the image in the surrogate encoders' embeddings wins
(see ``pipeline.choose_target``).
"""

from __future__ import annotations

import cv2
import numpy as np

from .colour import rgb_to_ycc, ycc_to_rgb


def cartoon(rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    sigma_s = float(rng.uniform(40.0, 80.0))
    sigma_r = float(rng.uniform(0.35, 0.5))
    levels = int(rng.integers(5, 9))
    bgr = cv2.stylization(rgb[..., ::-1].copy(), sigma_s=sigma_s, sigma_r=sigma_r)
    ycc = rgb_to_ycc(bgr[..., ::-1])
    step = 255.0 / (levels - 1)
    ycc[0] = np.round(ycc[0] / step) * step
    return np.clip(ycc_to_rgb(ycc), 0, 255).round().astype(np.uint8)


def _orientation_bins(y: np.ndarray, bins: int) -> np.ndarray:
    gx = cv2.Sobel(y, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(y, cv2.CV_32F, 0, 1, ksize=3)
    jxx = cv2.GaussianBlur(gx * gx, (0, 0), 3.0)
    jyy = cv2.GaussianBlur(gy * gy, (0, 0), 3.0)
    jxy = cv2.GaussianBlur(gx * gy, (0, 0), 3.0)
    # Dominant gradient angle; strokes run along the tangent (angle + 90 degrees).
    theta = 0.5 * np.arctan2(2 * jxy, jxx - jyy) + np.pi / 2
    return (np.round(theta / np.pi * bins).astype(np.int64)) % bins


def _line_kernel(angle: float, length: int) -> np.ndarray:
    k = np.zeros((length, length), dtype=np.float32)
    c = length // 2
    dx, dy = np.cos(angle), np.sin(angle)
    for t in np.linspace(-c, c, 4 * length):
        k[int(round(c + t * dy)), int(round(c + t * dx))] = 1.0
    return k / k.sum()


def brush(rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    bins = 8
    length = int(rng.integers(9, 15)) | 1
    amp = float(rng.uniform(10.0, 16.0))
    base = cv2.edgePreservingFilter(rgb[..., ::-1].copy(), flags=1, sigma_s=30, sigma_r=0.3)
    base = base[..., ::-1].astype(np.float32)
    y = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)
    idx = _orientation_bins(y, bins)
    noise = rng.standard_normal(y.shape).astype(np.float32)
    strokes = np.zeros_like(y)
    for b in range(bins):
        filt = cv2.filter2D(noise, cv2.CV_32F, _line_kernel(b * np.pi / bins, length))
        strokes = np.where(idx == b, filt, strokes)
    strokes /= float(strokes.std()) + 1e-6
    out = base + amp * strokes[..., None]
    return np.clip(out, 0, 255).astype(np.uint8)


def smooth(rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    sigma_s = float(rng.uniform(40.0, 80.0))
    sigma_r = float(rng.uniform(0.35, 0.5))
    bgr = cv2.stylization(rgb[..., ::-1].copy(), sigma_s=sigma_s, sigma_r=sigma_r)
    return bgr[..., ::-1].copy()


RENDERERS = {"cartoon": cartoon, "smooth": smooth, "brush": brush}
