"""Differentiable stand-ins for what a mimic does to an image before training.

Expectation over transformation: each optimisation step draws one of JPEG
(q60-90), resize (x0.25-1), crop, slight blur, or a chain of them, and the loss is
taken after it, so the perturbation is not tuned to the exact pixels. JPEG is
approximated by 8x8 DCT quantisation with 4:2:0 chroma and a soft rounding
(round(x) + (x - round(x))^3, which keeps a usable gradient). Parameters come from
a seeded ``random.Random`` so a run is reproducible.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from functools import cache

import torch
import torch.nn.functional as F

Transform = Callable[[torch.Tensor], torch.Tensor]

_QY = [16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
       14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
       49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99]
_QC = [17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99,
       47, 66, 99, 99, 99, 99, 99, 99] + [99] * 32
_RGB2YCC = torch.tensor([[0.299, 0.587, 0.114], [-0.168736, -0.331264, 0.5],
                         [0.5, -0.418688, -0.081312]])
_YCC2RGB = torch.linalg.inv(_RGB2YCC)


@cache
def _dct_matrix() -> torch.Tensor:
    m = torch.zeros(8, 8)
    for k in range(8):
        for n in range(8):
            m[k, n] = math.cos(math.pi * (2 * n + 1) * k / 16) * (math.sqrt(1 / 8) if k == 0 else 0.5)
    return m


@cache
def _qtables(quality: int) -> tuple[torch.Tensor, torch.Tensor]:
    s = 5000 / quality if quality < 50 else 200 - 2 * quality

    def scale(t: list[int]) -> torch.Tensor:
        vals = [max(1, min(255, (v * s + 50) // 100)) for v in t]
        return torch.tensor(vals, dtype=torch.float32).view(8, 8)

    return scale(_QY), scale(_QC)


def _soft_round(x: torch.Tensor) -> torch.Tensor:
    r = torch.round(x)
    return r + (x - r) ** 3


def _blocks_quantise(ch: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    """ch: N x H x W (H, W multiples of 8), values centred on 0 (x255 scale)."""
    n, h, w = ch.shape
    d = _dct_matrix()
    b = ch.reshape(n, h // 8, 8, w // 8, 8).permute(0, 1, 3, 2, 4)
    c = d @ b @ d.T
    c = _soft_round(c / q) * q
    b = d.T @ c @ d
    return b.permute(0, 1, 3, 2, 4).reshape(n, h, w)


def jpeg(x: torch.Tensor, quality: int) -> torch.Tensor:
    """Differentiable JPEG round trip of N x 3 x H x W RGB in [0, 1]."""
    _, _, h, w = x.shape
    ph, pw = (-h) % 16, (-w) % 16
    xp = F.pad(x, (0, pw, 0, ph), mode="replicate") * 255.0
    ycc = torch.einsum("ij,njhw->nihw", _RGB2YCC, xp)
    ycc[:, 0] -= 128.0
    qy, qc = _qtables(quality)
    y = _blocks_quantise(ycc[:, 0], qy)
    chroma = F.avg_pool2d(ycc[:, 1:], 2)
    n2, _, h2, w2 = chroma.shape
    chroma = _blocks_quantise(chroma.reshape(n2 * 2, h2, w2), qc).reshape(n2, 2, h2, w2)
    chroma = F.interpolate(chroma, scale_factor=2, mode="bilinear", align_corners=False)
    out = torch.cat([y[:, None] + 128.0, chroma], 1)
    rgb = torch.einsum("ij,njhw->nihw", _YCC2RGB, out) / 255.0
    return rgb[:, :, :h, :w].clamp(0, 1)


def resize(x: torch.Tensor, factor: float) -> torch.Tensor:
    h, w = x.shape[-2:]
    size = (max(32, round(h * factor)), max(32, round(w * factor)))
    return F.interpolate(x, size=size, mode="bilinear", antialias=True, align_corners=False)


def blur(x: torch.Tensor, sigma: float) -> torch.Tensor:
    r = max(1, int(math.ceil(2.5 * sigma)))
    t = torch.arange(-r, r + 1, dtype=torch.float32)
    k = torch.exp(-(t**2) / (2 * sigma**2))
    k = k / k.sum()
    x = F.pad(x, (r, r, r, r), mode="reflect")
    x = F.conv2d(x, k.view(1, 1, 1, -1).repeat(3, 1, 1, 1), groups=3)
    return F.conv2d(x, k.view(1, 1, -1, 1).repeat(3, 1, 1, 1), groups=3)


def crop(x: torch.Tensor, fy: float, fx: float, oy: float, ox: float) -> torch.Tensor:
    h, w = x.shape[-2:]
    ch, cw = max(32, int(h * fy)), max(32, int(w * fx))
    top, left = int((h - ch) * oy), int((w - cw) * ox)
    return x[..., top:top + ch, left:left + cw]


def sample(rng: random.Random) -> tuple[str, Transform]:
    """One random transformation (a name for logs and the callable)."""
    kind = rng.choice(("identity", "jpeg", "resize", "resize+jpeg", "crop", "blur", "crop+resize+jpeg"))
    q = rng.randint(60, 90)
    s = rng.uniform(0.25, 1.0) if rng.random() < 0.3 else rng.uniform(0.5, 1.0)
    sigma = rng.uniform(0.4, 1.2)
    c = (rng.uniform(0.7, 1.0), rng.uniform(0.7, 1.0), rng.random(), rng.random())
    table: dict[str, Transform] = {
        "identity": lambda x: x,
        "jpeg": lambda x: jpeg(x, q),
        "resize": lambda x: resize(x, s),
        "resize+jpeg": lambda x: jpeg(resize(x, s), q),
        "crop": lambda x: crop(x, *c),
        "blur": lambda x: blur(x, sigma),
        "crop+resize+jpeg": lambda x: jpeg(resize(crop(x, *c), s), q),
    }
    return kind, table[kind]
