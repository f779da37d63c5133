"""Keeping the cloak off the flat sides of hard edges (no halos).

Cel shading, line art and pixel art meet flat fills at hard edges. The texture mask
(mask.py) measures texture over a window several pixels wide and smooths the result,
so the flat pixels beside an outline inherited part of the outline's budget; and the
perturbation, optimised at the working resolution and lifted by bicubic upsampling,
spreads from the edge onto both sides. The optimiser also tends to soften edges
(darker on the bright side, lighter on the dark one), so the spread part has a sign:
at 100 % it showed as dark halos along outlines. Two corrections at full resolution:

- ``guard``: a pixel whose own 3x3 neighbourhood is flat keeps only the mask floor,
  however close it is to an edge, so the budget stays on the edge pixels themselves.
- ``remove_side_means``: within a band beside the edges, the perturbation's local
  mean on each side of the edge is taken out. The local mean is a guided filter of the
  perturbation by the image (locally linear in the image, so a window straddling an
  edge fits each side's mean separately), which leaves zero-mean grain there.
"""

from __future__ import annotations

import cv2
import numpy as np

FLAT_STD = 0.75  # luminance std (grey levels) over 3x3 below which a pixel is flat
GUIDE_EPS = 4.0  # guided filter regulariser, grey levels squared
_STRIP = 512


def activity(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two boolean HxW maps of a float32 luminance image: ``varies``, pixels whose 3x3
    window varies (edges and what touches them), and ``act``, pixels all of whose 3x3
    windows vary (edge and texture pixels proper: the flat pixel just beside an edge is
    not one, a one-pixel line is)."""
    mean = cv2.blur(y, (3, 3), borderType=cv2.BORDER_REFLECT)
    sq = cv2.blur(y * y, (3, 3), borderType=cv2.BORDER_REFLECT)
    sq -= mean * mean
    varies = np.greater(sq, FLAT_STD**2)
    act = cv2.erode(varies.view(np.uint8), np.ones((3, 3), np.uint8),
                    borderType=cv2.BORDER_REPLICATE).view(bool)
    return varies, act


def guard(mask: np.ndarray, act: np.ndarray, floor: float) -> None:
    """In place: flat pixels (not ``act``) keep only the mask floor."""
    np.copyto(mask, np.float32(floor), where=~act)


def halo_band(varies: np.ndarray, act: np.ndarray, radius: int) -> np.ndarray:
    """Boolean HxW: pixels that are not ``act`` within ``radius`` px of a varying one."""
    k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    near = cv2.dilate(varies.view(np.uint8), k).view(bool)
    return near & ~act


def _guided(guide: np.ndarray, p: np.ndarray, flat: np.ndarray, r: int) -> np.ndarray:
    """Guided filter of ``p`` by ``guide`` fitted on the flat pixels only: the edge's own
    pixels are left out, so a window across an outline fits the two fills' means."""
    def box(z: np.ndarray) -> np.ndarray:
        return cv2.boxFilter(z, cv2.CV_32F, (2 * r + 1, 2 * r + 1), normalize=False,
                             borderType=cv2.BORDER_REFLECT)

    g = guide.astype(np.float32)
    wt = flat.astype(np.float32)
    n = np.maximum(box(wt), np.float32(1e-3))
    gw = g * wt
    mi, mp = box(gw) / n, box(p * wt) / n
    var = box(gw * g) / n - mi * mi
    a = (box(gw * p) / n - mi * mp) / (np.maximum(var, 0) + np.float32(GUIDE_EPS))
    b = mp - a * mi
    return (box(a * wt) * g + box(b * wt)) / n


def remove_side_means(delta: np.ndarray, luma: np.ndarray, act: np.ndarray, band: np.ndarray,
                      radius: int) -> None:
    """In place on an HxW float32 perturbation: subtract, on ``band`` pixels, its local
    mean on their side of the edge (guided filter by the uint8 luminance, ``radius`` px).
    Works in strips so a 12 MP image needs no full-size temporaries."""
    h = delta.shape[0]
    pad = 2 * radius
    for top in range(0, h, _STRIP):
        bottom = min(h, top + _STRIP)
        sel = band[top:bottom]
        if not sel.any():
            continue
        lo, hi = max(0, top - pad), min(h, bottom + pad)
        q = _guided(luma[lo:hi], delta[lo:hi], ~act[lo:hi], radius)[top - lo:top - lo + bottom - top]
        part = delta[top:bottom]
        part[sel] -= q[sel]
