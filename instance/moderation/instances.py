"""What we know of each remote instance: its NodeInfo (software, declared AI policy) and
how many of its works we have seen, and how many carried AI signals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.expressions import F

from federation.client import FetchError
from federation.discovery import DiscoveryError, parse_nodeinfo, pick_nodeinfo_href
from instance.config import Config
from instance.jobs import Retry, kinds
from instance.jobs.registry import JobContext
from instance.moderation.ai_rules import apply_declared_policy_rule, propose_by_ai_rate
from instance.moderation.domains import covering_policy
from instance.services import Services
from instance.storage.models import InstanceInfo


async def record_work_seen(config: Config, domain: str, *, ai: bool, counted: bool = False) -> None:
    """Count one remote work (and whether it carried an AI verdict) for its domain, and
    let the AI-rate rule propose the domain for review when it is on. `counted`: the work
    was counted already, only its AI verdict is new."""
    info, _ = await InstanceInfo.get_or_create(domain=domain)
    await InstanceInfo.filter(id=info.id).update(
        works_seen=F("works_seen") + (0 if counted else 1),
        ai_works_seen=F("ai_works_seen") + (1 if ai else 0),
    )
    await propose_by_ai_rate(config, domain)


async def refresh_nodeinfo(ctx: JobContext, payload: dict) -> None:
    """Read a remote instance's NodeInfo and keep software, version and AI policy."""
    domain = payload["domain"]
    if (policy := await covering_policy(domain)) is not None and policy.severity == "suspend":
        return  # no fetches from a suspended domain
    scheme = payload.get("scheme", "https")
    http = ctx.services.http
    try:
        links = await http.fetch_json(
            f"{scheme}://{domain}/.well-known/nodeinfo",
            activitypub=False,
            accept="application/json",
        )
        href = pick_nodeinfo_href(links)
        if href is None:
            raise DiscoveryError("no NodeInfo link")
        document = await http.fetch_json(href, activitypub=False, accept="application/json")
        parsed = parse_nodeinfo(document)
    except (FetchError, DiscoveryError) as exc:
        raise Retry(3600, f"NodeInfo of {domain}: {exc}") from None
    info, _ = await InstanceInfo.get_or_create(domain=domain)
    info.software = parsed.software_name or ""
    info.version = parsed.software_version or ""
    info.declared_ai_policy = parsed.ai_policy or ""
    info.nodeinfo = document
    info.nodeinfo_fetched_at = datetime.now(UTC)
    await info.save()
    await apply_declared_policy_rule(ctx.services.config, info)


@dataclass(frozen=True)
class AiReportRow:
    domain: str
    software: str
    declared_ai_policy: str
    works_seen: int
    ai_works_seen: int
    policy: str

    @property
    def ai_rate(self) -> float:
        return self.ai_works_seen / self.works_seen if self.works_seen else 0.0


async def ai_report() -> list[AiReportRow]:
    """One row per known remote instance, most AI first (the admins' per-domain table)."""
    rows = []
    for info in await InstanceInfo.all().order_by("domain"):
        policy = await covering_policy(info.domain)
        rows.append(
            AiReportRow(
                domain=info.domain,
                software=" ".join(filter(None, (info.software, info.version))),
                declared_ai_policy=info.declared_ai_policy or "undeclared",
                works_seen=info.works_seen,
                ai_works_seen=info.ai_works_seen,
                policy=policy.severity if policy else "none",
            )
        )
    return sorted(rows, key=lambda r: (r.declared_ai_policy != "allowed", -r.ai_rate, r.domain))


async def meet_domain(services: Services, domain: str | None) -> bool:
    """The first time we store an actor of a domain, read its NodeInfo (software, any
    declared AI policy) in a job. Returns whether this was a first meeting."""
    if not domain:
        return False
    _, created = await InstanceInfo.get_or_create(domain=domain)
    if created:
        scheme = services.config.remote_scheme
        await services.jobs.enqueue(kinds.REFRESH_NODEINFO, {"domain": domain, "scheme": scheme})
    return created
