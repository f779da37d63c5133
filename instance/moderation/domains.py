"""Domain policies in storage: find the one covering a domain, block, unblock, list,
import and export — each change written with an audit entry."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from instance.errors import Refused
from instance.moderation import policy_cache
from instance.moderation.blocklist_formats import SEVERITIES, BlockEntry
from instance.moderation.domain_names import normalise_domain
from instance.storage.models import Account, AuditEntry, DomainPolicy
from instance.translation import gettext as _


class DomainPolicyError(Refused):
    """A policy request that cannot be done; the message says why."""


async def covering_policy(domain: str | None) -> DomainPolicy | None:
    """The most specific policy that applies to `domain` (its own, else a parent's)."""
    if not domain:
        return None
    return (await policy_cache.snapshot()).covering(domain.lower())


async def is_allowed(domain: str) -> bool:
    """Allowlist mode: is the domain (or a parent) on the allowlist?"""
    return (await policy_cache.snapshot()).allows(domain.lower())


async def is_suspended(domain: str | None, *, allowlist_mode: bool = False) -> bool:
    """No fetch from, no delivery to, nothing accepted from a suspended domain; in
    allowlist mode every domain not on the allowlist counts as suspended."""
    if not domain:
        return False
    held = await policy_cache.snapshot()
    domain = domain.lower()
    key = (domain, allowlist_mode)
    verdict = held.verdicts.get(key)
    if verdict is not None:
        return verdict
    if allowlist_mode and not held.allows(domain):
        return held.remember(key, True)
    policy = held.covering(domain)
    return held.remember(key, policy is not None and policy.severity == "suspend")


async def allow_domain(domain: str, *, actor: Account | None = None) -> DomainPolicy:
    domain = normalise_domain(domain)
    async with in_transaction() as connection:
        existing = await DomainPolicy.filter(domain=domain).using_db(connection).first()
        if existing is not None and not existing.allow:
            raise DomainPolicyError(_("%(domain)s has a block policy; unblock it first", domain=domain))
        policy = existing or await DomainPolicy.create(
            domain=domain, allow=True, severity="noop", using_db=connection
        )
        await AuditEntry.create(actor=actor, action="domain.allow", target=domain, using_db=connection)
        await policy_cache.changed(connection)
    policy_cache.forget()  # committed: this process sees it at once
    return policy


async def rejects_media(domain: str | None) -> bool:
    policy = await covering_policy(domain)
    return policy is not None and (policy.severity == "suspend" or policy.reject_media)


@dataclass(frozen=True)
class BlockResult:
    policy: DomainPolicy
    created: bool
    severity_raised_to_suspend: bool


async def block_domain(entry: BlockEntry, *, actor: Account | None = None, source: str = "") -> BlockResult:
    """Create or update the policy for one domain."""
    if entry.severity not in SEVERITIES:
        raise DomainPolicyError(_("severity must be one of %(choices)s", choices=', '.join(SEVERITIES)))
    domain = normalise_domain(entry.domain)
    async with in_transaction() as connection:
        existing = await DomainPolicy.filter(domain=domain).using_db(connection).first()
        was_suspended = existing is not None and existing.severity == "suspend"
        values = {
            "severity": entry.severity,
            "reject_media": entry.reject_media,
            "reject_reports": entry.reject_reports,
            "public_comment": entry.public_comment,
            "private_comment": entry.private_comment,
            "obfuscate": entry.obfuscate,
            "allow": False,
            "source": source,
        }
        if existing is None:
            policy = await DomainPolicy.create(domain=domain, using_db=connection, **values)
        else:
            await DomainPolicy.filter(id=existing.id).using_db(connection).update(**values)
            policy = await DomainPolicy.get(id=existing.id, using_db=connection)
        await AuditEntry.create(
            actor=actor,
            action="domain.block",
            target=domain,
            detail={**values, "created": existing is None},
            using_db=connection,
        )
        await policy_cache.changed(connection)
    policy_cache.forget()  # committed: this process sees it at once
    return BlockResult(policy, existing is None, entry.severity == "suspend" and not was_suspended)


async def unblock_domain(domain: str, *, actor: Account | None = None) -> None:
    domain = normalise_domain(domain)
    async with in_transaction() as connection:
        deleted = await DomainPolicy.filter(domain=domain, allow=False).using_db(connection).delete()
        if not deleted:
            raise DomainPolicyError(_("no policy for %(domain)s", domain=domain))
        await AuditEntry.create(actor=actor, action="domain.unblock", target=domain, using_db=connection)
        await policy_cache.changed(connection)
    policy_cache.forget()  # committed: this process sees it at once


async def list_policies() -> list[DomainPolicy]:
    return await DomainPolicy.filter(allow=False).order_by("domain")


def as_entry(policy: DomainPolicy) -> BlockEntry:
    return BlockEntry(
        domain=policy.domain,
        severity=policy.severity,
        reject_media=policy.reject_media,
        reject_reports=policy.reject_reports,
        public_comment=policy.public_comment,
        private_comment=policy.private_comment,
        obfuscate=policy.obfuscate,
    )


def accounts_on(domain: str, field: str = "domain") -> Q:
    """Accounts a policy on `domain` covers, matching `domain_and_parents`: a port-specific
    policy covers that host and port only; a host policy covers every port and subdomain."""
    exact = Q(**{field: domain})
    if ":" in domain:
        return exact
    return (
        exact
        | Q(**{f"{field}__startswith": domain + ":"})
        | Q(**{f"{field}__endswith": "." + domain})
        | Q(**{f"{field}__contains": "." + domain + ":"})
    )


async def silenced_accounts_filter(relation: str = "account") -> Q:
    """A filter matching works (or, through another `relation` such as a listing's
    "poster", other rows) by accounts that public timelines leave out: silenced
    accounts, and accounts on silenced domains (and their subdomains).

    Local accounts have no domain (NULL). Used under `.exclude()`, a bare `domain = x`
    is NULL for them, which makes the whole NOT(...) NULL and drops every local work, so
    the domain conditions only ever apply to accounts that have a domain."""
    silenced_account: dict[str, Any] = {f"{relation}__silenced": True}
    condition = Q(**silenced_account)
    silenced = await DomainPolicy.filter(severity="silence", allow=False).values_list("domain", flat=True)
    on_domains = [accounts_on(domain, f"{relation}__domain") for domain in cast(list[str], silenced)]
    if on_domains:
        remote: dict[str, Any] = {f"{relation}__domain__isnull": False}
        condition |= Q(**remote) & Q(*on_domains, join_type=Q.OR)
    return condition
