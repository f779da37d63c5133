"""A real SMTP server on loopback (aiosmtpd, in its own thread) that keeps what it receives,
so tests read the mail Impasto sent and follow its links.

    with smtp_server() as smtp:          # smtp.port, smtp.settings (IMPASTO_MAIL_* values)
        ...                              # make Impasto send
        link = smtp.link_in(smtp.only_message_to("mira@example.org"))

Addresses listed in `refuse` get a 550 at RCPT, as a server answers for an unknown mailbox.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller

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

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    @property
    def settings(self) -> dict[str, str]:
        """`[mail]` settings that point Impasto here (for impasto_env / make_services)."""
        return {"MAIL_HOST": "127.0.0.1", "MAIL_PORT": str(self.port), "MAIL_SECURITY": "none",
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
def smtp_server(refuse: tuple[str, ...] = ()) -> Iterator[SmtpServer]:
    handler = _Handler({a.lower() for a in refuse})
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()  # returns once the server answers
    try:
        yield SmtpServer(port, handler)
    finally:
        controller.stop()
