"""A differentiable approximation of JPEG, for expectation over transformation.

Real JPEG: YCbCr, 4:2:0 chroma subsampling, 8x8 DCT, division by a quality-
scaled table, rounding. Everything but the rounding is linear. Rounding is
replaced by the cubic approximation round(x) + (x - round(x))**3 (Shin & Song,
"JPEG-resistant adversarial images", 2017): close to real rounding in the
forward pass, with a useful derivative 3 (x - round(x))**2 in the backward pass,
so coefficients JPEG would zero get (almost) no gradient.
Input sizes must be multiples of 16 (the pipeline keeps them multiples of 32).
"""

from __future__ import annotations

import numpy as np

_LUMA_Q = np.array([
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55,
    14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
    18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
], dtype=np.float32).reshape(8, 8)
_CHROMA_Q = np.full((8, 8), 99.0, dtype=np.float32)
_CHROMA_Q[:4, :4] = np.array(
    [17, 18, 24, 47, 18, 21, 26, 66, 24, 26, 56, 99, 47, 66, 99, 99], dtype=np.float32
).reshape(4, 4)


def _dct_matrix() -> np.ndarray:
    n = np.arange(8)
    d = np.cos(np.pi * (2 * n[None, :] + 1) * n[:, None] / 16.0) * np.sqrt(2.0 / 8.0)
    d[0] /= np.sqrt(2.0)
    return d.astype(np.float32)


_D = _dct_matrix()


def quality_table(base: np.ndarray, quality: int) -> np.ndarray:
    """The IJG quality scaling of a base quantisation table."""
    q = min(max(int(quality), 1), 100)
    scale = 5000 / q if q < 50 else 200 - 2 * q
    return np.clip(np.floor((base * scale + 50) / 100), 1, 255).astype(np.float32)


def _blocks(ch: np.ndarray) -> np.ndarray:
    h, w = ch.shape
    return ch.reshape(h // 8, 8, w // 8, 8).transpose(0, 2, 1, 3)


def _unblocks(b: np.ndarray) -> np.ndarray:
    hb, wb = b.shape[:2]
    return b.transpose(0, 2, 1, 3).reshape(hb * 8, wb * 8)


def _code(ch: np.ndarray, table: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    coef = _D @ _blocks(ch - 128.0) @ _D.T
    z = coef / table
    r = z - np.round(z)
    zq = np.round(z) + r**3
    out = _unblocks(_D.T @ (zq * table) @ _D) + 128.0
    return out, 3.0 * r * r


def _code_backward(grad: np.ndarray, slope: np.ndarray) -> np.ndarray:
    g = _D @ _blocks(grad) @ _D.T
    return _unblocks(_D.T @ (g * slope) @ _D)


def _down2(ch: np.ndarray) -> np.ndarray:
    h, w = ch.shape
    return ch.reshape(h // 2, 2, w // 2, 2).mean(axis=(1, 3))


def _up2(ch: np.ndarray) -> np.ndarray:
    return np.repeat(np.repeat(ch, 2, axis=0), 2, axis=1)


def forward(ycc: np.ndarray, quality: int) -> tuple[np.ndarray, tuple]:
    """Approximate JPEG of a (3, H, W) YCbCr image; returns (output, context)."""
    lq = quality_table(_LUMA_Q, quality)
    cq = quality_table(_CHROMA_Q, quality)
    out = np.empty_like(ycc)
    out[0], s0 = _code(ycc[0], lq)
    slopes = [s0]
    for c in (1, 2):
        coded, s = _code(_down2(ycc[c]), cq)
        out[c] = _up2(coded)
        slopes.append(s)
    return out, tuple(slopes)


def backward(grad: np.ndarray, ctx: tuple) -> np.ndarray:
    """Gradient through :func:`forward` (adjoints of the linear steps)."""
    out = np.empty_like(grad)
    out[0] = _code_backward(grad[0], ctx[0])
    for c in (1, 2):
        g = _down2(grad[c]) * 4.0  # adjoint of nearest-neighbour upsampling
        g = _code_backward(g, ctx[c])
        out[c] = _up2(g) * 0.25  # adjoint of 2x2 mean
    return out
