"""Steps a person takes on many pages, shared by the browser tests."""

from __future__ import annotations

PASSWORD = "a long enough password"


def sign_up(page, base: str, username: str, password: str = PASSWORD) -> None:
    """Sign up through the form; ends signed in, on the new portfolio."""
    page.goto(base + "/signup")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.fill("input[name=password_again]", password)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/@{username}")


def log_in(page, base: str, username: str, password: str = PASSWORD) -> None:
    """Log in through the form; ends on the front page."""
    page.goto(base + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("main button[type=submit]")
    page.wait_for_url(base + "/")
