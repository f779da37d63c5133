"""The optimisation: move the image's learned features toward a style target.

Glaze's idea (move the features, not the pixels): minimise, over a perturbation
inside a per-pixel budget, the distance between the surrogate encoders' features
of T(x + delta) and of T(target) at several depths, where the target is the same
picture rendered in another style and T a random mimic transformation (eot.py).
Each depth's squared distance is normalised by its value before optimisation, so
no layer or encoder dominates; a second term (weight AWAY) pushes the features away
from the original's, which moved the held-out encoder further than the target term
alone. The update is sign-PGD with momentum (MI-FGSM),
which transfers better to encoders outside the ensemble; the step is scaled by the
per-pixel budget so flat areas move less. The perturbation is parameterised in
YCbCr (luminance carries most of it) on the 0..255 scale.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import torch

from .encoders import Encoder
from .eot import sample

Progress = Callable[[float], None]

_YCC2RGB = torch.linalg.inv(torch.tensor([[0.299, 0.587, 0.114], [-0.168736, -0.331264, 0.5],
                                          [0.5, -0.418688, -0.081312]]))
_LAYER_WEIGHTS = (1.0, 1.0, 1.0, 2.0)  # /4, /8, /16 maps, then the pooled embedding
AWAY = 0.5  # weight of "and away from the original's features" (measured: transfers better)
POOL = 12  # transformations drawn per image; the target's features are computed once for each


def ycc_delta_to_rgb01(delta: torch.Tensor) -> torch.Tensor:
    """(N, 3, H, W) YCbCr difference, 0..255 scale -> RGB difference in 0..1 units."""
    return torch.einsum("ij,njhw->nihw", _YCC2RGB, delta) / 255.0


def _loss(encs: list[Encoder], xa: torch.Tensor, tgt: list[list[torch.Tensor]],
          src: list[list[torch.Tensor]], norms: list[list[float]]) -> torch.Tensor:
    total = xa.new_zeros(())
    for enc, t_feats, s_feats, t_norms in zip(encs, tgt, src, norms, strict=True):
        for f, t, s0, n, wgt in zip(enc.features(xa), t_feats, s_feats, t_norms, _LAYER_WEIGHTS, strict=True):
            total = total + wgt * torch.mean((f - t) ** 2) / n
            total = total - AWAY * wgt * torch.mean((f - s0) ** 2) / n
    return total


def optimise(x: torch.Tensor, target: torch.Tensor, box: torch.Tensor, encs: list[Encoder],
             steps: int, seed: int, progress: Progress | None = None) -> torch.Tensor:
    """Return the YCbCr perturbation (1, 3, h, w) with |delta| <= box everywhere.

    ``x``, ``target``: (1, 3, h, w) RGB in [0, 1]; ``box``: (1, 3, h, w) budget in
    grey levels. ``progress(f)`` is called after each step with f in (0, 1].
    """
    rng = random.Random(seed)
    gen = torch.Generator().manual_seed(seed)
    pool = [sample(rng)[1] for _ in range(min(steps, POOL))]
    with torch.no_grad():
        norms = []
        for enc in encs:
            fx, ft = enc.features(x), enc.features(target)
            norms.append([max(float(torch.mean((a - b) ** 2)), 1e-8) for a, b in zip(fx, ft, strict=True)])
        # the target's features under each pooled transformation, computed once
        targets = [[enc.features(tf(target)) for enc in encs] for tf in pool]
        sources = [[enc.features(tf(x)) for enc in encs] for tf in pool]
    delta = (torch.rand(box.shape, generator=gen) * 2 - 1) * box * 0.5
    momentum = torch.zeros_like(delta)
    for step in range(steps):
        k = step % len(pool)
        delta.requires_grad_(True)
        xa = (x + ycc_delta_to_rgb01(delta)).clamp(0, 1)
        loss = _loss(encs, pool[k](xa), targets[k], sources[k], norms)
        (grad,) = torch.autograd.grad(loss, delta)
        with torch.no_grad():
            grad = grad / grad.abs().mean().clamp_min(1e-12)
            momentum = 0.9 * momentum + grad
            alpha = 0.25 * (1.0 - 0.8 * step / max(1, steps - 1))  # share of the box per step
            delta = delta.detach() - alpha * box * torch.sign(momentum)
            delta = torch.maximum(torch.minimum(delta, box), -box)
        if progress is not None:
            progress((step + 1) / steps)
    return delta.detach()
