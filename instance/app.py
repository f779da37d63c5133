"""create_app(): the composition root. Builds the services once, registers the views, and
ties the database and the embedded worker to the server's lifetime."""

from __future__ import annotations

import asyncio
import importlib
import logging
import secrets
import time
import uuid
from datetime import timedelta
from pathlib import Path

from quart import Quart, Response, g, jsonify, request

from instance.config import Config
from instance.logs import request_id
from instance.services import Services, build_services, build_worker, close_services
from instance.storage import db

log = logging.getLogger("impasto.http")

BLUEPRINT_MODULES: tuple[str, ...] = (
    "instance.web.health",
    "instance.web.pages",
    "instance.web.auth",
    "instance.web.media_views",
    "instance.web.admin_domains",
    "instance.web.admin_queue",
    "instance.web.upload",
    "instance.web.social",
    "instance.web.settings",
    "instance.web.my_media",
    "instance.web.activitypub.discovery",
    "instance.web.activitypub.actors",
    "inbox.views",
    "instance.api.oauth.apps",
    "instance.api.oauth.authorize",
    "instance.api.instance_info",
    "instance.api.accounts",
    "instance.api.statuses",
    "instance.api.media",
    "instance.api.timelines",
    "instance.api.notifications",
    "instance.api.follow_requests",
    "instance.api.search",
    "instance.api.markers",
    "instance.api.streaming",
    "instance.api.empty",
    "instance.api.admin",
)


def load_secret_key(path: Path) -> str:
    """The session-signing secret: read it, or create it once with owner-only access."""
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.touch(mode=0o600)
    path.write_text(key, encoding="utf-8")
    return key


def create_app(config: Config, services: Services | None = None) -> Quart:
    services = services or build_services(config)
    app = Quart("instance")
    app.config["SECRET_KEY"] = load_secret_key(config.resolve_path(config.server.secret_key_file))
    app.config["MAX_CONTENT_LENGTH"] = config.media.max_upload_bytes + 1024 * 1024
    app.extensions["impasto"] = services
    app.config.update(
        SESSION_COOKIE_NAME="impasto_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.instance.scheme == "https",
        PERMANENT_SESSION_LIFETIME=timedelta(days=30),
    )
    from instance.web import render

    render.install(app, services)
    from instance.api import hooks

    hooks.install(app, services)  # JSON errors, rate limits and CORS for /api/ and /oauth/

    for module_name in BLUEPRINT_MODULES:
        app.register_blueprint(importlib.import_module(module_name).blueprint)

    running: list[tuple[asyncio.Event, asyncio.Task[None]]] = []  # the embedded worker

    @app.before_serving
    async def start() -> None:
        await db.connect(config.database_url, config.database.pool_size)
        if config.server.run_worker:
            worker = build_worker(services)
            services.jobs.notify = worker.notify
            stop = asyncio.Event()
            running.append((stop, asyncio.create_task(worker.run(stop))))

    @app.after_serving
    async def stop() -> None:
        for stop_worker, task in running:
            stop_worker.set()
            await task
        await close_services(services)
        await db.disconnect()

    @app.before_request
    async def tag_request() -> None:
        incoming = request.headers.get("X-Request-Id", "")
        g.request_id = incoming[:64] if incoming.isprintable() and incoming else uuid.uuid4().hex
        g.started = time.perf_counter()
        request_id.set(g.request_id)

    @app.after_request
    async def log_request(response: Response) -> Response:
        response.headers["X-Request-Id"] = g.get("request_id", "")
        elapsed_ms = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
        log.info(
            "request",
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "ms": round(elapsed_ms, 2),
            },
        )
        return response

    @app.errorhandler(413)
    async def too_large(_error: Exception):
        return jsonify(error="The request body is too large."), 413

    return app
