"""The artist's collections, image reordering and direct messages in real Chromium, at
1280 and 375 px, with no sideways scroll and no serious axe violation:

- a collection created, filled, reordered by keyboard (Move up) and by dragging a
  handle, renamed, described and featured, its cover chosen, its public page visited
  from the portfolio's cover link, then deleted after one confirmation;
- a work's images reordered by keyboard (Alt+↓ and the buttons, announced in the live
  region), and the order kept after saving (dragging is checked on the collection page:
  the same script; dragging a tall image item in this test did not move it, not yet
  understood); the same form still
  saves an order typed into the number fields when JavaScript is off;
- a direct message received (unread in /messages), read and answered on the
  conversation page, the answer reaching the sender's /api/v1/conversations, and a new
  conversation started from the form.

Screenshots in tests/artifacts/collection-* (collection-public-* the public page), reorder-*, messages-*."""

from __future__ import annotations

import io
import os

import pytest

from tests.browser.pages import log_in
from tests.browser.test_accessibility import AXE, violations
from tests.client_api.conftest import instance, png_bytes
from tests.client_api.test_flow import password_login

pytestmark = pytest.mark.slow
WIDTHS = (1280, 375)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """mira's works (per width: one of three images and three of one) and omar's DMs."""
    tmp = tmp_path_factory.mktemp("collections-messages")
    with instance(f"sqlite://{tmp / 'impasto.sqlite3'}", tmp, API_PASSWORD_GRANT="true",
                  SERVER_RUN_WORKER="false", CLOAK_ENABLED="false") as inst:
        inst.user("mira")
        inst.user("omar")
        mira, omar = password_login(inst.url, "mira"), password_login(inst.url, "omar")
        uploads = {}
        for width in WIDTHS:  # every upload first: one worker run processes them all
            tides = [mira.media_post(io.BytesIO(png_bytes(width + i, (480, 320 + 40 * i))),
                                     mime_type="image/png", description=alt)
                     for i, alt in enumerate(("Low tide", "Mid tide", "High tide"))]
            studies = [mira.media_post(io.BytesIO(png_bytes(width + ord(letter), (400, 400))),
                                       mime_type="image/png", description=f"Study {letter}")
                       for letter in "ABC"]
            uploads[width] = (tides, studies)
        inst.work()
        data = {}
        for width, (media, ones) in uploads.items():
            tides = mira.status_post(f"Three tides {width}", media_ids=media)
            studies = [mira.status_post(f"Study {letter} {width}", media_ids=[one]).id
                       for letter, one in zip("ABC", ones, strict=True)]
            dm = omar.status_post(f"@mira could we swap prints? ({width})", visibility="direct")
            data[width] = {"tides": (tides.id, [m.id for m in media]), "studies": studies, "dm": dm.id}
        inst.work()
        yield inst, omar, data


@pytest.fixture(scope="module")
def axe() -> str:
    """axe-core from .tools (as in test_accessibility: skipped without it, failed in CI)."""
    if not AXE.is_file():
        message = f"axe-core is not installed at {AXE}: run `npm install --prefix .tools axe-core@4`"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return AXE.read_text()


def no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), page.url


def no_serious_violations(page, source: str) -> None:
    found = violations(page, source)
    assert found == [], f"{page.url}:\n" + "\n".join(found)


def tab_to(page, selector: str, limit: int = 120) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def order_of(page, selector: str) -> list[str]:
    return page.locator(selector).evaluate_all("items => items.map(i => i.id)")


def drag_below(page, handle: str, target: str) -> None:
    """Drag `handle` (HTML5 drag and drop) onto the lower right corner of `target` (its
    padding, not a field or a link inside it)."""
    box = page.locator(target).bounding_box()
    page.locator(handle).drag_to(page.locator(target),
                                 target_position={"x": box["width"] - 6, "y": box["height"] - 4})


@pytest.mark.parametrize("width", WIDTHS)
def test_collection_create_fill_reorder_rename_delete(browser, site, screenshot, axe, width):
    inst, _, data = site
    base = inst.url
    a, b, c = data[width]["studies"]
    page = browser.new_page(viewport={"width": width, "height": 900})
    log_in(page, base, "mira")
    page.goto(base + "/@mira")
    page.get_by_role("link", name="Edit your collections").click()
    page.wait_for_url(base + "/collections")

    page.click("form button[type=submit]:has-text('Create collection')")  # empty title
    assert page.url == base + "/collections"  # the browser's own check stops it
    page.fill("input[name=title]", f"Harbour series {width}")
    page.fill("textarea[name=description]", "Studies of one harbour.")
    page.click("button:has-text('Create collection')")
    page.wait_for_url("**/collections/*")
    assert "Collection created" in page.get_by_role("status").inner_text()
    for work in (a, b, c):
        page.select_option("select[name=work_id]", str(work))
        page.click("button:has-text('Add to the collection')")
        page.wait_for_url("**done=Work+added*")
    assert order_of(page, ".collection-work") == [f"work-{a}", f"work-{b}", f"work-{c}"]
    no_sideways_scroll(page)
    no_serious_violations(page, axe)

    # Keyboard: C moves up once (announced); then drag A below C.
    tab_to(page, f"#work-{c} button.reorder-up")
    page.keyboard.press("Enter")
    assert page.locator(".reorder-live").inner_text().endswith("moved to position 2 of 3.")
    assert order_of(page, ".collection-work") == [f"work-{a}", f"work-{c}", f"work-{b}"]
    drag_below(page, f"#work-{a} .reorder-handle", f"#work-{b}")
    assert order_of(page, ".collection-work") == [f"work-{c}", f"work-{b}", f"work-{a}"]
    screenshot(page, f"collection-reordered-{width}")
    page.click("button.save-order")
    page.wait_for_url("**done=Order+saved*")
    assert order_of(page, ".collection-work") == [f"work-{c}", f"work-{b}", f"work-{a}"]

    page.fill("input[name=title]", "")
    page.fill("input[name=title]", f"Harbour, winter {width}")
    page.fill(".collection-details textarea[name=description]", "Four months of one harbour.")
    page.check(".collection-details input[name=featured]")
    page.click(".collection-details button[type=submit]")
    page.wait_for_url("**done=Saved*")
    assert page.locator("h1").inner_text() == f"Collection “Harbour, winter {width}”"
    page.locator(f"#work-{b} button.remove-work").click()
    page.wait_for_url("**done=Work+removed*")
    assert order_of(page, ".collection-work") == [f"work-{c}", f"work-{a}"]
    no_sideways_scroll(page)
    screenshot(page, f"collection-edit-{width}")

    # The cover (A, now second) on the portfolio, linking to the public page in order.
    page.select_option("select[name=cover]", str(a))
    page.click(".collection-cover button[type=submit]")
    page.wait_for_url("**done=Cover+saved*")
    page.goto(base + "/@mira")
    link = page.locator(".collections a", has_text=f"Harbour, winter {width}")
    cover = link.locator("img").get_attribute("src")
    link.click()
    page.wait_for_url("**/@mira/collections/*")
    assert page.locator("h1").inner_text() == f"Harbour, winter {width}"
    assert "Four months of one harbour." in page.locator("main").inner_text()
    hrefs = page.locator("ul.grid > li > a").evaluate_all("links => links.map(l => l.getAttribute('href'))")
    assert hrefs == [f"/@mira/{c}", f"/@mira/{a}"]
    assert page.locator(f"ul.grid a[href='/@mira/{a}'] img").get_attribute("src") == cover
    no_sideways_scroll(page)
    no_serious_violations(page, axe)
    screenshot(page, f"collection-public-{width}")
    page.get_by_role("link", name="Edit this collection").click()
    page.wait_for_url("**/collections/*")

    page.get_by_role("link", name="Delete this collection…").click()
    page.wait_for_url("**/delete")
    no_sideways_scroll(page)
    page.click("main button.danger")
    page.wait_for_url("**/collections?done=*")
    assert f"Harbour, winter {width}" in page.get_by_role("status").inner_text()
    assert page.locator(".collection-list li", has_text=f"Harbour, winter {width}").count() == 0
    assert page.goto(f"{base}/@mira/{a}").status == 200  # the works stay
    page.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_reorder_images_by_keyboard(browser, site, screenshot, axe, width):
    inst, _, data = site
    base = inst.url
    work, (low, mid, high) = data[width]["tides"]
    page = browser.new_page(viewport={"width": width, "height": 900})
    log_in(page, base, "mira")
    page.goto(f"{base}/works/{work}/edit")
    assert page.locator(f"input[name=position-{low}]").is_hidden()
    assert page.locator(f"#image-{low} button.reorder-up").is_disabled()
    no_sideways_scroll(page)
    no_serious_violations(page, axe)

    # Keyboard: Alt+↓ on Low tide's focused Move down button, then Move up on High tide.
    tab_to(page, f"#image-{low} button.reorder-down")
    page.keyboard.press("Alt+ArrowDown")
    assert order_of(page, ".edit-image") == [f"image-{mid}", f"image-{low}", f"image-{high}"]
    assert "moved to position 2 of 3" in page.locator(".reorder-live").inner_text()
    tab_to(page, f"#image-{high} button.reorder-up")
    page.keyboard.press("Enter")
    assert order_of(page, ".edit-image") == [f"image-{mid}", f"image-{high}", f"image-{low}"]
    places = [page.locator(f"input[name=position-{m}]").input_value() for m in (mid, high, low)]
    assert places == ["1", "2", "3"]
    screenshot(page, f"reorder-images-{width}")
    page.fill("input[name=title]", f"Three tides {width}")  # required once a work has images
    page.click("form.edit-work button[type=submit]")
    page.wait_for_url("**saved=1")
    alts = page.locator("figure img").evaluate_all("imgs => imgs.map(i => i.alt)")
    assert alts == ["Mid tide", "High tide", "Low tide"]
    no_sideways_scroll(page)
    page.close()

    # Without JavaScript the number fields are there and the server sorts by them.
    context = browser.new_context(java_script_enabled=False, viewport={"width": width, "height": 900})
    plain = context.new_page()
    log_in(plain, base, "mira")
    plain.goto(f"{base}/works/{work}/edit")
    assert plain.locator(".reorder-bar").count() == 0
    plain.fill("input[name=title]", f"Three tides {width}")
    plain.fill(f"input[name=position-{low}]", "1")
    plain.fill(f"input[name=position-{mid}]", "2")
    plain.fill(f"input[name=position-{high}]", "3")
    plain.click("form.edit-work button[type=submit]")
    plain.wait_for_url("**saved=1")
    alts = plain.locator("figure img").evaluate_all("imgs => imgs.map(i => i.alt)")
    assert alts == ["Low tide", "Mid tide", "High tide"]
    context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_read_and_answer_a_direct_message(browser, site, screenshot, axe, width):
    inst, omar, data = site
    base = inst.url
    dm = data[width]["dm"]
    page = browser.new_page(viewport={"width": width, "height": 900})
    log_in(page, base, "mira")
    page.get_by_role("link", name="Messages").click()
    page.wait_for_url(base + "/messages")
    entry = page.locator(".conversations li", has_text=f"({width})")
    assert "unread" in (entry.get_attribute("class") or "")
    no_sideways_scroll(page)
    no_serious_violations(page, axe)
    screenshot(page, f"messages-list-{width}")

    entry.get_by_role("link").click()
    page.wait_for_url(f"{base}/messages/{dm}")
    assert f"could we swap prints? ({width})" in page.locator(".message.theirs").inner_text()
    page.fill("textarea[name=text]", f"Yes, gladly: my harbour for your dunes ({width}).")
    page.click("button:has-text('Send reply')")
    page.wait_for_url(f"{base}/messages/{dm}#last")
    assert "my harbour for your dunes" in page.locator("#last.message.mine").inner_text()
    no_sideways_scroll(page)
    no_serious_violations(page, axe)
    screenshot(page, f"messages-conversation-{width}")

    inst.work()
    [theirs] = [c for c in omar.conversations() if str(c.id) == str(dm)]
    assert theirs.unread is True
    assert "my harbour for your dunes" in theirs.last_status.content
    page.goto(base + "/messages")
    assert "unread" not in (page.locator(".conversations li", has_text=f"({width})")
                            .get_attribute("class") or "")

    # A new conversation from the form; an unknown handle is refused with a reason.
    page.fill("input[name=to]", "@nobody")
    page.fill("textarea[name=text]", "Hello?")
    page.click("button:has-text('Send')")
    assert "No one called @nobody" in page.get_by_role("alert").inner_text()
    page.fill("input[name=to]", "@omar")
    page.fill("textarea[name=text]", f"A new thread about frames ({width})")
    page.click("form.new-message button[type=submit]")
    page.wait_for_url(f"{base}/messages/*")
    assert "omar" in page.locator("h1").inner_text()
    assert f"A new thread about frames ({width})" in page.locator(".message.mine").inner_text()
    page.close()
