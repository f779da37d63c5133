"""Portfolio page weight and speed: an artist with 200 published works (6 pinned), on
SQLite and, when IMPASTO_TEST_POSTGRES_URL (or IMPASTO_BENCH_POSTGRES_URL) is set, on
PostgreSQL.

    .venv/bin/python bench/portfolio.py [--works 200] [--requests 300]

Time to first byte: a real `impasto run` serves GET /@artist to one keep-alive client
(request sent → response headers in; the page is rendered whole before its headers go
out, so that is the first byte), p50 and p95, beside GET /health (one tiny query, no
template) as the trivial reference, and their ratio.

Bytes: Debian's Chromium at 1280×900 loads the portfolio as a visitor would and every
response is counted as it crossed the wire (the DevTools protocol's encodedDataLength:
headers and compressed body), split into HTML, CSS and scripts, and images. "first view"
is what loads without scrolling (lazy covers below the fold wait); "scrolled" is after
scrolling to the end of the page (the first page of works, 24, plus the featured strip;
older works are behind the "Older works" link). The art is real served variants (WebP,
thumb ≤ 400 px and display ≤ 2560 px) of painted test images in twelve aspect ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402

from bench.api import databases  # noqa: E402
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.browser.pages import PASSWORD  # noqa: E402
from tests.rig.gallery import artist_site, paintings, seed_gallery  # noqa: E402
from tests.rig.processes import running_server  # noqa: E402

PINNED = 6


def ttfb(client: httpx.Client, path: str, requests: int) -> list[float]:
    for _ in range(20):  # warm-up: template cache, prepared statements
        client.get(path)
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        with client.stream("GET", path) as response:
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, path
            response.read()
    times.sort()
    return times


def p95(times: list[float]) -> float:
    return times[max(0, int(len(times) * 0.95) - 1)]


def page_weight(base: str) -> dict[str, dict[str, float]]:
    """Bytes a visitor's Chromium transfers for the portfolio at 1280 px, before and after
    scrolling to the end."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        cdp = page.context.new_cdp_session(page)
        kinds: dict[str, str] = {}
        sizes: dict[str, float] = {}
        cdp.on("Network.responseReceived", lambda e: e["response"]["url"].startswith("data:")
               or kinds.__setitem__(e["requestId"], e["type"]))  # blurhash canvases are data: URLs
        cdp.on("Network.loadingFinished", lambda e: sizes.__setitem__(e["requestId"], e["encodedDataLength"]))
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})

        def tally() -> dict[str, float]:
            out = {"html": 0.0, "css+js": 0.0, "images": 0.0, "image count": 0.0}
            for request, size in sizes.items():
                kind = kinds.get(request, "data: URL")
                if kind == "Document":
                    out["html"] += size
                elif kind in ("Stylesheet", "Script"):
                    out["css+js"] += size
                elif kind == "Image":
                    out["images"] += size
                    out["image count"] += 1
            out["total"] = out["html"] + out["css+js"] + out["images"]
            return out

        page.goto(base + "/@artist")
        page.wait_for_load_state("networkidle")
        first = tally()
        page.evaluate("async () => { for (let y = 0; y < document.body.scrollHeight; y += 400) {"
                      " window.scrollTo(0, y); await new Promise(r => setTimeout(r, 50)); } }")
        page.wait_for_load_state("networkidle")
        scrolled = tally()
        browser.close()
    return {"first view": first, "scrolled": scrolled}


def run(engine_url: str, folder: Path, works: int, requests: int, art: list) -> dict:
    url, env = artist_site(folder, "artist", PASSWORD, engine_url, SERVER_RUN_WORKER="false",
                           SERVER_LOG_LEVEL="warning")
    started = time.perf_counter()
    asyncio.run(seed_gallery(url, folder / "media", "artist", works, pinned=PINNED, art=art))
    seeded = time.perf_counter() - started
    with running_server(env) as server:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            page = ttfb(client, "/@artist", requests)
            reference = ttfb(client, "/health", requests)
        with ThreadPoolExecutor(1) as pool:  # Playwright's sync API wants a thread without a loop
            weight = pool.submit(page_weight, server.url).result()
    return {"seeded": seeded, "page": page, "reference": reference, "weight": weight}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--works", type=int, default=200)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    if CHROMIUM is None:
        sys.exit("Debian's chromium is needed for the page weight (apt-get install chromium)")
    print(f"portfolio of {args.works} works ({PINNED} pinned), GET /@artist × {args.requests}")
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (other work skews p95)")
    art = paintings()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        print(f"{'database':<12}{'page p50':>10}{'p95 ms':>8}{'/health p50':>13}{'p95 ms':>8}"
              f"{'p95 ratio':>11}")
        results = {}
        for name, url in databases(folder):
            result = results[name] = run(url, folder / name, args.works, args.requests, art)
            page, ref = result["page"], result["reference"]
            print(f"{name:<12}{statistics.median(page):>10.2f}{p95(page):>8.2f}"
                  f"{statistics.median(ref):>13.2f}{p95(ref):>8.2f}{p95(page) / p95(ref):>11.1f}")
        print("\nbytes transferred at 1280×900 (KiB; images lazy, srcset picks the size)")
        print(f"{'database':<12}{'load':<12}{'HTML':>8}{'CSS+JS':>8}{'images':>9}{'count':>7}{'total':>9}")
        for name, result in results.items():
            for load, w in result["weight"].items():
                print(f"{name:<12}{load:<12}{w['html'] / 1024:>8.1f}{w['css+js'] / 1024:>8.1f}"
                      f"{w['images'] / 1024:>9.1f}{w['image count']:>7.0f}{w['total'] / 1024:>9.1f}")


if __name__ == "__main__":
    main()
