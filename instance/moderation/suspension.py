"""What a suspension does to what we already stored: that domain's works, follows both
ways, likes, boosts and notifications are removed (its accounts stay, marked suspended,
so their ids are still recognised). Nothing is sent to the suspended domain."""

from __future__ import annotations

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from instance.jobs.registry import JobContext
from instance.moderation.domain_names import normalise_domain
from instance.moderation.domains import accounts_on
from instance.storage.models import (
    Account,
    Boost,
    Follow,
    Like,
    MediaAttachment,
    Notification,
    Work,
)


async def purge_domain(domain: str) -> dict[str, int]:
    """Remove the stored content of a suspended domain; returns what was removed."""
    domain = normalise_domain(domain)
    account_ids = await Account.filter(accounts_on(domain)).values_list("id", flat=True)
    removed: dict[str, int] = {}
    async with in_transaction() as connection:
        removed["follows"] = (
            await Follow.filter(Q(follower_id__in=account_ids) | Q(target_id__in=account_ids))
            .using_db(connection)
            .delete()
        )
        removed["likes"] = await Like.filter(account_id__in=account_ids).using_db(connection).delete()
        removed["boosts"] = await Boost.filter(account_id__in=account_ids).using_db(connection).delete()
        removed["notifications"] = (
            await Notification.filter(from_account_id__in=account_ids).using_db(connection).delete()
        )
        removed["media"] = (
            await MediaAttachment.filter(account_id__in=account_ids).using_db(connection).delete()
        )
        removed["works"] = await Work.filter(account_id__in=account_ids).using_db(connection).delete()
        removed["accounts_suspended"] = (
            await Account.filter(id__in=account_ids).using_db(connection).update(suspended=True)
        )
    return removed


async def purge_domain_job(ctx: JobContext, payload: dict) -> None:
    await purge_domain(payload["domain"])
