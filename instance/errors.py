"""The one base of every refusal a person can cause: `Refused` carries the HTTP status to
answer with and a message that is safe to show them. Domain errors (`WorkError`,
`SocialError`, `AccountError`, …) subclass it, and views let them through: the API turns
one into `{"error": message}` (`instance/api/errors.py`), the web into a message page
(`instance/web/render.py`), and the CLI into `impasto: error: message` — each mapped once.

Errors that are not a person's doing (a database down, a bug) are not `Refused`: they
stay 500s, logged with their traceback."""

from __future__ import annotations

from collections.abc import Mapping

from instance.translation import lazy_gettext


class Refused(Exception):
    """A request that cannot be done; the message says why, in words for its asker."""

    status: int = 422
    title: str = lazy_gettext("Not done")  # the heading of the web page that shows it

    def __init__(self, message: str, *, status: int | None = None,
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        self.headers: dict[str, str] = dict(headers or {})
