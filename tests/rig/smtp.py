"""A real SMTP server on loopback (aiosmtpd, in its own thread) that keeps what it receives,
so tests read the mail Impasto sent and follow its links.

    with smtp_server() as smtp:          # smtp.port, smtp.settings (IMPASTO_MAIL_* values)
        ...                              # make Impasto send
        link = smtp.link_in(smtp.only_message_to("mira@example.org"))

Addresses listed in `refuse` get a 550 at RCPT, as a server answers for an unknown mailbox.
With `tls` ("starttls" or "tls") the server speaks TLS with a certificate made for
127.0.0.1, which the client trusts when `SSL_CERT_FILE` names `smtp.cert_file`; with
`login` it insists on that user name and password, over TLS only.
"""

from __future__ import annotations

import re
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.rig.certificates import self_signed
from tests.rig.processes import free_port

LINK = re.compile(r"https?://\S+")


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage


@dataclass
class _Handler:
    refuse: set[str]
    received: list[Received] = field(default_factory=list)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address.lower() in self.refuse:
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


@dataclass
class SmtpServer:
    port: int
    handler: _Handler
    security: str = "none"
    cert_file: Path | None = None

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    @property
    def settings(self) -> dict[str, str]:
        """`[mail]` settings that point Impasto here (for impasto_env / make_services)."""
        return {"MAIL_HOST": "127.0.0.1", "MAIL_PORT": str(self.port), "MAIL_SECURITY": self.security,
                "MAIL_FROM_ADDRESS": "Impasto test <noreply@art.test>"}

    def to(self, address: str) -> list[EmailMessage]:
        return [r.message for r in self.received if address in r.recipients]

    def only_message_to(self, address: str) -> EmailMessage:
        found = self.to(address)
        assert len(found) == 1, f"{len(found)} messages to {address}: {[m['Subject'] for m in found]}"
        return found[0]

    @staticmethod
    def link_in(message: EmailMessage) -> str:
        body = message.get_body(("plain",))
        assert body is not None, "no text part"
        links = LINK.findall(body.get_content())
        assert len(links) == 1, links
        return links[0]


@contextmanager
def smtp_server(refuse: tuple[str, ...] = (), *, tls: str = "none", folder: Path | None = None,
                login: tuple[str, str] | None = None) -> Iterator[SmtpServer]:
    handler = _Handler({a.lower() for a in refuse})
    port = free_port()
    options: dict = {}
    cert_file = None
    if tls != "none":
        assert folder is not None, "a folder for the certificate"
        cert_file, key_file = self_signed(folder, "smtp")
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert_file, key_file)
        if tls == "tls":
            options.update(ssl_context=context, server_hostname="127.0.0.1")
        else:
            options.update(tls_context=context, require_starttls=True)
    if login is not None:
        def authenticate(server, session, envelope, mechanism, data) -> AuthResult:
            ok = isinstance(data, LoginPassword) and (data.login.decode(), data.password.decode()) == login
            return AuthResult(success=ok, handled=False)  # False: aiosmtpd answers 535 itself

        # aiosmtpd knows only STARTTLS as TLS: from the first byte, the socket is TLS anyway
        options.update(authenticator=authenticate, auth_required=True, auth_require_tls=tls != "tls")
    controller = Controller(handler, hostname="127.0.0.1", port=port, **options)
    controller.start()  # returns once the server answers
    try:
        yield SmtpServer(port, handler, tls, cert_file)
    finally:
        controller.stop()
