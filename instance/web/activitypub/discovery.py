"""Discovery: WebFinger (acct: round-trips), host-meta, NodeInfo 2.0/2.1 with the
instance's AI-content policy and whether media is cloaked. Always public, never signed."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from quart import Blueprint, Response, request

from federation.discovery import (
    JRD_CONTENT_TYPE,
    XRD_CONTENT_TYPE,
    DiscoveryError,
    host_meta_xrd,
    nodeinfo,
    nodeinfo_content_type,
    nodeinfo_links,
    parse_acct,
    webfinger_jrd,
)
from instance import __version__
from instance.actors.instance_actor import INSTANCE_ACTOR_USERNAME, instance_actor
from instance.actors.jobs_actor import JOBS_ACTOR_USERNAME, JOBS_WEBFINGER_NAME, jobs_actor
from instance.services import current_services
from instance.storage.models import Account, User, Work, WorkState
from instance.web.activitypub.signed_fetch import error

blueprint = Blueprint("federation_discovery", __name__)


def _json(doc: object, content_type: str) -> Response:
    response = Response(json.dumps(doc), content_type=content_type)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


async def _account_for_resource(resource: str) -> Account | None:
    svc = current_services()
    base = svc.config.base_url
    if resource.startswith(("http://", "https://")):
        if resource.rstrip("/") in (svc.urls.instance_actor, base):
            return await instance_actor(svc)
        if resource.rstrip("/") == svc.urls.jobs_actor:
            return await jobs_actor(svc)
        return await Account.get_or_none(domain=None, ap_id=resource) or (
            await Account.get_or_none(domain=None, url=resource)
        )
    try:
        user, domain = parse_acct(resource)
    except DiscoveryError:
        return None
    if domain != svc.config.instance.domain.lower():
        return None
    if user.lower() in (svc.config.instance.domain.lower(), INSTANCE_ACTOR_USERNAME):
        return await instance_actor(svc)
    if user.lower() in (JOBS_WEBFINGER_NAME, JOBS_ACTOR_USERNAME):
        return await jobs_actor(svc)
    return await Account.get_or_none(username=user.lower(), domain=None, suspended=False)


@blueprint.get("/.well-known/webfinger")
async def webfinger():
    resource = request.args.get("resource", "")
    if not resource:
        return error(400, "resource is required")
    account = await _account_for_resource(resource)
    if account is None:
        return error(404, "no such account here")
    svc = current_services()
    domain = svc.config.instance.domain
    username = {INSTANCE_ACTOR_USERNAME: domain, JOBS_ACTOR_USERNAME: JOBS_WEBFINGER_NAME}.get(
        account.username, account.username)
    doc = webfinger_jrd(
        username, domain, account.ap_id, account.url or account.ap_id,
        subscribe_template=svc.urls.subscribe_template,
    )
    return _json(doc, JRD_CONTENT_TYPE)


@blueprint.get("/.well-known/host-meta")
async def host_meta():
    return Response(host_meta_xrd(current_services().config.base_url), content_type=XRD_CONTENT_TYPE)


@blueprint.get("/.well-known/nodeinfo")
async def nodeinfo_index():
    return _json(nodeinfo_links(current_services().config.base_url), "application/json")


@blueprint.get("/nodeinfo/<version>")
async def nodeinfo_document(version: str):
    if version not in ("2.0", "2.1"):
        return error(404, "unknown NodeInfo version")
    svc = current_services()
    config = svc.config
    now = datetime.now(UTC)
    users = User.filter(disabled=False, approved=True)
    doc = nodeinfo(
        version,
        software_version=__version__,
        users_total=await users.count(),
        users_active_month=await users.filter(last_login_at__gte=now - timedelta(days=30)).count(),
        users_active_halfyear=await users.filter(
            last_login_at__gte=now - timedelta(days=180)).count(),
        local_posts=await Work.filter(local=True, state=WorkState.READY, deleted_at=None).count(),
        open_registrations=config.registration.mode == "open",
        ai_policy=config.ai.declared_policy,  # type: ignore[arg-type]
        media_cloaked=config.cloak.enabled,
        node_name=config.instance.name,
        node_description=config.instance.description,
    )
    return _json(doc, nodeinfo_content_type(version))
