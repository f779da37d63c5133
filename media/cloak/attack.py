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
import torch.nn.functional as F

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


def lift_coarse(coarse: torch.Tensor, flat: torch.Tensor) -> torch.Tensor:
    """(1, 1, hc, wc) coarse luminance field -> (1, 3, h, w) YCbCr delta on the flat
    areas: bicubic, so it is smooth at every scale finer than its cells."""
    up = F.interpolate(coarse, size=flat.shape[-2:], mode="bicubic", align_corners=False)
    return F.pad(up * flat, (0, 0, 0, 0, 0, 2))


def optimise(x: torch.Tensor, target: torch.Tensor, box: torch.Tensor, encs: list[Encoder],
             steps: int, seed: int, progress: Progress | None = None, *,
             coarse_box: torch.Tensor | None = None,
             flat: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Return the YCbCr perturbation (1, 3, h, w) with |delta| <= box everywhere, and
    the coarse luminance field (1, 1, hc, wc) with |coarse| <= coarse_box, or None.

    ``x``, ``target``: (1, 3, h, w) RGB in [0, 1]; ``box``: (1, 3, h, w) budget in
    grey levels. With ``coarse_box`` and ``flat`` ((1, 1, h, w) weight in [0, 1]) the
    image gets ``delta + flat * bicubic(coarse)``: on flat areas only a smooth change
    at the scale of the coarse cells (see pipeline.py). ``progress(f)`` is called after
    each step with f in (0, 1].
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
    params, boxes = [delta], [box]
    if coarse_box is not None and flat is not None:
        params.append((torch.rand(coarse_box.shape, generator=gen) * 2 - 1) * coarse_box * 0.5)
        boxes.append(coarse_box)
    momenta = [torch.zeros_like(p) for p in params]
    for step in range(steps):
        k = step % len(pool)
        for p in params:
            p.requires_grad_(True)
        d = params[0] if len(params) == 1 else params[0] + lift_coarse(params[1], flat)
        xa = (x + ycc_delta_to_rgb01(d)).clamp(0, 1)
        loss = _loss(encs, pool[k](xa), targets[k], sources[k], norms)
        grads = torch.autograd.grad(loss, params)
        with torch.no_grad():
            alpha = 0.25 * (1.0 - 0.8 * step / max(1, steps - 1))  # share of the box per step
            for i, (p, g, b) in enumerate(zip(params, grads, boxes, strict=True)):
                momenta[i] = 0.9 * momenta[i] + g / g.abs().mean().clamp_min(1e-12)
                p = p.detach() - alpha * b * torch.sign(momenta[i])
                params[i] = torch.maximum(torch.minimum(p, b), -b)
        if progress is not None:
            progress((step + 1) / steps)
    return params[0].detach(), (params[1].detach() if len(params) > 1 else None)
