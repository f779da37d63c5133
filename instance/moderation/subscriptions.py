"""Blocklist subscriptions: fetch a shared list on a schedule, turn its differences from
our policies into drafts, and apply drafts only when an admin says so.

Manual policies always win over subscribed ones; between subscriptions, the higher
priority wins; a subscription's excludes are never drafted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, datetime

from tortoise.transactions import in_transaction

from federation.client import FetchError
from instance.jobs import Retry, kinds
from instance.jobs.registry import JobContext
from instance.moderation.blocklist_formats import BlockEntry, BlocklistError, detect_format, parse_any
from instance.moderation.domain_names import normalise_domain
from instance.moderation.domains import as_entry, block_domain
from instance.storage.models import (
    Account,
    AuditEntry,
    BlocklistSubscription,
    DomainPolicy,
    DomainPolicyDraft,
    DraftState,
)

MAX_BLOCKLIST_BYTES = 5 * 1024 * 1024
BLOCKLIST_ACCEPT = "text/csv, application/json;q=0.9, text/plain;q=0.8"


async def subscribe(url: str, *, priority: int = 0, excludes: Sequence[str] = (),
                    actor: Account | None = None) -> BlocklistSubscription:
    subscription, _ = await BlocklistSubscription.update_or_create(
        url=url,
        defaults={"priority": priority, "excludes": [normalise_domain(d) for d in excludes]},
    )
    await AuditEntry.create(actor=actor, action="domain.subscribe", target=url,
                            detail={"priority": priority, "excludes": subscription.excludes})
    return subscription


async def draft_changes(subscription: BlocklistSubscription, entries: list[BlockEntry]) -> int:
    """Record, as pending drafts, every entry that would change our policies."""
    excluded = set(subscription.excludes)
    subscribed = {s.url: s.priority for s in await BlocklistSubscription.all()}
    drafted = 0
    async with in_transaction() as connection:
        await DomainPolicyDraft.filter(subscription=subscription, state=DraftState.PENDING).using_db(
            connection
        ).update(state=DraftState.DISMISSED, reviewed_at=datetime.now(UTC))
        for entry in entries:
            if entry.domain in excluded:
                continue
            current = await DomainPolicy.filter(domain=entry.domain).using_db(connection).first()
            if current is not None:
                if current.source == "" or current.allow:
                    continue  # an admin's own decision is never overridden by a list
                if subscribed.get(current.source, 0) > subscription.priority:
                    continue
                if as_entry(current) == entry:
                    continue
            await DomainPolicyDraft.create(
                subscription=subscription, domain=entry.domain, entry=asdict(entry),
                reason=f"from {subscription.url}", using_db=connection,
            )
            drafted += 1
    return drafted


async def refresh_blocklist(ctx: JobContext, payload: dict) -> None:
    subscription = await BlocklistSubscription.get_or_none(id=payload["subscription_id"])
    if subscription is None or not subscription.enabled:
        return
    try:
        response = await ctx.services.http.get(subscription.url, accept=BLOCKLIST_ACCEPT)
        if response.status != 200:
            raise FetchError(f"HTTP {response.status}")
        text = response.body[:MAX_BLOCKLIST_BYTES].decode("utf-8")
        fmt = subscription.format if subscription.format != "auto" else detect_format(text, subscription.url)
        entries = parse_any(text, fmt)
    except (FetchError, BlocklistError, UnicodeDecodeError) as exc:
        subscription.last_error = str(exc)[:1000]
        await subscription.save(update_fields=["last_error"])
        raise Retry(3600, f"blocklist {subscription.url}: {exc}") from None
    await draft_changes(subscription, entries)
    subscription.last_fetched_at = datetime.now(UTC)
    subscription.last_error = ""
    await subscription.save(update_fields=["last_fetched_at", "last_error"])


async def refresh_all(ctx: JobContext, payload: dict) -> None:
    """The scheduled job: queue a refresh of every enabled subscription."""
    for subscription_id in await BlocklistSubscription.filter(enabled=True).values_list("id", flat=True):
        await ctx.services.jobs.enqueue(kinds.REFRESH_BLOCKLIST, {"subscription_id": subscription_id})


async def apply_drafts(draft_ids: list[int], *, actor: Account | None = None) -> list[str]:
    """Apply reviewed drafts; returns the domains whose severity became suspend."""
    newly_suspended = []
    for draft in await DomainPolicyDraft.filter(id__in=draft_ids, state=DraftState.PENDING).prefetch_related(
        "subscription"
    ):
        source = draft.subscription.url if draft.subscription else "rule"
        result = await block_domain(BlockEntry(**draft.entry), actor=actor, source=source)
        if result.severity_raised_to_suspend:
            newly_suspended.append(result.policy.domain)
        draft.state, draft.reviewed_at = DraftState.APPLIED, datetime.now(UTC)
        await draft.save(update_fields=["state", "reviewed_at"])
    return newly_suspended


async def dismiss_drafts(draft_ids: list[int], *, actor: Account | None = None) -> int:
    dismissed = await DomainPolicyDraft.filter(id__in=draft_ids, state=DraftState.PENDING).update(
        state=DraftState.DISMISSED, reviewed_at=datetime.now(UTC)
    )
    await AuditEntry.create(actor=actor, action="domain.drafts_dismissed", detail={"ids": draft_ids})
    return dismissed
