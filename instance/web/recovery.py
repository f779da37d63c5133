"""Pages for the mailed links: "Forgot password?", the reset page a link opens, the
confirmation of a sign-up and sending that confirmation again.

The forms that take an email address answer the same whether an account uses it or not,
so they cannot be used to find out who is here; they are throttled per client and per
address so they cannot flood someone's inbox either.
"""

from __future__ import annotations

from quart import Blueprint, render_template, request

from instance.actors import email_links
from instance.actors.accounts import AccountError
from instance.services import current_services
from instance.storage.models import TokenPurpose
from instance.web.csrf import check_csrf
from instance.web.i18n import gettext
from instance.web.throttle import Throttle

blueprint = Blueprint("recovery", __name__)
blueprint.before_request(check_csrf)

mail_throttle = Throttle("mail", limit=5, window_seconds=900)

NO_REFERRER = {"Referrer-Policy": "no-referrer"}  # the secret is in the page's URL


async def _throttled(email: str) -> float:
    keys = (f"ip:{request.remote_addr or 'unknown'}", f"mail:{email.strip().lower()}")
    wait = await mail_throttle.retry_after(*keys)
    if not wait:
        await mail_throttle.failed(*keys)  # every request counts, sent or not
    return wait


async def _email_form(purpose: TokenPurpose) -> tuple[str, int]:
    services = current_services()
    mail_enabled = services.config.mail.enabled
    sent, error, status = False, None, 200
    if request.method == "POST" and mail_enabled:
        email = (await request.form).get("email", "")
        wait = await _throttled(email)
        if wait:
            error, status = f"Too many requests. Try again in {int(wait) + 1} seconds.", 429
        else:
            await email_links.request_link(services, purpose, email)
            sent = True
    reset = purpose is TokenPurpose.RESET_PASSWORD
    return await render_template(
        "email_link_form.html", kind=purpose.value, mail_enabled=mail_enabled, sent=sent, error=error,
        title=gettext("Reset your password") if reset else gettext("Send the confirmation again"),
    ), status


@blueprint.route("/password/forgot", methods=["GET", "POST"])
async def forgot():
    return await _email_form(TokenPurpose.RESET_PASSWORD)


@blueprint.route("/signup/resend", methods=["GET", "POST"])
async def resend():
    return await _email_form(TokenPurpose.CONFIRM_EMAIL)


@blueprint.route("/password/reset/<token>", methods=["GET", "POST"])
async def reset(token: str):
    await email_links.check(token, TokenPurpose.RESET_PASSWORD)
    error, status = None, 200
    if request.method == "POST":
        form = await request.form
        if form.get("password", "") != form.get("password_again", ""):
            error, status = "The two passwords differ.", 422
        else:
            try:
                user = await email_links.reset_password(token, form.get("password", ""))
            except AccountError as exc:
                error, status = f"Not changed: {exc}.", 422
            else:
                return await render_template(
                    "reset_password.html", done=True, username=user.account.username,
                    title=gettext("Password changed"),
                ), 200, NO_REFERRER
    return await render_template(
        "reset_password.html", done=False, error=error, title=gettext("Choose a new password")
    ), status, NO_REFERRER


@blueprint.get("/signup/confirm/<token>")
async def confirm(token: str):
    user = await email_links.confirm_email(token)
    waiting = ("" if user.approved else " " + gettext(
        "A moderator still reviews your sign-up; you can log in once they approve it."))
    return await render_template(
        "message.html", title=gettext("Your email address is confirmed"),
        message=gettext("Thank you, @%(name)s.", name=user.account.username) + waiting,
        login_link=user.approved,
    ), 200, NO_REFERRER
