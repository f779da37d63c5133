"""The upload pipeline as the server runs it: create_upload in the request, then the
`media.process` job (pool process: decode, provenance, strip, cloak, variants,
blurhash; then storing the variants and the record), on a temporary SQLite database.

Run: .venv/bin/python bench/media_job.py [--runs N] [--level medium] [--megapixels 12]

Prints per-step milliseconds (median over runs) from the timings the job records, plus
the request-side cost of create_upload, the wall time of the job and the CPU time the
pool process spent on it (pool_cpu: less sensitive to other load). The cloak runs at
display size (long side 2560), after the clean step, so a 12 MP upload is cloaked at
about 4.9 MP. The image pool has one process; the first run's pool start-up (spawn and
imports) is reported separately and not counted in the medians.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _bench_media():
    """bench/media.py's test image maker (loaded by path: `media` is the package)."""
    spec = importlib.util.spec_from_file_location("bench_media", Path(__file__).with_name("media.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


STEPS = ("read_original", "decode", "provenance", "strip", "cloak", "variants", "blurhash",
         "total", "store")


async def bench(runs: int, level: str, megapixels: float) -> None:
    from instance.attachments.uploads import create_upload
    from instance.config import load_config
    from instance.job_handlers import load_handlers
    from instance.jobs import Worker
    from instance.services import build_services, close_services
    from instance.storage import db
    from instance.storage.models import Account, MediaAttachment, User

    tmp = Path(tempfile.mkdtemp(prefix="impasto-bench-"))
    url = f"sqlite://{tmp / 'bench.sqlite3'}"
    await db.migrate(url)
    await db.connect(url)
    environ = {"IMPASTO_MEDIA_PATH": str(tmp / "media"), "IMPASTO_CLOAK_DEFAULT_LEVEL": level,
               "IMPASTO_CLOAK_ENABLED": "false" if level == "off" else "true"}
    services = build_services(load_config(None, environ=environ))
    handlers = load_handlers()
    account = await Account.create(ap_id="http://bench/users/a", username="a", display_name="A")
    await User.create(account=account, password_hash="-")
    width = int(math.sqrt(megapixels * 1e6 * 4 / 3))
    height = width * 3 // 4
    data = _bench_media().make_jpeg(width, height)
    print(f"{width}x{height} JPEG, {len(data) / 1e6:.1f} MB, cloak level {level}, {runs} runs")
    rows: dict[str, list[float]] = {k: [] for k in (*STEPS, "create_upload", "job_wall",
                                                    "pool_cpu")}
    try:
        for run in range(runs + 1):
            t = time.perf_counter()
            media = await create_upload(services, account, data, filename="bench.jpg",
                                        content_type="image/jpeg")
            upload_ms = (time.perf_counter() - t) * 1000
            t = time.perf_counter()
            cpu_before = await services.media.call(time.process_time)
            await Worker(services.jobs, handlers, services).run_until_idle()
            wall_ms = (time.perf_counter() - t) * 1000
            cpu_ms = (await services.media.call(time.process_time) - cpu_before) * 1000
            media = await MediaAttachment.get(id=media.id)
            if media.state != "ready":
                raise SystemExit(f"media ended {media.state}: {media.state_reason}")
            if run == 0:
                print(f"warm-up run (pool spawn + imports): job wall {wall_ms:.0f} ms")
                continue
            rows["create_upload"].append(upload_ms)
            rows["job_wall"].append(wall_ms)
            rows["pool_cpu"].append(cpu_ms)
            for step in STEPS:
                if step in media.timings:
                    rows[step].append(media.timings[step])
        psnr = (media.cloak_metrics or {}).get("psnr")
        print(f"{'step':<14} {'median ms':>10} {'min':>8} {'max':>8}")
        for step, values in rows.items():
            if values:
                print(f"{step:<14} {statistics.median(values):>10.1f} {min(values):>8.1f} "
                      f"{max(values):>8.1f}")
        if psnr is not None:
            print(f"last cloak: psnr {psnr:.2f} dB, ssim {media.cloak_metrics['ssim']:.4f}, "
                  f"linf {media.cloak_metrics['linf']}, display {media.width}x{media.height}")
    finally:
        await close_services(services)
        await db.disconnect()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--level", default="medium", choices=("off", "low", "medium", "high"))
    parser.add_argument("--megapixels", type=float, default=12.0)
    args = parser.parse_args()
    asyncio.run(bench(args.runs, args.level, args.megapixels))


if __name__ == "__main__":
    main()
