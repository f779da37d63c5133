"""The optional AI-policy rules (both off by default): act on domains that declare AI
content allowed, and propose for review domains whose works often carry AI signals.
A proposal is a draft: nothing is suspended silently unless the admin turned that on."""

from __future__ import annotations

from dataclasses import asdict

from instance.config import Config
from instance.moderation.blocklist_formats import BlockEntry
from instance.moderation.domains import block_domain, covering_policy
from instance.storage.models import DomainPolicyDraft, DraftState, InstanceInfo

DECLARED_RULE_SOURCE = "rule:declared-ai"


async def apply_declared_policy_rule(config: Config, info: InstanceInfo) -> bool:
    """Silence or suspend a domain whose NodeInfo declares AI content allowed, when the
    admin enabled `[ai] defederate_declared_ai`. An existing policy is left alone."""
    severity = config.ai.defederate_declared_ai
    if severity == "off" or info.declared_ai_policy != "allowed":
        return False
    if await covering_policy(info.domain) is not None:
        return False
    comment = "This instance declares AI-generated content allowed."
    await block_domain(
        BlockEntry(domain=info.domain, severity=severity, public_comment=comment),
        source=DECLARED_RULE_SOURCE,
    )
    return True


async def propose_by_ai_rate(config: Config, domain: str) -> bool:
    """Draft a suspension for review when a domain's AI rate passes the threshold."""
    if not config.ai.propose_by_ai_rate:
        return False
    info = await InstanceInfo.get_or_none(domain=domain)
    if info is None or info.works_seen < config.ai.propose_min_works:
        return False
    rate = info.ai_works_seen / info.works_seen
    if rate * 100 <= config.ai.propose_ai_rate_percent:
        return False
    if await covering_policy(domain) is not None:
        return False
    if await DomainPolicyDraft.filter(domain=domain, state=DraftState.PENDING).exists():
        return False
    entry = BlockEntry(domain=domain, severity="suspend", public_comment="Mostly AI-generated content.")
    await DomainPolicyDraft.create(
        domain=domain, entry=asdict(entry),
        reason=f"AI rate {rate:.0%} over {info.works_seen} works",
    )
    return True
