"""create_app(): the composition root. Builds the services once, registers the views, and
ties the database and the embedded worker to the server's lifetime."""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
import uuid
from datetime import timedelta
from pathlib import Path

from quart import Quart, Response, g, jsonify, request

from inbox import views as inbox_views
from instance import site_settings
from instance.api import accounts as api_accounts
from instance.api import admin as api_admin
from instance.api import conversations as api_conversations
from instance.api import domain_blocks as api_domain_blocks
from instance.api import empty as api_empty
from instance.api import filters as api_filters
from instance.api import filters_v1 as api_filters_v1
from instance.api import follow_requests as api_follow_requests
from instance.api import hooks
from instance.api import instance_info as api_instance_info
from instance.api import jobboard as api_jobboard
from instance.api import lists as api_lists
from instance.api import markers as api_markers
from instance.api import media as api_media
from instance.api import notification_requests as api_notification_requests
from instance.api import notifications as api_notifications
from instance.api import notifications_v2 as api_notifications_v2
from instance.api import polls as api_polls
from instance.api import push as api_push
from instance.api import scheduled_statuses as api_scheduled_statuses
from instance.api import search as api_search
from instance.api import statuses as api_statuses
from instance.api import streaming as api_streaming
from instance.api import tags as api_tags
from instance.api import timelines as api_timelines
from instance.api import trends as api_trends
from instance.api.errors import ApiError, refused_json, wants_json
from instance.api.oauth import apps as oauth_apps
from instance.api.oauth import authorize as oauth_authorize
from instance.config import Config
from instance.errors import Refused
from instance.job_handlers import build_worker
from instance.logs import request_id
from instance.services import Services, build_services, close_services
from instance.storage import db
from instance.web import admin_dashboard as web_admin_dashboard
from instance.web import admin_domains as web_admin_domains
from instance.web import admin_emoji as web_admin_emoji
from instance.web import admin_queue as web_admin_queue
from instance.web import admin_settings as web_admin_settings
from instance.web import admin_staff as web_admin_staff
from instance.web import auth as web_auth
from instance.web import collections as web_collections
from instance.web import health as web_health
from instance.web import i18n, inbox_fast_path, render
from instance.web import jobboard as web_jobboard
from instance.web import jobboard_apply as web_jobboard_apply
from instance.web import jobboard_federation as web_jobboard_federation
from instance.web import jobboard_moderation as web_jobboard_moderation
from instance.web import media_views as web_media_views
from instance.web import messages as web_messages
from instance.web import moving as web_moving
from instance.web import my_media as web_my_media
from instance.web import notifications as web_notifications
from instance.web import onboarding as web_onboarding
from instance.web import pages as web_pages
from instance.web import portability as web_portability
from instance.web import portfolio as web_portfolio
from instance.web import recovery as web_recovery
from instance.web import remote_interaction as web_remote_interaction
from instance.web import search as web_search
from instance.web import settings as web_settings
from instance.web import social as web_social
from instance.web import upload as web_upload
from instance.web import work_edit as web_work_edit
from instance.web.activitypub import actors as activitypub_actors
from instance.web.activitypub import discovery as activitypub_discovery
from instance.web.activitypub import jobboard as activitypub_jobboard
from instance.web.inbox_fast_path import INBOX_STAMP_SECONDS
from instance.web.render import refused_page
from instance.web.session import SigningSessionInterface

log = logging.getLogger("impasto.http")

VIEW_MODULES = (
    web_health,
    web_pages,
    web_auth,
    web_recovery,
    web_onboarding,
    web_media_views,
    web_admin_dashboard,
    web_admin_domains,
    web_admin_queue,
    web_admin_staff,
    web_admin_settings,
    web_admin_emoji,
    web_upload,
    web_social,
    web_remote_interaction,
    web_search,
    web_settings,
    web_portability,
    web_moving,
    web_my_media,
    web_work_edit,
    web_notifications,
    web_jobboard,
    web_jobboard_apply,
    web_jobboard_federation,
    web_portfolio,
    web_collections,
    web_messages,
    web_jobboard_moderation,
    activitypub_discovery,
    activitypub_actors,
    activitypub_jobboard,
    inbox_views,
    oauth_apps,
    oauth_authorize,
    api_instance_info,
    api_accounts,
    api_statuses,
    api_polls,
    api_scheduled_statuses,
    api_media,
    api_timelines,
    api_domain_blocks,
    api_lists,
    api_filters,
    api_filters_v1,
    api_notification_requests,
    api_notifications,
    api_notifications_v2,
    api_tags,
    api_trends,
    api_follow_requests,
    api_search,
    api_markers,
    api_jobboard,
    api_streaming,
    api_conversations,
    api_empty,
    api_push,
    api_admin,
)  # each has a `blueprint`; order is registration order


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
    app.session_interface = SigningSessionInterface()
    app.config.update(
        SESSION_COOKIE_NAME="impasto_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.instance.scheme == "https",
        PERMANENT_SESSION_LIFETIME=timedelta(days=30),
    )
    render.install(app, services)
    i18n.install(app)  # Babel catalogues, the request's locale, Jinja's {% trans %} and _()
    hooks.install(app, services)  # JSON errors, rate limits and CORS for /api/ and /oauth/

    for module in VIEW_MODULES:
        app.register_blueprint(module.blueprint)

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
        if request.method == "POST" and request.path.endswith("/inbox"):
            # The busiest route: a change made in another process reaches it within a
            # second (this process's own changes at once), not one query per activity.
            await site_settings.refresh(services, max_age=INBOX_STAMP_SECONDS)
        elif not request.path.startswith("/static/"):
            await site_settings.refresh(services)  # settings an admin changed anywhere

    @app.after_request
    async def log_request(response: Response) -> Response:
        response.headers["X-Request-Id"] = g.get("request_id", "")
        if not log.isEnabledFor(logging.INFO):
            return response
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

    @app.errorhandler(Refused)
    async def refused(exc: Refused):
        """Every refusal, mapped once: JSON for the client API, a page for people."""
        if isinstance(exc, ApiError) or wants_json(request.path):
            return refused_json(exc)
        return await refused_page(exc)

    # POST /inbox and /users/<name>/inbox answered before Quart: same code, same answers.
    app.asgi_app = app.extensions["impasto.inbox_fast_path"] = inbox_fast_path.wrap(  # type: ignore[method-assign,assignment]
        app.asgi_app, services)

    @app.errorhandler(413)
    async def too_large(_error: Exception):
        return jsonify(error="The request body is too large."), 413

    return app
