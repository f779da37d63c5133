"""A just-noticeable-difference (JND) mask: how much change each pixel can hide.

Texture masking is the dominant effect for paintings: a change is hard to see
inside busy brushwork and obvious on a flat cel-shaded fill or a clear sky. The
mask is the local standard deviation of luminance, eroded so that the flat side
of a sharp edge does not inherit the edge's budget (halos would show there),
then smoothed so the budget has no hard steps.
"""

from __future__ import annotations

import cv2
import numpy as np


def texture_mask(y: np.ndarray, window: int, floor: float, ref: float) -> np.ndarray:
    """Per-pixel budget factor in [floor, 1] for a float32 HxW luminance image.

    ``window`` (odd, px) is the neighbourhood the texture is measured over; use
    a larger one at higher resolutions so it matches the perturbation's scale.
    """
    win = (window, window)
    mean = cv2.boxFilter(y, cv2.CV_32F, win, borderType=cv2.BORDER_REFLECT)
    sq = cv2.boxFilter(y * y, cv2.CV_32F, win, borderType=cv2.BORDER_REFLECT)
    mean *= mean
    sq -= mean
    np.maximum(sq, 0.0, out=sq)
    std = np.sqrt(sq, out=sq)
    std = cv2.erode(std, cv2.getStructuringElement(cv2.MORPH_RECT, win))
    std = cv2.boxFilter(std, cv2.CV_32F, win, borderType=cv2.BORDER_REFLECT)
    std *= (1.0 - floor) / ref
    np.minimum(std, 1.0 - floor, out=std)
    std += floor
    return std


def window_for_scale(scale: float) -> int:
    """Mask window at full resolution when the working image is ``scale`` x smaller."""
    w = int(round(5 * max(scale, 1.0)))
    return w | 1
