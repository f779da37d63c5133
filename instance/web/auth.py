"""Sign-up (per registration mode), log-in, log-out and password change for browsers."""

from __future__ import annotations

from datetime import UTC, datetime

from quart import Blueprint, redirect, render_template, request, url_for
from tortoise.expressions import F

from instance.actors.accounts import AccountError, create_local_user, hash_password, verify_password
from instance.actors.email_links import send_link
from instance.actors.invites import InviteRefused, usable_invite
from instance.actors.invites import problem as invite_problem
from instance.services import current_services
from instance.storage.models import Account, Invite, Notification, TokenPurpose, User
from instance.web.csrf import check_csrf
from instance.web.i18n import DEFAULT, current_locale, gettext, ngettext
from instance.web.redirects import same_origin_path
from instance.web.session import current_user, log_in, log_out, login_required
from instance.web.throttle import Throttle

blueprint = Blueprint("auth", __name__)
blueprint.before_request(check_csrf)

login_throttle = Throttle("login", limit=5, window_seconds=300)


def _safe_next(target: str | None) -> str:
    """Only same-site paths: never redirect a log-in to another site."""
    return same_origin_path(target) or url_for("pages.home")


@blueprint.route("/login", methods=["GET", "POST"])
async def login():
    error = None
    status = 200
    pending = False  # the page offers to send the confirmation link again
    if request.method == "POST":
        form = await request.form
        username = form.get("username", "").strip().lstrip("@").lower()
        client = request.remote_addr or "unknown"
        wait = await login_throttle.retry_after(f"ip:{client}", f"user:{username}")
        if wait:
            error, status = ngettext("Too many failed attempts. Try again in %(num)d second.",
                                     "Too many failed attempts. Try again in %(num)d seconds.",
                                     int(wait) + 1), 429
        else:
            user = await User.filter(account__username=username, account__domain=None).first()
            if user is None or not verify_password(user.password_hash, form.get("password", "")):
                await login_throttle.failed(f"ip:{client}", f"user:{username}")
                error, status = gettext("That username and password do not match."), 401
            elif user.disabled:
                error, status = gettext("This account is suspended."), 403
            elif user.email_pending:
                pending = True
                error, status = gettext("Confirm your email address first: open the link we "
                                        "mailed you when you signed up."), 403
            elif not user.approved:
                error, status = gettext("Your sign-up is waiting for a moderator's approval."), 403
            else:
                await login_throttle.succeeded(f"user:{username}")
                log_in(user)
                await User.filter(id=user.id).update(last_login_at=datetime.now(UTC))
                return redirect(_safe_next(form.get("next")))
    return await render_template(
        "login.html", error=error, next=same_origin_path(request.args.get("next")) or "",
        title=gettext("Log in"),
        email_pending=pending,
    ), status


@blueprint.post("/logout")
async def logout():
    log_out()
    return redirect(url_for("pages.home"))


@blueprint.get("/invite/<code>")
async def invite_link(code: str):
    """An invite link: on to the sign-up form with the code filled in, or why it cannot be used."""
    invite = await Invite.get_or_none(code=code[:64])
    reason = invite_problem(invite)
    if reason:
        return await render_template("message.html", title=gettext("This invite cannot be used"),
                                     message=reason), 404 if invite is None else 410
    return redirect(url_for(".signup", invite=code))


@blueprint.route("/signup", methods=["GET", "POST"])
async def signup():
    services = current_services()
    mode = services.config.registration.mode
    form = await request.form if request.method == "POST" else {}
    code = (form.get("invite") or request.args.get("invite") or "").strip()
    if mode == "closed" and not code:
        return await render_template(
            "message.html", title=gettext("Sign-ups are closed"),
            message=gettext("This collective is not taking new members at the moment, except by invite."),
        ), 403
    error, status = None, 200
    if request.method == "POST":
        invite = None
        if code or mode in ("invite", "closed"):
            try:
                invite = await usable_invite(code)
            except InviteRefused as exc:
                error, status = exc.message, 422
        if error is None and form.get("password", "") != form.get("password_again", ""):
            error, status = gettext("The two passwords differ."), 422
        confirm = services.config.mail.enabled
        needs_approval = mode == "approval" and invite is None  # an invite skips approval
        if error is None:
            try:
                user = await create_local_user(
                    services.urls, form.get("username", ""), form.get("password", ""),
                    email=form.get("email", "").strip()[:320] or None,
                    approved=not needs_approval,
                    display_name=form.get("display_name", "").strip(),
                    email_pending=confirm,
                )
            except AccountError as exc:
                error, status = str(exc), 422
            else:
                reason = _answers(services.config.registration.questions, form)
                await _after_signup(user, invite, reason, needs_approval)
                if confirm:
                    await send_link(services, user, TokenPurpose.CONFIRM_EMAIL)
                    review = (" " + gettext("Then a moderator reviews your sign-up.")
                              if needs_approval else "")
                    return await render_template(
                        "message.html", title=gettext("Check your email"), resend_link=True,
                        message=gettext("We have sent a link to %(email)s. Open it to confirm the "
                                        "address and finish signing up.", email=user.email) + review,
                    )
                if needs_approval:
                    return await render_template(
                        "message.html", title=gettext("Thank you"),
                        message=gettext("Your sign-up is waiting for a moderator's approval."),
                    )
                await user.fetch_related("account")
                log_in(user)
                return redirect(url_for("pages.profile", username=user.account.username))
    return await render_template("signup.html", mode=mode, error=error, form=form, title=gettext("Sign up"),
                                 invite_code=code, email_required=services.config.mail.enabled,
                                 questions=services.config.registration.questions,
                                 rules=services.config.instance.rules), status


def _answers(questions: list[str], form) -> str:
    """The applicant's reason and their answers to the sign-up questions, as one text."""
    parts = [form.get("reason", "").strip()]
    parts += [f"{q}\n{form.get(f'answer_{n}', '').strip()[:1000]}" for n, q in enumerate(questions)]
    return "\n\n".join(part for part in parts if part)


async def _after_signup(user: User, invite: Invite | None, reason: str, needs_approval: bool) -> None:
    if invite is not None:
        await Invite.filter(id=invite.id).update(uses=F("uses") + 1)
        user.invite = invite
    user.signup_reason = reason.strip()[:2000]
    if current_locale() != DEFAULT:  # the language they signed up in: their mails speak it
        user.settings = {**(user.settings or {}), "locale": current_locale()}
    await user.save()
    if needs_approval:
        staff = await Account.filter(user__role__in=("admin", "moderator"), domain=None)
        for a in staff:  # one create each: a create queues its Web Push (instance.push.trigger)
            await Notification.create(recipient=a, kind="admin.sign_up", from_account_id=user.account_id)


@blueprint.route("/settings/password", methods=["GET", "POST"])
@login_required
async def change_password():
    user = await current_user()
    error, done, status = None, False, 200
    if request.method == "POST":
        form = await request.form
        if not verify_password(user.password_hash, form.get("current", "")):
            error, status = gettext("Your current password is not right."), 422
        elif form.get("new", "") != form.get("new_again", ""):
            error, status = gettext("The two new passwords differ."), 422
        else:
            try:
                user.password_hash = hash_password(form.get("new", ""))
            except AccountError as exc:
                error, status = str(exc), 422
            else:
                await user.save(update_fields=["password_hash"])
                log_in(user)  # this browser stays logged in; others are logged out
                done = True
    return await render_template(
        "password.html", error=error, done=done, title=gettext("Change password")
    ), status


@blueprint.app_errorhandler(400)
@blueprint.app_errorhandler(403)
@blueprint.app_errorhandler(404)
async def page_error(error):
    """Friendly error pages for browsers; JSON for API clients (their views set it)."""
    code = getattr(error, "code", 500)
    description = getattr(error, "description", "") or gettext("Something went wrong.")
    if request.path.startswith(("/api/", "/oauth/", "/.well-known/", "/users/", "/inbox", "/nodeinfo")):
        from quart import jsonify

        return jsonify(error=description), code
    return await render_template("message.html", title=gettext("Error %(code)s", code=code),
                                 message=description), code


