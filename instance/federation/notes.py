"""A stored work as the Note it federates as (loads what the pure builder needs)."""

from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient

from instance.services import Services
from instance.storage.models import Account, MediaAttachment, Work
from outbox import documents


def mention_name(account: Account, local_domain: str) -> str:
    return f"@{account.username}@{account.domain or local_domain}"


async def note_for(services: Services, work: Work, using_db: BaseDBAsyncClient | None = None) -> dict:
    """The Note document of a local work (without @context)."""
    account = await Account.get(id=work.account_id).using_db(using_db)
    media = await MediaAttachment.filter(work_id=work.id).using_db(using_db).order_by(
        "position", "id"
    )
    tags = await work.tags.all().using_db(using_db).values_list("name", flat=True)
    mentioned = await Account.filter(ap_id__in=list(work.mentions or [])).using_db(using_db)
    domain = services.config.instance.domain
    cloaked = services.config.cloak.enabled and any(
        m.cloak_level not in (None, "", "off") for m in media
    )
    return documents.note(
        work,
        actor_id=account.ap_id,
        followers_url=account.followers_url or f"{account.ap_id}/followers",
        base_url=services.config.base_url,
        media=list(media),
        tags=sorted(tags),
        mentions=[(m.ap_id, mention_name(m, domain)) for m in mentioned],
        in_reply_to=work.in_reply_to_ap_id,
        cloaked=cloaked,
    )
