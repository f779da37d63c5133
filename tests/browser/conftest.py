"""Real headless Chromium (Debian's `chromium`, never a downloaded browser) driven by
Playwright; screenshots go to tests/artifacts/."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser():
    """Per module: Playwright's sync API runs an event loop in this thread while it is
    open, which would break the asyncio tests that run after it in the same process."""
    playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium); .ci/run installs it")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def screenshot():
    ARTIFACTS.mkdir(exist_ok=True)

    def save(page, name: str, full_page: bool = True) -> Path:
        from playwright.sync_api import Error

        path = ARTIFACTS / f"{name}.png"
        try:
            page.screenshot(path=str(path), full_page=full_page)
        except Error as exc:
            # A page that reloads itself (the archive's 5 s meta refresh) can navigate
            # mid-capture on a loaded machine: take it once more, after that load.
            if "Unable to capture screenshot" not in str(exc):
                raise
            page.wait_for_load_state()
            page.screenshot(path=str(path), full_page=full_page)
        return path

    return save
