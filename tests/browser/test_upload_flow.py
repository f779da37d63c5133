"""The artist's path in a real browser: sign up, log in, upload two images with alt text
(the progress bar moves, each image's verdict shows before publishing), publish, and find
the work in the portfolio grid and on its page."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from tests.rig.processes import impasto_env, run_cli, running_server

pytestmark = pytest.mark.slow


def painting(path, seed: int) -> None:
    """A textured, photo-like test image (smooth gradients plus brush-like noise)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:600, 0:800]
    base = np.stack(
        [120 + 80 * np.sin(x / 70 + seed), 110 + 70 * np.cos(y / 50), 90 + 60 * np.sin((x + y) / 90)], 2
    )
    noise = rng.normal(0, 18, (600, 800, 3))
    rgb = np.clip(base + noise, 0, 255).astype("uint8")
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="JPEG", quality=92)
    path.write_bytes(buffer.getvalue())


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("upload")
    env = impasto_env(
        f"sqlite://{tmp / 'impasto.sqlite3'}",
        tmp,
        REGISTRATION_MODE="open",
        JOBS_POLL_SECONDS="0.2",
        CLOAK_DEFAULT_LEVEL="low",
    )
    assert run_cli(["migrate"], env).returncode == 0
    with running_server(env) as server:
        yield server.url, tmp


def test_sign_up_upload_two_images_and_publish(browser, site, screenshot):
    base, tmp = site
    first, second = tmp / "harbour.jpg", tmp / "dunes.jpg"
    painting(first, 1)
    painting(second, 2)
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.goto(base + "/signup")
    page.fill("input[name=username]", "mira")
    page.fill("input[name=password]", "a long enough password")
    page.fill("input[name=password_again]", "a long enough password")
    page.click("button[type=submit]")
    page.wait_for_url(base + "/@mira")
    page.click("form[action='/logout'] button")
    page.goto(base + "/login")
    page.fill("input[name=username]", "mira")
    page.fill("input[name=password]", "a long enough password")
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")

    page.goto(base + "/upload")
    page.set_input_files("#files", [str(first), str(second)])
    items = page.locator(".upload-item")
    items.nth(1).wait_for()
    for index, alt in enumerate(["Harbour at dusk, oil", "Dunes at noon, oil"]):
        item = items.nth(index)
        item.locator("input.alt").fill(alt)
        item.locator(".verdict").wait_for(timeout=120_000)  # processed: the verdict is shown
        assert item.locator(".verdict").inner_text() == "No AI signal declared"
        bar = item.locator("progress")
        assert bar.evaluate("b => b.value") == 100
        assert int(bar.get_attribute("data-steps") or 0) >= 1, "the progress bar never moved"
    screenshot(page, "upload-before-publishing")
    page.fill("input[name=title]", "Two shores")
    page.fill("textarea[name=description]", "A pair of studies. #seascape")
    page.fill("input[name=medium]", "oil on board")
    page.click("#publish")
    page.wait_for_url(f"{base}/@mira/*")
    assert page.locator("h1").inner_text() == "Two shores"
    images = page.locator("figure img")
    assert images.count() == 2
    assert images.nth(0).get_attribute("alt") == "Harbour at dusk, oil"
    assert images.nth(1).get_attribute("alt") == "Dunes at noon, oil"
    assert "/media/" in images.nth(0).get_attribute("src")
    screenshot(page, "work-page")
    page.goto(base + "/@mira")
    assert page.locator(".grid img").first.get_attribute("alt") == "Harbour at dusk, oil"
    screenshot(page, "portfolio")
