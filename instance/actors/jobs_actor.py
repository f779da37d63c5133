"""The job board's actor: a Service at /services/jobs, `@jobs@domain` by WebFinger. It
announces every local listing when it opens, so following it on any server brings this
board's listings there; another Impasto that follows it fills its "other servers" tab.
Its followers also get each listing's Update and Delete (outbox side: jobboard hooks)."""

from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient

from instance.actors.instance_actor import service_account
from instance.services import Services
from instance.storage.models import Account

JOBS_ACTOR_USERNAME = "jobs.board"
JOBS_WEBFINGER_NAME = "jobs"  # acct:jobs@domain (reserved: no artist may take it)


async def jobs_actor(services: Services) -> Account:
    """The jobs actor's account, created with its own key pair on first use."""
    urls, name = services.urls, services.config.instance.name
    return await service_account(services, JOBS_ACTOR_USERNAME, lambda: dict(
        ap_id=urls.jobs_actor, actor_type="Service", display_name=f"{name} job board",
        note=(f"<p>Every job listing opened on {services.config.instance.domain}'s job board, "
              "as it opens. Follow to see them; reply privately to a listing to apply.</p>"),
        url=urls.job_board, inbox_url=urls.jobs_actor_inbox, shared_inbox_url=urls.shared_inbox,
        outbox_url=urls.jobs_actor_outbox, followers_url=urls.jobs_actor_followers,
        public_key_id=urls.jobs_actor_key_id, locked=False, discoverable=True, bot=True))


async def existing_jobs_actor(using_db: BaseDBAsyncClient | None = None) -> Account | None:
    """The jobs actor if it exists, read inside the caller's transaction. Before anyone
    has fetched it (which creates it) nobody can follow it, so there is no one to tell."""
    return await Account.get_or_none(username=JOBS_ACTOR_USERNAME, domain=None,
                                     using_db=using_db)
