"""Links that act for an account: password reset and sign-up confirmation.

A link carries a random secret; only its SHA-256 is stored (`EmailToken`), it expires,
and following it works once (a conditional UPDATE, so two clicks cannot both win). The
secret is made by the job that mails it, so it never rests in the job queue either. An
admin without SMTP gets a reset link from the CLI (`reset_link`).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from tortoise.transactions import in_transaction

from instance import mail
from instance.actors.accounts import get_local_user, hash_password
from instance.errors import Refused
from instance.jobs import kinds
from instance.jobs.errors import Permanent
from instance.jobs.registry import JobContext
from instance.services import Services
from instance.storage.models import EmailToken, TokenPurpose, User
from instance.translation import gettext, in_locale, lazy_gettext, locale_of
from instance.translation import gettext as _
from instance.urls import LocalUrls

LIFETIMES = {
    TokenPurpose.RESET_PASSWORD: timedelta(hours=1),
    TokenPurpose.CONFIRM_EMAIL: timedelta(days=3),
}


class LinkRefused(Refused):
    """A mailed link that is unknown, expired or already used."""

    status = 410
    title = lazy_gettext("This link no longer works")


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


async def issue(user: User, purpose: TokenPurpose) -> str:
    """A new secret for `user`; returns it (the only copy) and stores its hash."""
    raw = secrets.token_urlsafe(32)
    await EmailToken.create(
        user_id=user.id, purpose=purpose.value, token_hash=_digest(raw),
        expires_at=datetime.now(UTC) + LIFETIMES[purpose],
    )
    return raw


async def check(raw: str, purpose: TokenPurpose) -> EmailToken:
    """The live token for this secret, or `LinkRefused` saying what is wrong with it."""
    token = await EmailToken.get_or_none(token_hash=_digest(raw[:200]), purpose=purpose.value)
    again = (_("Ask for a new password-reset link.") if purpose is TokenPurpose.RESET_PASSWORD
             else _("If your sign-up is still unconfirmed, ask for a new link at /signup/resend."))
    if token is None:
        raise LinkRefused(_("This link is not one we sent, or it was cut short. %(again)s",
                            again=again), status=404)
    if token.used_at is not None:
        raise LinkRefused(_("This link was already used. %(again)s", again=again))
    if token.expires_at <= datetime.now(UTC):
        raise LinkRefused(_("This link has expired. %(again)s", again=again))
    return token


async def _consume(raw: str, purpose: TokenPurpose, connection) -> EmailToken:
    token = await check(raw, purpose)
    now = datetime.now(UTC)
    won = await EmailToken.filter(id=token.id, used_at=None, expires_at__gt=now).using_db(
        connection).update(used_at=now)
    if not won:
        raise LinkRefused(_("This link was already used."))
    return token


async def reset_password(raw: str, password: str) -> User:
    """Set a new password through a reset link. The link proves the address, so a sign-up
    still waiting for its confirmation is confirmed too; other reset links stop working."""
    password_hash = hash_password(password)  # refuses a short password before the link is spent
    async with in_transaction() as connection:
        token = await _consume(raw, TokenPurpose.RESET_PASSWORD, connection)
        await User.filter(id=token.user_id).using_db(connection).update(
            password_hash=password_hash, email_pending=False)
        await EmailToken.filter(
            user_id=token.user_id, purpose=TokenPurpose.RESET_PASSWORD.value, used_at=None
        ).using_db(connection).update(used_at=datetime.now(UTC))
    return await User.get(id=token.user_id).prefetch_related("account")


async def confirm_email(raw: str) -> User:
    async with in_transaction() as connection:
        token = await _consume(raw, TokenPurpose.CONFIRM_EMAIL, connection)
        await User.filter(id=token.user_id).using_db(connection).update(email_pending=False)
    return await User.get(id=token.user_id).prefetch_related("account")


async def reset_link(urls: LocalUrls, username: str) -> str:
    """A one-time reset link for the CLI, for instances without mail."""
    user = await get_local_user(username)
    return urls.reset_password(await issue(user, TokenPurpose.RESET_PASSWORD))


async def request_link(services: Services, purpose: TokenPurpose, email: str) -> None:
    """Someone typed `email` into "Forgot password?" or "Send the confirmation again".
    One job is queued whatever the address, and the job looks the account up: the page
    answers the same, and just as fast, whether someone has an account here or not."""
    email = email.strip()
    if "@" in email and len(email) <= 320:
        await _queue(services, {"email": email, "purpose": purpose.value})


async def send_link(services: Services, user: User, purpose: TokenPurpose) -> None:
    await _queue(services, {"user_id": user.id, "purpose": purpose.value})


async def _queue(services: Services, payload: dict) -> None:
    """Queue the mail (nothing to queue on an instance without `[mail] host`)."""
    if services.config.mail.enabled:
        await services.jobs.enqueue(kinds.SEND_ACCOUNT_MAIL, payload)


async def _recipient(payload: dict, purpose: TokenPurpose) -> User | None:
    """The account a link goes to: by id (a sign-up), or by the address typed into a
    form; None when nobody should get one (no such address, confirmed already)."""
    if "user_id" in payload:
        query = User.filter(id=payload["user_id"])
    else:
        query = User.filter(email__iexact=str(payload.get("email", "")))
    if purpose is TokenPurpose.CONFIRM_EMAIL:
        query = query.filter(email_pending=True)
    return await query.filter(disabled=False, email__not_isnull=True).prefetch_related("account").first()


def _message_text(services: Services, username: str, purpose: TokenPurpose, link: str) -> tuple[str, str]:
    name, host = services.config.instance.name, services.config.instance.domain
    """The subject and body, in the current language (the job sets the recipient's)."""
    if purpose is TokenPurpose.RESET_PASSWORD:
        return (
            gettext("Reset your password on %(name)s", name=name),
            gettext("Someone (we hope you) asked to reset the password of @%(username)s on "
                    "%(name)s (%(host)s).", username=username, name=name, host=host) + "\n\n"
            + gettext("Choose a new password here within the hour:") + f"\n{link}\n\n"
            + gettext("The link works once. If you did not ask, ignore this mail: your password "
                      "stays as it is.") + "\n",
        )
    return (
        gettext("Confirm your email address for %(name)s", name=name),
        gettext("Welcome to %(name)s (%(host)s), @%(username)s.", name=name, host=host,
                username=username) + "\n\n"
        + gettext("Confirm that this address is yours to finish signing up (the link works for "
                  "three days):") + f"\n{link}\n\n"
        + gettext("If you did not sign up, ignore this mail and the account will not be usable.")
        + "\n",
    )


async def send_link_job(ctx: JobContext, payload: dict) -> None:
    """The `mail.account_link` job: make a fresh link and mail it to the account."""
    try:
        purpose = TokenPurpose(str(payload.get("purpose")))
    except ValueError:
        raise Permanent(f"unknown link purpose {payload.get('purpose')!r}") from None
    user = await _recipient(payload, purpose)
    if user is None or not user.email:
        return  # nobody to mail: no such address, suspended, or confirmed meanwhile
    services = ctx.services
    raw = await issue(user, purpose)
    link = (services.urls.reset_password(raw) if purpose is TokenPurpose.RESET_PASSWORD
            else services.urls.confirm_email(raw))
    with in_locale(locale_of(user)):  # the recipient's saved language, else the default
        subject, body = _message_text(services, user.account.username, purpose, link)
    message = mail.compose(services.config, user.email, subject, body)
    await mail.send(services.config, message, ctx.attempt)
