"""Cloak levels: quality floors, the budget tried first, and the optimisation effort.

The floors are the contract (measured on the full-resolution result). The budgets
are starting points: the pipeline also caps the budget so the predicted PSNR clears
the floor, and scales the perturbation down when a floor is still missed. What
each level achieves against a held-out encoder is measured by ``bench/cloak.py``
and written in docs/media.md; no level promises protection.
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
    steps: int  # optimisation steps at the working resolution
    work_side: int  # long side of the working resolution (px)
    mask_floor: float  # share of linf allowed on perfectly flat areas (there: 1, 2, 3 grey
    # levels of smooth, dithered luminance change; more showed as visible swirls at 100%)


SPECS: dict[str, LevelSpec] = {
    "low": LevelSpec("low", 38.0, 0.97, linf=8.0, chroma_ratio=0.2, steps=24, work_side=448,
                     mask_floor=1.0 / 8.0),
    "medium": LevelSpec("medium", 33.5, 0.93, linf=14.0, chroma_ratio=0.25, steps=40,
                        work_side=448, mask_floor=2.0 / 14.0),
    "high": LevelSpec("high", 31.0, 0.90, linf=18.0, chroma_ratio=0.25, steps=60, work_side=448,
                      mask_floor=3.0 / 18.0),
}

PSNR_MARGIN_DB = 0.4  # aim this far above the PSNR floor when sizing the budget
MAX_FALLBACKS = 8  # after this many scale-downs, the input is returned unchanged
FALLBACK_SHRINK = 0.8  # extra multiplier when SSIM (not PSNR) is what failed
FLAT_RAMP = 0.2  # mask above its floor by this much counts as textured (flatness 0)
FLAT_LOWPASS_SIGMA = 1.3  # Gaussian sigma, in working-resolution pixels, of the "low" part
FLAT_LOWPASS_CUT = 0.5  # share of that low part removed on flat areas (1.0 left visible
# grain only but halved the held-out effect on flat art; 0.5 keeps ~90% of it)
HALO_BAND = 2.0  # width, in working-resolution px, of the band beside hard edges whose
# local mean is removed (bicubic upsampling spreads an edge's perturbation about this far)
TEXTURE_REF = 12.0  # local std (grey levels) at which the full budget is allowed


@dataclass(frozen=True)
class HeldOut:
    """What ``bench/cloak.py`` measured for one level on the held-out encoder
    (EfficientNet-Lite2, never optimised on): its embedding shift divided by that of
    noise of the same size and shape as the cloak (the strict baseline), clean, as a
    (lowest, highest) range over 2048 px and 12 MP. Shown to artists as measured;
    update it from a bench run whenever the cloak changes."""

    detailed: tuple[float, float]  # photographs and paintings
    flat: tuple[float, float]  # flat colour, line art and pixel art
    run: str  # the command and date of the run the figures come from


MEASURED: dict[str, HeldOut] = {
    "low": HeldOut(detailed=(3.4, 6.7), flat=(1.1, 1.7),
                   run="bench/cloak.py --levels low,medium,high, 6 December 2026"),
    "medium": HeldOut(detailed=(3.5, 5.8), flat=(1.0, 2.4),
                      run="bench/cloak.py --levels low,medium,high, 6 December 2026"),
    "high": HeldOut(detailed=(2.8, 5.3), flat=(1.1, 1.8),
                    run="bench/cloak.py --levels low,medium,high, 6 December 2026"),
}
