"""Mastodon's admin API for domain blocks (`/api/v1/admin/domain_blocks`), so admin
tools and scripts that speak Mastodon's shape can manage Impasto's domain policies.
Needs the manage_domains permission and the admin:… scopes."""

from __future__ import annotations

import hashlib

from quart import Blueprint, jsonify

from instance.api.auth import current_user, me, scoped
from instance.api.body import params
from instance.api.common import parse_id
from instance.api.errors import fail, not_found
from instance.jobs import kinds
from instance.moderation.blocklist_formats import SEVERITIES, BlockEntry
from instance.moderation.domains import block_domain, list_policies, unblock_domain
from instance.moderation.permissions import MANAGE_DOMAINS, require
from instance.services import current_services
from instance.storage.models import DomainPolicy

blueprint = Blueprint("api_admin", __name__, url_prefix="/api/v1/admin")


def _staff() -> None:
    """Domain blocks need manage_domains (instance/moderation/permissions.py): a 403 in
    words otherwise, after the token's scopes were checked by `scoped`."""
    require(current_user(), MANAGE_DOMAINS)


def entity(policy: DomainPolicy) -> dict:
    return {
        "id": str(policy.id),
        "domain": policy.domain,
        "digest": hashlib.sha256(policy.domain.encode()).hexdigest(),
        "created_at": policy.created_at.isoformat().replace("+00:00", "Z"),
        "severity": policy.severity,
        "reject_media": policy.reject_media,
        "reject_reports": policy.reject_reports,
        "private_comment": policy.private_comment or None,
        "public_comment": policy.public_comment or None,
        "obfuscate": policy.obfuscate,
    }


async def _policy(block_id: str) -> DomainPolicy:
    policy = await DomainPolicy.get_or_none(id=parse_id(block_id, "Domain block"), allow=False)
    if policy is None:
        not_found("Domain block")
    return policy


async def _save(domain: str, p, current: DomainPolicy | None = None) -> DomainPolicy:
    severity = p.text("severity", current.severity if current else "silence")
    if severity not in SEVERITIES:
        fail(422, f"severity must be one of {', '.join(SEVERITIES)}")
    entry = BlockEntry(
        domain=domain,
        severity=severity,
        reject_media=p.flag("reject_media", current.reject_media if current else False),
        reject_reports=p.flag("reject_reports", current.reject_reports if current else False),
        public_comment=p.text("public_comment", current.public_comment if current else "", max_length=1000),
        private_comment=p.text(
            "private_comment", current.private_comment if current else "", max_length=1000
        ),
        obfuscate=p.flag("obfuscate", current.obfuscate if current else False),
    )
    result = await block_domain(entry, actor=me())
    if result.severity_raised_to_suspend:
        await current_services().jobs.enqueue(kinds.PURGE_DOMAIN, {"domain": result.policy.domain})
    return result.policy


@blueprint.get("/domain_blocks", strict_slashes=False)
@scoped("admin:read:domain_blocks")
async def index():
    _staff()
    return jsonify([entity(p) for p in await list_policies()])


@blueprint.get("/domain_blocks/<block_id>", strict_slashes=False)
@scoped("admin:read:domain_blocks")
async def show(block_id: str):
    _staff()
    return jsonify(entity(await _policy(block_id)))


@blueprint.post("/domain_blocks", strict_slashes=False)
@scoped("admin:write:domain_blocks")
async def create():
    _staff()
    p = await params()
    domain = p.text("domain", max_length=255)
    if not domain:
        fail(422, "domain is required")
    return jsonify(entity(await _save(domain, p)))


@blueprint.put("/domain_blocks/<block_id>", strict_slashes=False)
@scoped("admin:write:domain_blocks")
async def update(block_id: str):
    _staff()
    current = await _policy(block_id)
    return jsonify(entity(await _save(current.domain, await params(), current)))


@blueprint.delete("/domain_blocks/<block_id>", strict_slashes=False)
@scoped("admin:write:domain_blocks")
async def delete(block_id: str):
    _staff()
    policy = await _policy(block_id)
    await unblock_domain(policy.domain, actor=me())
    return jsonify({})
