"""RGB <-> YCbCr (full-range BT.601, the JPEG convention).

The cloak perturbs mostly luminance: the eye is far less sensitive to small
luminance changes in texture than to chroma shifts, and JPEG keeps luminance at
full resolution, so a luminance perturbation survives re-encoding better.
Arrays here are float32, channel-first (3, H, W), values on the 0..255 scale.
"""

from __future__ import annotations

import numpy as np

# Rows: Y, Cb, Cr as linear combinations of R, G, B (offsets added separately).
RGB_TO_YCC = np.array(
    [
        [0.299, 0.587, 0.114],
        [-0.168736, -0.331264, 0.5],
        [0.5, -0.418688, -0.081312],
    ],
    dtype=np.float64,
)
YCC_TO_RGB = np.linalg.inv(RGB_TO_YCC)
_OFFSET = np.array([0.0, 128.0, 128.0], dtype=np.float32)


def rgb_to_ycc(rgb: np.ndarray) -> np.ndarray:
    """HxWx3 RGB (any numeric dtype) -> (3, H, W) float32 YCbCr."""
    flat = rgb.reshape(-1, 3).astype(np.float32)
    ycc = flat @ RGB_TO_YCC.T.astype(np.float32) + _OFFSET
    return np.ascontiguousarray(ycc.T.reshape(3, *rgb.shape[:2]))


def ycc_to_rgb(ycc: np.ndarray) -> np.ndarray:
    """(3, H, W) YCbCr -> HxWx3 float32 RGB (not clipped)."""
    flat = ycc.reshape(3, -1).T - _OFFSET
    rgb = flat @ YCC_TO_RGB.T.astype(np.float32)
    return rgb.reshape(*ycc.shape[1:], 3)


def delta_ycc_to_rgb(delta: np.ndarray) -> np.ndarray:
    """A YCbCr *difference* (3, H, W) -> HxWx3 RGB difference (no offsets).

    Done channel by channel with scalar multiply-adds so that a full-resolution
    (12 MP) perturbation never needs an (N, 3) temporary copy.
    """
    m = YCC_TO_RGB.astype(np.float32)
    out = np.empty((*delta.shape[1:], 3), dtype=np.float32)
    for c in range(3):
        out[..., c] = m[c, 0] * delta[0] + m[c, 1] * delta[1] + m[c, 2] * delta[2]
    return out


def rgb_gain_of_ycc_box(chroma_ratio: float) -> float:
    """Mean squared RGB change per unit luminance box, when Y moves by 1 and Cb/Cr
    by ``chroma_ratio`` with independent signs; used to predict PSNR from a box."""
    m = YCC_TO_RGB
    per_channel = m[:, 0] ** 2 + chroma_ratio**2 * (m[:, 1] ** 2 + m[:, 2] ** 2)
    return float(per_channel.mean())
