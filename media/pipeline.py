"""The whole upload pipeline as one pure function: bytes in, variants and facts out.

decode (bounded, sniffed) → provenance on the ORIGINAL bytes (before anything is
stripped) → clean (shrink to display size, orient, sRGB, flatten alpha, no metadata)
→ cloak (optional, at display size so resizing cannot soften it) → variants with the
opt-out XMP → blurhash of the served thumbnail.

Everything passed in and out is plain, picklable data (bytes, dataclasses, dicts), and
`process_image` is a top-level function, so the server can run it in a
`concurrent.futures.ProcessPoolExecutor`; see `run_in_pool`. Cloak and provenance are
injected as callables so this module does not depend on `media.cloak` or
`media.provenance`; `CloakWith` and `DetectProvenance` adapt those packages and are
themselves picklable.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from media.blurhash import blurhash_of
from media.clean import clean
from media.ingest import decode
from media.limits import Limits
from media.optout import OptOutMarks, build_xmp
from media.progress import STAGES
from media.variants import FocalPoint, Variant, VariantOptions, make_variants

CloakFn = Callable[..., tuple[np.ndarray, dict]]  # cloak(rgb) or cloak(rgb, progress=f)
ProvenanceFn = Callable[[bytes, "str | None"], object]
ReportFn = Callable[[str, float], None]  # report(stage, fraction of the whole), see progress


@dataclass(frozen=True, slots=True)
class PipelineOptions:
    """Per-upload settings; all plain data so they pickle."""

    limits: Limits = field(default_factory=Limits)
    variants: VariantOptions = field(default_factory=VariantOptions)
    marks: OptOutMarks = field(default_factory=OptOutMarks)
    focus: FocalPoint = field(default_factory=FocalPoint)
    embed_xmp: bool = True  # False: served images carry no metadata at all
    background: tuple[int, int, int] = (255, 255, 255)
    blurhash_components: tuple[int, int] = (4, 4)


@dataclass(frozen=True, slots=True)
class PipelineResult:
    """What a media record needs. `width`/`height` are the display variant's;
    `source_width`/`source_height` the upright original's. `provenance` is whatever
    the provenance callable returned (None when none was given); `timings_ms` has
    decode, provenance, strip, cloak, variants, blurhash and total — a step that
    did not run is absent."""

    format: str
    mime: str
    source_width: int
    source_height: int
    animated: bool
    had_alpha: bool
    color: str
    width: int
    height: int
    display: Variant
    thumbnail: Variant
    blurhash: str
    focus: FocalPoint
    provenance: object | None
    cloak_metrics: dict[str, Any] | None
    timings_ms: dict[str, float]
    medium: Variant | None = None


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000.0, 2)


def process_image(
    data: bytes,
    *,
    claimed_type: str | None,
    options: PipelineOptions | None = None,
    cloak: CloakFn | None = None,
    provenance: ProvenanceFn | None = None,
    report: ReportFn | None = None,
) -> PipelineResult:
    """Run the pipeline on an upload's original bytes; raises MediaRejected on bad input.

    `provenance(data, mime)` receives the untouched original bytes and the sniffed
    MIME type. `cloak(rgb)` receives the cleaned H×W×3 uint8 array at display size and
    must return an array of the same shape and dtype plus a metrics dict. `report`, when
    given, hears each stage of `media.progress.STAGES` and, while the cloak runs, its
    progress (then the cloak is called as `cloak(rgb, progress=fraction_callback)`).
    """
    def tell(stage: str, within: float = 0.0) -> None:
        if report is not None:
            names = list(STAGES)
            start = STAGES[stage]
            following = names.index(stage) + 1
            end = STAGES[names[following]] if following < len(names) else 1.0
            report(stage, start + (end - start) * within)

    opts = options or PipelineOptions()
    timings: dict[str, float] = {}
    t_total = time.perf_counter()

    t = time.perf_counter()
    decoded = decode(data, claimed_type=claimed_type, limits=opts.limits,
                     target_max_side=opts.variants.display_max)
    timings["decode"] = _ms(t)

    verdict = None
    tell("checking provenance")
    if provenance is not None:
        t = time.perf_counter()
        verdict = provenance(data, decoded.mime)
        timings["provenance"] = _ms(t)

    tell("cleaning")
    t = time.perf_counter()
    cleaned = clean(decoded, max_side=opts.variants.display_max,
                    background=opts.background, resample=opts.variants.resample)
    source_w, source_h = decoded.width, decoded.height
    if decoded.orientation in (5, 6, 7, 8):
        source_w, source_h = source_h, source_w
    animated, fmt, mime = decoded.animated, decoded.format, decoded.mime
    del decoded  # free the decoded frame before the cloak allocates
    timings["strip"] = _ms(t)

    rgb = cleaned.rgb
    metrics: dict[str, Any] | None = None
    if cloak is not None:
        t = time.perf_counter()
        tell("cloaking")
        if report is None:
            rgb, metrics = cloak(rgb)
        else:
            rgb, metrics = cloak(rgb, progress=lambda within: tell("cloaking", within))
        if not isinstance(rgb, np.ndarray) or rgb.shape != cleaned.rgb.shape \
                or rgb.dtype != np.uint8:
            raise ValueError("the cloak must return an array of the same shape, dtype uint8")
        metrics = dict(metrics)
        timings["cloak"] = _ms(t)

    tell("making variants")
    t = time.perf_counter()
    xmp = build_xmp(opts.marks) if opts.embed_xmp else None
    variants = make_variants(rgb, options=opts.variants, xmp=xmp, focus=opts.focus)
    timings["variants"] = _ms(t)

    t = time.perf_counter()
    bh = blurhash_of(variants.thumbnail_rgb, x_components=opts.blurhash_components[0],
                     y_components=opts.blurhash_components[1])
    timings["blurhash"] = _ms(t)
    timings["total"] = _ms(t_total)
    tell("making variants", 1.0)

    return PipelineResult(
        format=fmt, mime=mime,
        source_width=source_w, source_height=source_h, animated=animated,
        had_alpha=cleaned.had_alpha, color=cleaned.color,
        width=variants.display.width, height=variants.display.height,
        display=variants.display, thumbnail=variants.thumbnail, blurhash=bh,
        focus=variants.focus, provenance=verdict, cloak_metrics=metrics, timings_ms=timings,
        medium=variants.medium,
    )


def run_in_pool(
    executor: Executor,
    data: bytes,
    *,
    claimed_type: str | None,
    options: PipelineOptions | None = None,
    cloak: CloakFn | None = None,
    provenance: ProvenanceFn | None = None,
    report: ReportFn | None = None,
) -> Future[PipelineResult]:
    """Submit `process_image` to an executor (typically a ProcessPoolExecutor).

    The callables must be picklable for a process pool: top-level functions,
    `functools.partial` of them, or the `CloakWith` / `DetectProvenance` adapters.
    From asyncio: `await asyncio.wrap_future(run_in_pool(pool, data, ...))`.
    MediaRejected pickles, so it is re-raised unchanged by `future.result()`.
    """
    return executor.submit(process_image, data, claimed_type=claimed_type,
                           options=options, cloak=cloak, provenance=provenance, report=report)


@dataclass(frozen=True, slots=True)
class CloakWith:
    """Picklable adapter for `media.cloak.cloak_image(rgb, level, seed)`, which
    returns an object with `.image` and `.metrics`; imported lazily in the worker."""

    level: str = "medium"
    seed: int = 0

    def __call__(self, rgb: np.ndarray,
                 progress: Callable[[float], None] | None = None) -> tuple[np.ndarray, dict]:
        from media.cloak import cloak_image

        out = cloak_image(rgb, self.level, self.seed, progress=progress)
        return out.image, dict(out.metrics)


@dataclass(frozen=True, slots=True)
class DetectProvenance:
    """Picklable adapter for `media.provenance.detect(data, filename=None)` → Verdict,
    imported lazily in the worker. Only the bytes are passed: detect sniffs the format
    itself and uses a filename only as a fallback, and the pipeline has already
    refused anything whose magic bytes it does not recognise."""

    def __call__(self, data: bytes, mime: str | None) -> object:
        from media.provenance import detect

        return detect(data)


def warm_worker() -> None:
    """A pool process's initializer: load the C2PA library once at start-up, so the first
    upload that carries a manifest does not wait 40-100 ms for it."""
    from media.provenance import preload_c2pa

    preload_c2pa()
