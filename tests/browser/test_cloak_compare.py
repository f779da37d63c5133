"""The artist's before/after view of a cloaked flat-shaded illustration, in a real
browser: both squares (most detailed, flattest) are shown, the served copy differs from
the original, and on the flat sky the change is fine grain, not blotches or bands."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from media.cloak.levels import MEASURED
from media.variants import VariantOptions
from tests.browser.pages import sign_up
from tests.rig.art import blotchiness, flat_illustration, flat_sky
from tests.rig.databases import migrate_for
from tests.rig.processes import impasto_env, running_server

pytestmark = pytest.mark.slow


def _png(rgb: np.ndarray, **options) -> bytes:
    out = io.BytesIO()
    Image.fromarray(rgb).save(out, **options)
    return out.getvalue()


def _rgb(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("compare")
    env = impasto_env(
        f"sqlite://{tmp / 'impasto.sqlite3'}", tmp,
        REGISTRATION_MODE="open", JOBS_POLL_SECONDS="0.2", CLOAK_DEFAULT_LEVEL="medium",
    )
    migrate_for(env)
    with running_server(env) as server:
        yield server.url, tmp


@pytest.mark.parametrize("width", [1280, 375])
def test_before_after_of_a_flat_illustration(browser, site, screenshot, width):
    base, tmp = site
    art = tmp / f"sunset-{width}.png"
    art.write_bytes(_png(flat_illustration(), format="PNG"))
    page = browser.new_page(viewport={"width": width, "height": 900})
    name = f"cel{width}"
    sign_up(page, base, name)

    page.goto(base + "/upload")
    page.set_input_files("#files", [str(art)])
    item = page.locator(".upload-item").first
    item.locator("input.alt").fill("Sunset over round hills, flat colour")
    item.locator(".verdict").wait_for(timeout=180_000)
    page.fill("input[name=title]", "Round hills")
    page.click("#publish")
    page.wait_for_url(f"{base}/@{name}/*")
    page.click("text=Your view: evidence, cloak metrics, before and after")
    page.wait_for_url(f"{base}/settings/media/*")
    images = page.locator(".compare img")
    assert images.count() == 4
    page.wait_for_function(
        "() => [...document.querySelectorAll('.compare img')].every(i => i.complete && i.naturalWidth > 0)")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    low, high = MEASURED["medium"].detailed
    shown = page.inner_text("main")
    assert f"{low:.1f}–{high:.1f} times as far" in shown, "the measured figures are not shown"
    screenshot(page, f"cloak-before-after-flat-{width}")

    crops = {}
    for index, key in enumerate(["textured-before", "textured-after", "flat-before", "flat-after"]):
        src = images.nth(index).get_attribute("src")
        response = page.request.get(base + src)
        assert response.status == 200 and response.headers["content-type"] == "image/png"
        assert "no-store" in response.headers["cache-control"]
        crops[key] = _rgb(response.body())
    textured = crops["textured-after"].astype(np.float32) - crops["textured-before"]
    assert np.abs(textured).mean() > 0.5, "the served copy is not cloaked"
    assert np.abs(crops["flat-after"].astype(np.float32) - crops["flat-before"]).mean() > 0.2, \
        "flat areas get no protection at all"
    # On the really flat sky of the flattest square, the served copy is no blotchier than
    # the WebP encoder alone makes the uncloaked square, give or take one grey level.
    sky = flat_sky(crops["flat-before"])
    assert sky.mean() > 0.3, "the test image has no flat sky in its flattest square"
    options = VariantOptions()
    encoder_only = _rgb(_png(crops["flat-before"], format="WEBP", quality=options.webp_quality,
                             method=options.webp_method))
    served = blotchiness(crops["flat-before"], crops["flat-after"], sky)
    assert served <= blotchiness(crops["flat-before"], encoder_only, sky) + 1.0
