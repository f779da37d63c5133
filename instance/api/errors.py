"""API errors: every failure a client can cause is a 4xx with {"error": "…"}, never a 500."""

from __future__ import annotations

from typing import NoReturn

from quart import Response, jsonify


class ApiError(Exception):
    """Raised anywhere in an API view; the app turns it into JSON with its status."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def fail(status: int, message: str) -> NoReturn:
    raise ApiError(status, message)


def not_found(what: str = "Record") -> NoReturn:
    raise ApiError(404, f"{what} not found")


def error_response(exc: ApiError) -> tuple[Response, int, dict[str, str]]:
    return jsonify(error=exc.message), exc.status, exc.headers


JSON_PREFIXES = ("/api/", "/oauth/", "/.well-known/oauth")


def wants_json(path: str) -> bool:
    return path.startswith(JSON_PREFIXES)
