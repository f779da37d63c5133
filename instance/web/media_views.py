"""Serve public media variants and the opt-out documents; add opt-out headers to HTML.

Only the public area is reachable: `/media/<key>` accepts a key that passes the store's
safe-key check and names a WebP or JPEG variant; the store resolves it under its public
folder and refuses symlinks. Originals live in a private folder no route maps to.
Responses are cacheable for a year; not `immutable`, because a re-render (a new cloak
level) replaces a variant under the same key, and a reload should then revalidate
(ETag / Last-Modified).

The opt-out signals (robots.txt, /ai.txt, TDMRep, `X-Robots-Tag: noai, noimageai`) are
requests to crawlers, not enforcement; see media/optout.py.
"""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

from quart import Blueprint, Response, abort, redirect, request, send_file
from werkzeug.wrappers.response import Response as WerkzeugResponse

from instance.services import Services, current_services
from media import optout
from media.storage import Area, InvalidKey, StoreUnavailable, check_key

blueprint = Blueprint("media_views", __name__)

CONTENT_TYPES = {"webp": "image/webp", "jpg": "image/jpeg"}
CACHE_CONTROL = "public, max-age=31536000"



def optout_headers_for(config: Any) -> dict[str, str]:
    """The configured opt-out headers ([optout] robots / tdmrep switch each part)."""
    headers = optout.optout_headers()
    if not config.optout.robots:
        headers.pop("X-Robots-Tag", None)
    if not config.optout.tdmrep:
        headers.pop("tdm-reservation", None)
    return headers


@blueprint.get("/media/<path:key>")
async def serve_media(key: str) -> Response | WerkzeugResponse:
    try:
        check_key(key)
    except InvalidKey:
        abort(404)
    content_type = CONTENT_TYPES.get(key.rsplit(".", 1)[-1].lower())
    if content_type is None:
        abort(404)
    services = current_services()
    response: Response | WerkzeugResponse
    if services.config.media.backend == "s3":
        response = await _from_object_store(services, key, content_type)
    else:
        try:
            path = services.media_store.path_for_serving(key)
        except InvalidKey:  # a folder symlinked out of the store
            path = None
        if path is None:
            abort(404)
        response = await send_file(path, mimetype=content_type, conditional=True)
    if response.status_code != 302:  # a redirect to the public URL keeps its shorter life
        response.headers["Cache-Control"] = CACHE_CONTROL
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'"
    response.headers.update(optout_headers_for(current_services().config))
    return response


async def _from_object_store(services: Services, key: str, content_type: str
                             ) -> Response | WerkzeugResponse:
    """`/media/KEY` stays the one URL of a variant whatever the backend (ids already sent
    to other servers keep working after `impasto media move-storage`): with a public base
    URL it redirects there (a CDN serves the bytes), otherwise the server reads and serves
    them itself, with an ETag so browsers revalidate cheaply."""
    public_url = services.config.s3.public_url.rstrip("/")
    if public_url:
        moved = redirect(f"{public_url}/{key}", 302)
        moved.headers["Cache-Control"] = "public, max-age=86400"  # the target may move
        return moved
    try:
        data = await asyncio.to_thread(services.media_store.get, Area.VARIANTS, key)
    except FileNotFoundError:
        abort(404)
    except StoreUnavailable:
        abort(503, description="The media store is not answering; try again in a minute.")
    etag = hashlib.md5(data, usedforsecurity=False).hexdigest()
    if etag in request.if_none_match:
        response = Response(b"", status=304)
    else:
        response = Response(data, mimetype=content_type)
    response.set_etag(etag)
    return response


def _text(body: str, content_type: str = "text/plain; charset=utf-8") -> Response:
    response = Response(body, content_type=content_type)
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@blueprint.get("/robots.txt")
async def robots_txt() -> Response:
    if not current_services().config.optout.robots:
        return _text("User-agent: *\nAllow: /\n")
    return _text(optout.robots_txt(disallow_for_all=("/settings", "/admin", "/oauth")))


@blueprint.get("/ai.txt")
async def ai_txt() -> Response:
    if not current_services().config.optout.robots:
        abort(404)
    return _text(optout.ai_txt())


@blueprint.get("/.well-known/tdmrep.json")
async def tdmrep_json() -> Response:
    if not current_services().config.optout.tdmrep:
        abort(404)
    return _text(optout.tdmrep_json(), "application/json")


@blueprint.after_app_request
async def add_optout_headers(response: Response) -> Response:
    """HTML pages carry the same opt-out headers as media (the meta tags are in the
    templates)."""
    if response.mimetype == "text/html":
        for name, value in optout_headers_for(current_services().config).items():
            response.headers.setdefault(name, value)
    return response
