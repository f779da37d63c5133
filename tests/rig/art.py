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
