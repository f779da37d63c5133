"""The one exception the media pipeline raises for bad input.

Callers turn it into an HTTP 422 or a CLI message, so `message` is written for a
person and `code` is a stable machine-readable string (e.g. ``"truncated"``).
"""

from __future__ import annotations


class MediaRejected(Exception):
    """An upload the pipeline refuses, with a stable `code` and a human `message`.

    The constructor arguments are kept in ``args`` so the exception pickles across a
    ``ProcessPoolExecutor`` boundary unchanged.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return f"{self.message} [{self.code}]"

    def __repr__(self) -> str:
        return f"MediaRejected({self.code!r}, {self.message!r})"
