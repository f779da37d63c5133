"""API errors: every failure a client can cause is a 4xx with {"error": "…"}, never a 500.
Any `Refused` becomes that body here (`refused_json`); as Mastodon does, a 422 from the
domain reads "Validation failed: …"."""

from __future__ import annotations

from typing import NoReturn

from quart import Response, jsonify

from instance.errors import Refused


class ApiError(Refused):
    """Raised anywhere in an API view, with the exact status and message to send."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message, status=status, headers=headers)


def fail(status: int, message: str) -> NoReturn:
    raise ApiError(status, message)


def not_found(what: str = "Record") -> NoReturn:
    raise ApiError(404, f"{what} not found")


def refused_json(exc: Refused) -> tuple[Response, int, dict[str, str]]:
    message = exc.message
    if exc.status == 422 and not isinstance(exc, ApiError):
        message = f"Validation failed: {message}"
    return jsonify(error=message), exc.status, exc.headers


JSON_PREFIXES = ("/api/", "/oauth/", "/.well-known/oauth")


def wants_json(path: str) -> bool:
    return path.startswith(JSON_PREFIXES)
