"""Pages in a real browser: hostile remote content stays inert, every page works at
375 px wide and by keyboard alone."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest

from instance.storage import db
from instance.storage.models import Account, JobListing, Work
from tests.rig.databases import migrate_for
from tests.rig.processes import impasto_env, run_cli, running_server

pytestmark = pytest.mark.slow

PAYLOAD = (
    '<p>Lovely harbour!<script>alert("script")</script>'
    '<img src="x" onerror="alert(\'onerror\')">'
    "<a href=\"javascript:alert('href')\" onclick=\"alert('onclick')\">click</a>"
    "<svg onload=\"alert('svg')\"></svg><iframe src=\"javascript:alert('iframe')\"></iframe></p>"
)


async def seed(url: str) -> int:
    """A local work, and a hostile reply and bio from a remote account, straight into the
    database (as if a sanitiser upstream had missed them); and that account's job listing,
    held for approval."""
    await db.connect(url)
    try:
        artist = await Account.get(username="mira", domain=None)
        artist.note = '<p>Painter.<script>alert("bio")</script></p>'
        await artist.save()
        work = await Work.create(
            ap_id=artist.ap_id + "/works/1",
            account=artist,
            title="Harbour at dusk",
            content="<p>Oil on board.</p>",
            medium="oil",
            tools=["brush"],
            licence="CC-BY-NC-4.0",
            state="ready",
            published_at=artist.created_at,
        )
        remote = await Account.create(
            ap_id="https://elsewhere.example/u/troll", username="troll", domain="elsewhere.example"
        )
        await Work.create(
            ap_id="https://elsewhere.example/n/1",
            account=remote,
            local=False,
            content=PAYLOAD,
            in_reply_to=work,
            state="ready",
            published_at=artist.created_at,
        )
        await JobListing.create(  # from another server, held for a moderator (/jobs/held)
            poster=remote, local=False, held=True, state="open",
            ap_id="https://elsewhere.example/listings/1", url="https://elsewhere.example/jobs/1",
            title="Concept artist for a long-running tabletop campaign setting",
            description_source="Forty creature designs " * 20, kind="contract",
            location_mode="remote", pay_on_request=True, no_ai_work=True)
        return work.id
    finally:
        await db.disconnect()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("browser")
    url = f"sqlite://{tmp / 'impasto.sqlite3'}"
    env = impasto_env(url, tmp, REGISTRATION_MODE="open")
    migrate_for(env)
    created = run_cli(
        ["user", "create", "mira", "--admin", "--password-stdin"], env, stdin="a long enough password\n"
    )
    assert created.returncode == 0, created.stderr
    # Playwright's sync API owns this thread's event loop: seed from another thread.
    with ThreadPoolExecutor(1) as pool:
        work_id = pool.submit(asyncio.run, seed(url)).result()
    with running_server(env) as server:
        yield server.url, work_id


def watch(page) -> list[str]:
    """Collect every dialog and console error the page produces."""
    events: list[str] = []
    page.on("dialog", lambda dialog: (events.append(f"dialog: {dialog.message}"), dialog.dismiss()))
    page.on("console", lambda msg: msg.type == "error" and events.append(f"console: {msg.text}"))
    page.on("pageerror", lambda exc: events.append(f"pageerror: {exc}"))
    return events


def test_hostile_remote_content_is_inert(browser, site, screenshot):
    base, work_id = site
    page = browser.new_page(viewport={"width": 375, "height": 800})
    events = watch(page)
    page.goto(f"{base}/@mira/{work_id}")
    assert page.locator("h1").inner_text() == "Harbour at dusk"
    assert "Lovely harbour!" in page.locator(".replies").inner_text()
    page.locator(".replies a").click()  # the neutered javascript: link
    page.goto(f"{base}/@mira")
    screenshot(page, "work-and-profile-with-hostile-content")
    assert page.locator("script:not([src])").count() == 0
    assert page.locator("[onerror], [onclick], [onload], iframe").count() == 0
    assert events == [], events


@pytest.mark.parametrize("path", ["/", "/?available=work", "/@mira", "/login", "/signup", "/tags/oil",
                                  "/jobs", "/about"])
def test_pages_fit_375px_and_work_by_keyboard(browser, site, screenshot, path):
    base, _ = site
    page = browser.new_page(viewport={"width": 375, "height": 800})
    events = watch(page)
    page.goto(base + path)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at 375px"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    screenshot(page, "page" + path.replace("/", "_"))
    assert events == [], events


def test_login_by_keyboard_alone(browser, site):
    base, _ = site
    page = browser.new_page(viewport={"width": 375, "height": 800})
    page.goto(base + "/login")
    for _ in range(12):  # Tab through the header to the form, as a keyboard user does
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == "username":
            break
    else:
        pytest.fail("the username field cannot be reached by Tab")
    page.keyboard.type("mira")
    page.keyboard.press("Tab")
    page.keyboard.type("a long enough password")
    page.keyboard.press("Enter")
    page.wait_for_url(base + "/")
    assert page.get_by_role("button", name="Log out").count() == 1


@pytest.fixture(scope="module")
def logged_in(browser, site):
    """One browser context logged in as the admin artist, shared by the page checks."""
    base, _ = site
    context = browser.new_context(viewport={"width": 375, "height": 800})
    page = context.new_page()
    page.goto(base + "/login")
    page.fill("input[name=username]", "mira")
    page.fill("input[name=password]", "a long enough password")
    page.click("main button[type=submit]")
    page.wait_for_url(base + "/")
    page.close()
    yield context
    context.close()


@pytest.mark.parametrize(
    "path",
    [
        "/home",
        "/notifications",
        "/upload",
        "/settings",
        "/settings/password",
        "/settings/delete",
        "/settings/export",
        "/admin/",
        "/admin/registrations",
        "/admin/invites",
        "/admin/reports",
        "/admin/media-review",
        "/admin/domains",
        "/admin/subscriptions",
        "/admin/ai-report",
        "/admin/instance",
        "/jobs/new",
        "/jobs/applications",
        "/jobs/saved",
        "/jobs/posted",
        "/jobs/held",
        "/works/{work}/edit",
        "/works/{work}/delete",
    ],
)
def test_logged_in_pages_fit_375px_and_work_by_keyboard(logged_in, site, screenshot, path):
    base, work_id = site
    path = path.format(work=work_id)
    page = logged_in.new_page()
    events = watch(page)
    response = page.goto(base + path)
    assert response.status == 200, path
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at 375px"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    focusable = page.evaluate(
        "Array.from(document.querySelectorAll('main a, main button, main input, main select, main textarea'))"
        ".filter(e => !e.disabled && e.type !== 'hidden' && e.tabIndex >= 0).length"
    )
    reached = set()
    for _ in range(focusable + 12):  # every control of the page is reachable by Tab
        page.keyboard.press("Tab")
        reached.add(page.evaluate("document.activeElement.outerHTML.slice(0, 80)"))
    assert len([r for r in reached if not r.startswith("<body")]) >= min(focusable, 1)
    screenshot(page, "page" + path.replace("/", "_"))
    assert events == [], events
    page.close()
