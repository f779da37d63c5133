"""What the client API adds to the app: JSON errors for /api/ and /oauth/ paths, rate
limits with Mastodon's headers, and CORS for browser clients."""

from __future__ import annotations

import logging

from quart import Quart, Response, g, jsonify, request
from werkzeug.exceptions import HTTPException

from instance.api.errors import ApiError, wants_json
from instance.api.ratelimit import RateLimiter, client_key, headers
from instance.services import Services
from instance.storage import db

log = logging.getLogger("impasto.api")

UPLOAD_PATHS = ("/api/v1/media", "/api/v2/media")
UNAVAILABLE = "The database is unavailable for a moment (restarting?); try again shortly."
RETRY_AFTER = "30"


def unavailable() -> Response:
    """503 with Retry-After while the database server is away: peers and clients retry,
    and nothing was half-stored (the request's writes never reached the database). The
    page is plain (a template could need the database itself)."""
    log.warning("database unavailable", extra={"path": request.path})
    if wants_json(request.path):
        response = jsonify(error=UNAVAILABLE)
    else:
        response = Response(f"<!doctype html><title>Unavailable</title><p>{UNAVAILABLE}</p>",
                            content_type="text/html; charset=utf-8")
    response.status_code = 503
    response.headers["Retry-After"] = RETRY_AFTER
    return response


def install(app: Quart, services: Services) -> None:
    config = services.config.api
    general = RateLimiter("general", config.rate_limit, config.rate_limit_window)
    uploads = RateLimiter("media", config.media_rate_limit, 1800)

    @app.before_request
    async def rate_limit() -> Response | None:
        path = request.path
        if not path.startswith("/api/") or request.method == "OPTIONS":
            return None
        key = client_key(request.headers.get("Authorization", ""), request.remote_addr)
        limiter = uploads if request.method == "POST" and path in UPLOAD_PATHS else general
        allowed, remaining, reset = await limiter.hit(key)
        g.rate_headers = headers(limiter.limit, remaining, reset)
        if not allowed:
            raise ApiError(429, "Too many requests", g.rate_headers)
        return None

    @app.after_request
    async def api_headers(response: Response) -> Response:
        if wants_json(request.path):
            for name, value in g.get("rate_headers", {}).items():
                response.headers.setdefault(name, value)
            response.headers["Access-Control-Allow-Origin"] = "*"
            response.headers["Access-Control-Expose-Headers"] = (
                "Link, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, X-Request-Id"
            )
            if request.method == "OPTIONS":
                response.headers["Access-Control-Allow-Headers"] = (
                    "Authorization, Content-Type, Idempotency-Key"
                )
                response.headers["Access-Control-Allow-Methods"] = "GET, POST, PUT, PATCH, DELETE"
        return response

    @app.errorhandler(405)
    @app.errorhandler(415)
    @app.errorhandler(429)
    async def http_error(exc: HTTPException):
        if wants_json(request.path):
            return jsonify(error=exc.description or exc.name), exc.code
        return exc

    @app.errorhandler(500)
    async def server_error(exc: HTTPException):
        original = getattr(exc, "original_exception", None)
        if original is not None and db.is_unavailable(original):
            return unavailable()
        if original is not None:
            log.error("unhandled error", exc_info=original)
        if wants_json(request.path):
            return jsonify(error="Something went wrong on the server"), 500
        return exc
