"""Sending mail through the SMTP server of `[mail]`, with the standard library's smtplib in a
thread (ten lines did not justify an async SMTP dependency).

Only jobs call `send`: a request never waits for an SMTP server. Failures are sorted for
the job runner: the network, a busy server (4xx) or a refused login are worth another
attempt (`Retry`), a refused address or message (5xx) is not (`Permanent`).
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid

from instance.config import Config, ConfigError
from instance.jobs.errors import Permanent, Retry


class MailNotConfigured(Permanent):
    """There is no `[mail] host`: nothing can be sent."""


def sender(config: Config) -> str:
    """`[mail] from_address`, else the instance's name at noreply@ its host (quoted as a
    display name needs: a comma in the name must not make two addresses)."""
    host = config.instance.domain.rpartition(":")[0] or config.instance.domain
    return config.mail.from_address or formataddr((config.instance.name, f"noreply@{host}"))


def compose(config: Config, to: str, subject: str, body: str) -> EmailMessage:
    """A plain-text message from this instance."""
    message = EmailMessage()
    message["From"] = sender(config)
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=config.instance.domain.partition(":")[0] or None)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body)
    return message


def _password(config: Config) -> str:
    settings = config.mail
    if settings.password or not settings.password_file:
        return settings.password
    path = config.resolve_path(settings.password_file)
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigError(f"[mail] password_file {path}: cannot read it: {exc}") from None


def _send_blocking(config: Config, message: EmailMessage) -> None:
    settings = config.mail
    context = ssl.create_default_context()
    smtp: smtplib.SMTP
    if settings.security == "tls":
        smtp = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout, context=context)
    else:
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    with smtp:
        if settings.security == "starttls":
            smtp.starttls(context=context)
        if settings.username:
            smtp.login(settings.username, _password(config))
        smtp.send_message(message)


async def send(config: Config, message: EmailMessage, attempt: int = 1) -> None:
    """Send one message, or raise `Retry` / `Permanent` saying why not."""
    if not config.mail.enabled:
        raise MailNotConfigured("no [mail] host is configured")
    after = min(3600.0, 30.0 * 2 ** (attempt - 1))
    try:
        await asyncio.to_thread(_send_blocking, config, message)
    except ConfigError as exc:
        raise Retry(after, str(exc)) from None
    except smtplib.SMTPRecipientsRefused as exc:
        raise Permanent(f"the SMTP server refused the address: {exc.recipients}") from None
    except smtplib.SMTPAuthenticationError as exc:
        raise Retry(after, f"the SMTP server refused the login (see [mail] username): {exc}") from None
    except smtplib.SMTPResponseException as exc:
        answer = f"{exc.smtp_code} {exc.smtp_error!r}"
        if 500 <= exc.smtp_code < 600:
            raise Permanent(f"the SMTP server refused the message: {answer}") from None
        raise Retry(after, f"the SMTP server answered {answer}") from None
    except (smtplib.SMTPException, OSError) as exc:
        where = f"{config.mail.host}:{config.mail.port}"
        raise Retry(after, f"cannot reach the SMTP server {where}: {exc}") from None
