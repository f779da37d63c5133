"""Deterministic test art shared by pipeline and browser tests."""

from __future__ import annotations

import cv2
import numpy as np


def flat_illustration(h: int = 600, w: int = 800, seed: int = 3) -> np.ndarray:
    """Cel-shaded shapes with dark outlines over a smooth gradient sky (HxWx3 uint8 RGB):
    the kind of art on which banding and colour blotches would show first."""
    rng = np.random.default_rng(seed)
    t = np.linspace(0, 1, h, dtype=np.float32)[:, None, None]
    sky = (1 - t) * np.array([250, 205, 160], np.float32) + t * np.array([120, 160, 230], np.float32)
    img = np.ascontiguousarray(np.broadcast_to(sky, (h, w, 3)).round().astype(np.uint8))
    for _ in range(7):
        col = rng.integers(30, 230, 3)
        centre = (int(rng.integers(w // 8, w * 7 // 8)), int(rng.integers(h // 2, h)))
        r = int(rng.integers(w // 16, w // 7))
        cv2.circle(img, centre, r, col.tolist(), -1, cv2.LINE_AA)
        cv2.ellipse(img, (centre[0] + r // 4, centre[1] + r // 4), (r // 2, r // 3), 30, 0, 360,
                    (col * 0.7).tolist(), -1, cv2.LINE_AA)
        cv2.circle(img, centre, r, (25, 20, 30), 3, cv2.LINE_AA)
    return img


def flat_sky(rgb: np.ndarray, window: int = 15) -> np.ndarray:
    """Boolean mask of the really flat pixels (local std under 1.5 grey levels), eroded so
    nothing within a window of an outline counts."""
    grey = rgb.astype(np.float32).mean(axis=2)
    win = (window, window)
    local_std = np.sqrt(np.maximum(cv2.blur(grey**2, win) - cv2.blur(grey, win) ** 2, 0))
    return cv2.erode((local_std < 1.5).astype(np.uint8), np.ones(win, np.uint8)).astype(bool)


def blotchiness(before: np.ndarray, after: np.ndarray, where: np.ndarray, window: int = 15) -> float:
    """Largest local average (window x window) of the change over ``where``: what the eye
    sees as blotches or bands at 100 %, unlike pixel-scale grain."""
    change = after.astype(np.float32) - before.astype(np.float32)
    return float(np.abs(cv2.blur(change, (window, window))[where]).max())


def outlined_fills(h: int = 512, w: int = 768) -> np.ndarray:
    """Flat fills (white, black, saturated red, blue, yellow, mid grey) meeting at hard edges:
    some borders plain steps, others with a 3 px dark anti-aliased outline, as cel art draws
    them. The art on which halos along edges show first (HxWx3 uint8 RGB)."""
    cols = [(255, 255, 255), (230, 20, 30), (0, 0, 0), (25, 60, 225), (250, 225, 30), (128, 128, 128)]
    img = np.empty((h, w, 3), np.uint8)
    n = len(cols)
    for i, c in enumerate(cols):
        img[:, i * w // n:(i + 1) * w // n] = c
    for i in range(1, n, 2):  # every other border carries an outline
        x = i * w // n
        cv2.line(img, (x, 0), (x, h - 1), (20, 15, 25), 3, cv2.LINE_AA)
    for k, (fill, line) in enumerate([((255, 255, 255), (20, 15, 25)), ((230, 20, 30), (255, 255, 255)),
                                      ((0, 0, 0), (250, 225, 30))]):
        centre = (w // 6 + k * w // 3, h * 3 // 4)
        cv2.circle(img, centre, h // 7, fill, -1, cv2.LINE_AA)
        cv2.circle(img, centre, h // 7, line, 3, cv2.LINE_AA)
    return img


def edge_halo(before: np.ndarray, after: np.ndarray, band: int = 2, far: int = 12) -> float:
    """Largest halo along the hard edges of flat art: per flat region (the pixels between
    edges), the mean signed luminance change within ``band`` px of an edge minus the mean
    change a little further in (``band`` to ``far`` px), in grey levels. A perturbation
    that darkens or lightens one side of an edge as a whole shows as a halo."""
    y0 = before.astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)
    change = after.astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32) - y0
    grad = np.zeros(before.shape[:2], np.float32)
    for c in range(3):
        ch = before[..., c].astype(np.float32)
        grad = np.maximum(grad, np.hypot(cv2.Sobel(ch, cv2.CV_32F, 1, 0), cv2.Sobel(ch, cv2.CV_32F, 0, 1)))
    edge = (grad > 40).astype(np.uint8)
    dist = cv2.distanceTransform(1 - edge, cv2.DIST_L2, 3)
    count, labels = cv2.connectedComponents(1 - edge, connectivity=4)
    worst = 0.0
    for r in range(1, count):
        region = labels == r
        near, inner = region & (dist <= band), region & (dist > band) & (dist <= far)
        if near.sum() >= 200 and inner.sum() >= 200:
            worst = max(worst, abs(float(change[near].mean() - change[inner].mean())))
    return worst


def grain(before: np.ndarray, after: np.ndarray, where: np.ndarray) -> float:
    """RMS over ``where`` of the luminance change's band between about 3 and 12 px
    (a Gaussian σ 1 minus σ 4 band-pass): the scale of the swirls a cloak lifted from its
    working resolution leaves on flat fills, where the eye is most sensitive at 100 %.
    Pixel-scale dither and slow shifts over tens of pixels fall outside it."""
    weights = np.array([0.299, 0.587, 0.114], np.float32)
    change = after.astype(np.float32) @ weights - before.astype(np.float32) @ weights
    band = cv2.GaussianBlur(change, (0, 0), 1.0) - cv2.GaussianBlur(change, (0, 0), 4.0)
    return float(np.sqrt(np.mean(np.square(band[where]))))
