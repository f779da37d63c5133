"""The artist's path in a real browser: sign up, log in, upload two images with alt text
(the progress bar moves, each image's verdict shows before publishing), publish, and find
the work in the portfolio grid and on its page."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from tests.browser.pages import sign_up
from tests.rig.databases import migrate_for
from tests.rig.processes import impasto_env, running_server

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
    migrate_for(env)
    with running_server(env) as server:
        yield server.url, tmp


def test_sign_up_upload_two_images_and_publish(browser, site, screenshot):
    base, tmp = site
    first, second = tmp / "harbour.jpg", tmp / "dunes.jpg"
    painting(first, 1)
    painting(second, 2)
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    sign_up(page, base, "mira")
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


def declared_ai(path) -> None:
    """A PNG whose `parameters` text says it came from Stable Diffusion (as A1111 writes it)."""
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("parameters",
                  "a castle\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1, Model: sd_xl_base_1.0")
    rgb = np.random.default_rng(5).integers(0, 255, (300, 400, 3), dtype=np.uint8)
    Image.fromarray(rgb).save(path, format="PNG", pnginfo=info)


def test_publish_says_why_it_waits_and_a_rejected_image_is_reviewed_and_removed_in_place(
        browser, site, screenshot):
    base, tmp = site
    good, flagged = tmp / "cliffs.jpg", tmp / "castle.png"
    painting(good, 3)
    declared_ai(flagged)
    page = browser.new_page(viewport={"width": 375, "height": 800})
    sign_up(page, base, "ines")

    page.goto(base + "/upload")
    page.set_input_files("#files", [str(good), str(flagged)])
    why = page.locator("#publish-why")
    assert page.locator("#publish").is_disabled()
    assert "Publish waits for 2 images" in why.inner_text()

    items = page.locator(".upload-item")
    castle = items.filter(has_text="castle.png")
    castle.locator(".error").wait_for(timeout=120_000)  # rejected: declared AI
    items.filter(has_text="cliffs.jpg").locator(".verdict").wait_for(timeout=120_000)
    page.wait_for_function("() => !document.getElementById('publish').disabled")
    assert "1 image cannot be published" in why.inner_text()
    screenshot(page, "upload-rejected-in-batch-375")

    castle.locator("textarea.review-note").fill("I painted this; the metadata came from a template.")
    castle.locator("button.ask-review").click()
    castle.get_by_text("You asked for a review").wait_for()
    castle.locator("button.remove").click()
    assert items.count() == 1
    assert why.is_hidden()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    page.fill("input[name=title]", "Cliffs")
    page.click("#publish")
    page.wait_for_url(f"{base}/@ines/*")
    assert page.locator("figure img").count() == 1
