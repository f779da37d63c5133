"""The portfolio as a visitor and its artist see it, in real Chromium at 1280 and 375 px:
justified rows that keep every work's shape and fill the width, the layouts the artist
chooses, pinning into the featured strip, the lightbox (keyboard, zoom to 100 %, swipe,
and plain links without JavaScript), and light and dark themes."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.browser.pages import PASSWORD, log_in
from tests.rig.gallery import artist_site, give_profile_images, seed_gallery
from tests.rig.processes import running_server

pytestmark = pytest.mark.slow

WIDTHS = (1280, 375)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """mira's portfolio (avatar, header, bio): 40 single-image works (the newest 3
    pinned) and one work with three images, served by a real `impasto run`."""
    tmp = tmp_path_factory.mktemp("portfolio")
    url, env = artist_site(tmp, "mira", PASSWORD)
    with ThreadPoolExecutor(1) as pool:  # Playwright's sync API owns this thread's loop
        pool.submit(asyncio.run, seed_gallery(url, tmp / "media", "mira", 40, pinned=3)).result()
        triptych = pool.submit(asyncio.run, seed_gallery(
            url, tmp / "media", "mira", 1, images_per_work=3, first=40)).result()[0]
        pool.submit(asyncio.run, give_profile_images(url, tmp / "media", "mira")).result()
    with running_server(env) as server:
        yield server.url, triptych


def overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def scroll_through(page) -> None:
    """Scroll to the bottom and back so lazy images load before a full-page screenshot."""
    page.evaluate("async () => { for (let y = 0; y < document.body.scrollHeight; y += 600) {"
                  " window.scrollTo(0, y); await new Promise(r => requestAnimationFrame(r)); }"
                  " window.scrollTo(0, 0); }")
    page.wait_for_load_state("networkidle")


def rows_of(page, selector: str) -> list[list[dict]]:
    """The tiles of a grid grouped into rows by their top edge."""
    boxes = page.eval_on_selector_all(
        selector, "els => els.map(e => { const r = e.getBoundingClientRect();"
                  " return {top: Math.round(r.top), left: r.left, right: r.right, height: r.height}; })")
    rows: dict[int, list[dict]] = {}
    for box in boxes:
        rows.setdefault(box["top"], []).append(box)
    return [rows[top] for top in sorted(rows)]


@pytest.mark.parametrize("width", WIDTHS)
def test_grid_rows_are_justified_and_keep_each_shape(browser, site, screenshot, width):
    base, _ = site
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(base + "/@mira")
    assert overflow(page) <= 0, f"the portfolio scrolls sideways at {width}px"
    grid = page.locator("section.featured ~ ul.grid.layout-grid")
    left, right = grid.evaluate("g => [g.getBoundingClientRect().left, g.getBoundingClientRect().right]")
    rows = rows_of(page, "section.featured ~ ul.grid > li")
    assert len(rows) >= 3
    for row in rows[:-1]:  # every full row: one height, edge to edge (no holes)
        heights = {round(tile["height"]) for tile in row}
        assert max(heights) - min(heights) <= 1, f"a row of uneven heights at {width}px: {heights}"
        assert abs(row[0]["left"] - left) <= 1 and abs(row[-1]["right"] - right) <= 1.5
    # no crop: each frame has its image's aspect ratio
    ratios = page.eval_on_selector_all(
        "section.featured ~ ul.grid .frame img",
        "imgs => imgs.map(i => [i.getBoundingClientRect().width / i.getBoundingClientRect().height,"
        " i.width / i.height])")
    for shown, natural in ratios:
        assert abs(shown - natural) / natural < 0.02
    lazy = page.eval_on_selector_all("ul.grid img", "imgs => imgs.filter(i => i.loading === 'lazy').length")
    assert lazy >= 18, "covers below the fold load lazily"
    assert "400w" in page.locator("ul.grid source").first.get_attribute("srcset")
    tallest = max(tile["height"] for row in rows for tile in row)
    assert tallest < (400 if width == 375 else 520), "no work sits alone on a giant row"
    scroll_through(page)
    screenshot(page, f"portfolio-grid-{width}")


@pytest.fixture
def artist(browser, site):
    """A browser context logged in as mira (1280 px)."""
    base, _ = site
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, base, "mira")
    yield page
    context.close()


@pytest.mark.parametrize("layout", ["large", "list", "grid"])
def test_the_artist_chooses_the_layout(artist, site, screenshot, layout):
    base, _ = site
    page = artist
    page.goto(base + "/settings")
    page.check(f"input[name=layout][value={layout}]")
    page.click("#portfolio ~ form button[type=submit]")
    assert "Portfolio layout saved." in page.locator(".ok").inner_text()
    page.goto(base + "/@mira")
    assert page.locator(f"section.featured ~ ul.grid.layout-{layout}").count() == 1
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        assert overflow(page) <= 0, f"layout {layout} scrolls sideways at {width}px"
        screenshot(page, f"portfolio-{layout}-{width}")
    if layout == "list":
        assert "gouache on paper" in page.locator("section.featured ~ ul.grid .meta").first.inner_text()
        # square crops keep the artist's focal point in view (seeded at the lower right)
        position = page.locator("section.featured ~ ul.grid img").first.evaluate(
            "i => getComputedStyle(i).objectPosition")
        assert position == "75% 75%"


def test_an_unknown_layout_is_refused_with_a_message(artist, site):
    base, _ = site
    page = artist
    page.goto(base + "/settings")
    page.eval_on_selector("input[name=layout][value=list]", "i => i.value = 'mosaic'")
    page.check("input[name=layout][value=mosaic]")
    page.click("#portfolio ~ form button[type=submit]")
    assert "no portfolio layout called 'mosaic'" in page.locator("main").inner_text()


def test_pin_and_unpin_from_the_work_page(artist, site):
    base, triptych = site
    page = artist
    page.goto(base + "/@mira")
    featured = page.locator("section.featured li a")
    assert featured.count() == 3
    page.goto(f"{base}/@mira/{triptych}")
    page.get_by_role("button", name="Pin to portfolio").click()
    page.get_by_role("button", name="Unpin from portfolio").wait_for()
    page.goto(base + "/@mira")
    assert featured.count() == 4
    assert featured.first.get_attribute("href").endswith(f"/{triptych}")  # the newest pin leads
    page.goto(f"{base}/@mira/{triptych}")
    page.get_by_role("button", name="Unpin from portfolio").click()
    page.get_by_role("button", name="Pin to portfolio").wait_for()
    page.goto(base + "/@mira")
    assert featured.count() == 3


def test_visitors_see_no_pin_button(browser, site):
    base, triptych = site
    page = browser.new_page()
    page.goto(f"{base}/@mira/{triptych}")
    assert page.get_by_role("button", name="Pin to portfolio").count() == 0


def active(page) -> str:
    return page.evaluate("(e => e.closest('.lightbox') ? 'lightbox: ' + (e.getAttribute('aria-label')"
                         " || e.textContent) : e.outerHTML.slice(0, 60))(document.activeElement)")


def test_lightbox_by_keyboard(browser, site, screenshot):
    base, triptych = site
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{base}/@mira/{triptych}")
    links = page.locator(".stage a.zoom")
    assert links.count() == 3
    for _ in range(40):  # Tab to the first image, as a keyboard user does
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('zoom')"):
            break
    else:
        pytest.fail("the images cannot be reached by Tab")
    page.keyboard.press("Enter")
    box = page.locator(".lightbox")
    assert box.is_visible()
    assert page.locator(".lb-count").inner_text() == "Image 1 of 3"
    assert active(page).startswith("lightbox:")
    page.locator(".lightbox img").evaluate("i => i.decode()")
    screenshot(page, "lightbox-1280", full_page=False)
    page.keyboard.press("ArrowRight")
    assert page.locator(".lb-count").inner_text() == "Image 2 of 3"
    assert page.locator(".lightbox img").get_attribute("src").endswith(links.nth(1).get_attribute("href"))
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    assert page.locator(".lb-count").inner_text() == "Image 3 of 3"  # wraps around
    for _ in range(8):  # focus is trapped in the dialog
        page.keyboard.press("Tab")
        assert active(page).startswith("lightbox:"), active(page)
    for _ in range(3):
        page.keyboard.press("Shift+Tab")
        assert active(page).startswith("lightbox:"), active(page)
    page.locator(".lb-zoom").focus()
    page.keyboard.press("Enter")  # 100 %: one image pixel per CSS pixel
    img = page.locator(".lightbox img")
    img.evaluate("i => i.decode()")
    shown, natural = img.evaluate("i => [i.getBoundingClientRect().width, i.naturalWidth]")
    assert shown == natural
    assert page.locator(".lb-view").evaluate("v => v.scrollWidth > v.clientWidth")
    screenshot(page, "lightbox-zoomed-1280", full_page=False)
    page.keyboard.press("Escape")
    assert box.is_hidden()
    assert page.evaluate("document.activeElement === document.querySelectorAll('.stage a.zoom')[0]")
    assert page.evaluate("!document.querySelector('main').inert")


def test_lightbox_swipes_between_images_on_touch(browser, site, screenshot):
    base, triptych = site
    context = browser.new_context(viewport={"width": 375, "height": 740}, has_touch=True, is_mobile=True)
    page = context.new_page()
    page.goto(f"{base}/@mira/{triptych}")
    assert overflow(page) <= 0
    screenshot(page, "work-page-375")
    page.locator(".stage a.zoom").first.tap()
    assert page.locator(".lb-count").inner_text() == "Image 1 of 3"
    cdp = context.new_cdp_session(page)

    def swipe(x0: int, x1: int) -> None:
        cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x0, "y": 400}]})
        for step in range(1, 6):
            x = x0 + (x1 - x0) * step / 5
            cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": 402}]})
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})

    swipe(300, 60)
    page.wait_for_function("document.querySelector('.lb-count').textContent === 'Image 2 of 3'")
    page.locator(".lightbox img").evaluate("i => i.decode()")
    screenshot(page, "lightbox-375", full_page=False)
    swipe(60, 300)
    page.wait_for_function("document.querySelector('.lb-count').textContent === 'Image 1 of 3'")
    context.close()


def test_without_javascript_images_are_plain_links(browser, site):
    base, triptych = site
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{base}/@mira/{triptych}")
    assert page.locator(".theme-switch").is_hidden()  # it needs the script to do anything
    href = page.locator(".stage a.zoom").first.get_attribute("href")
    assert href.startswith("/media/")
    page.locator(".stage a.zoom").first.click()
    page.wait_for_url(base + href)
    context.close()


BACKGROUND = "getComputedStyle(document.body).backgroundColor"


def luminance(css: str) -> float:
    r, g, b = (int(v) for v in css[css.index("(") + 1:css.index(")")].split(",")[:3])
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255


def test_dark_mode_follows_the_system_and_the_switch(browser, site, screenshot):
    base, triptych = site
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme="dark")
    # When <body> first appears, is the chosen theme already set? (no flash of the other one)
    context.add_init_script(
        "new MutationObserver((m, o) => { if (document.body) { o.disconnect();"
        " window.themeAtBody = document.documentElement.getAttribute('data-theme') || 'system'; } })"
        ".observe(document, {childList: true, subtree: true});")
    page = context.new_page()
    page.goto(base + "/@mira")
    assert luminance(page.evaluate(BACKGROUND)) < 0.15, "prefers-color-scheme: dark is not followed"
    page.wait_for_load_state("networkidle")
    screenshot(page, "portfolio-dark-1280")
    switch = page.locator(".theme-switch")
    assert switch.get_attribute("aria-pressed") == "true"
    switch.click()
    assert luminance(page.evaluate(BACKGROUND)) > 0.85
    assert switch.get_attribute("aria-pressed") == "false"
    page.goto(f"{base}/@mira/{triptych}")  # the choice is kept, and set before the first paint
    assert page.evaluate("window.themeAtBody") == "light"
    assert luminance(page.evaluate(BACKGROUND)) > 0.85
    switch.click()  # back to what the system says: follow the system again
    assert page.evaluate("localStorage.getItem('impasto-theme')") is None
    assert luminance(page.evaluate(BACKGROUND)) < 0.15
    page.emulate_media(color_scheme="light")
    assert luminance(page.evaluate(BACKGROUND)) > 0.85
    switch.click()  # an explicit dark choice wins over a light system
    page.reload()
    assert page.evaluate("window.themeAtBody") == "dark"
    assert luminance(page.evaluate(BACKGROUND)) < 0.15
    page.wait_for_load_state("networkidle")
    screenshot(page, "work-page-dark-1280")
    context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_explore_shows_the_same_justified_wall(browser, site, screenshot, width):
    base, _ = site
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(base + "/")
    assert overflow(page) <= 0
    assert page.locator("ul.grid.layout-grid.justified > li").count() == 24
    rows = rows_of(page, "ul.grid > li")
    for row in rows[:-1]:
        assert max(t["height"] for t in row) - min(t["height"] for t in row) <= 1
    scroll_through(page)
    screenshot(page, f"explore-{width}")


def test_the_theme_switch_works_by_keyboard_at_375px(browser, site, screenshot):
    base, _ = site
    context = browser.new_context(viewport={"width": 375, "height": 800}, color_scheme="light")
    page = context.new_page()
    page.goto(base + "/@mira")
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('theme-switch')"):
            break
    else:
        pytest.fail("the theme switch cannot be reached by Tab")
    assert page.locator(".theme-switch").get_attribute("aria-label") == "Dark theme"
    page.keyboard.press("Enter")
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    assert luminance(page.evaluate(BACKGROUND)) < 0.15
    assert overflow(page) <= 0
    scroll_through(page)
    screenshot(page, "portfolio-dark-375")
    page.keyboard.press("Space")
    assert luminance(page.evaluate(BACKGROUND)) > 0.85
    context.close()
