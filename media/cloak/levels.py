"""Cloak levels: quality floors and the budget that is tried first at each level.

The floors are the contract (measured on the full-resolution result). The
budgets are starting points: the pipeline also caps the budget so the predicted
PSNR clears the floor, and falls back to a smaller one when a floor is missed.
"""

from __future__ import annotations

from dataclasses import dataclass

LEVELS = ("off", "low", "medium", "high")


@dataclass(frozen=True)
class LevelSpec:
    name: str
    psnr_floor: float  # dB, full resolution
    ssim_floor: float  # skimage SSIM, channel_axis=2, data_range=255
    linf: float  # luminance L-infinity budget (grey levels) where texture is strong
    chroma_ratio: float  # chroma budget as a fraction of the luminance budget
    iterations: int  # optimisation steps at the working resolution
    work_side: int  # long side of the working resolution (px)


SPECS: dict[str, LevelSpec] = {
    "low": LevelSpec("low", 38.0, 0.97, linf=6.0, chroma_ratio=0.2, iterations=36,
                     work_side=512),
    "medium": LevelSpec("medium", 35.0, 0.94, linf=10.0, chroma_ratio=0.25, iterations=48,
                        work_side=512),
    "high": LevelSpec("high", 32.0, 0.90, linf=16.0, chroma_ratio=0.3, iterations=60,
                      work_side=512),
}

PSNR_MARGIN_DB = 0.4  # aim this far above the PSNR floor when sizing the budget
FALLBACK_SHRINK = 0.7  # budget multiplier per fallback
MAX_FALLBACKS = 8  # after this many, the input is returned unchanged (strength 0)
MASK_FLOOR = 0.12  # share of the budget allowed on perfectly flat areas
TEXTURE_REF = 12.0  # local std (grey levels) at which the full budget is allowed
