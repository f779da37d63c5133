"""Request-side helpers for federation views: the signed-fetch gate (authorized-fetch
mode), ActivityPub JSON responses, and content negotiation."""

from __future__ import annotations

import json
from typing import Any

from quart import Response, request

from federation.signatures import SignatureError, verify_request
from federation.vocab import AP_CONTENT_TYPE, is_activitypub_accept
from instance.actors.remote import resolve_key
from instance.moderation.gate import url_is_suspended
from instance.services import current_services


def public_url() -> str:
    """The URL the peer signed: our public base plus the path and query it requested."""
    query = request.query_string.decode("latin-1")
    return current_services().config.base_url + request.path + (f"?{query}" if query else "")


def wants_activitypub() -> bool:
    return is_activitypub_accept(request.headers.get("Accept"))


def ap_json(doc: Any, status: int = 200) -> Response:
    response = Response(
        json.dumps(doc, separators=(",", ":")), status=status, content_type=AP_CONTENT_TYPE
    )
    response.headers["Vary"] = "Accept, Signature"
    return response


def error(status: int, message: str) -> Response:
    return Response(json.dumps({"error": message}), status=status, content_type="application/json")


async def signed_requester() -> tuple[str | None, Response | None]:
    """Who signed this GET (the key owner's actor id, None if unsigned or, outside
    authorized-fetch mode, badly signed), and the refusal to send instead, if any: in
    authorized-fetch mode a GET for ActivityPub JSON must be signed by a key we can
    resolve, from a domain that is not suspended."""
    svc = current_services()
    signed = "signature" in request.headers or "signature-input" in request.headers
    if not signed:
        if svc.config.federation.authorized_fetch:
            return None, error(401, "authorized fetch: sign this request")
        return None, None
    try:
        verified = await verify_request(
            request.method, public_url(), dict(request.headers), b"",
            lambda key_id, refresh: _resolve_unless_suspended(svc, key_id, refresh),
        )
    except SignatureError as exc:
        if svc.config.federation.authorized_fetch:
            return None, error(exc.status, exc.reason)
        return None, None  # a bad signature on a public document changes nothing
    if await url_is_suspended(svc, verified.owner):
        return None, error(403, "your domain is suspended here")
    return verified.owner, None


async def signed_fetch_refusal() -> Response | None:
    """The refusal signed_requester() decided on, for documents anyone may read."""
    return (await signed_requester())[1]


async def _resolve_unless_suspended(svc: Any, key_id: str, refresh: bool):
    if await url_is_suspended(svc, key_id):
        raise SignatureError(403, "your domain is suspended here")
    return await resolve_key(svc, key_id, refresh)
