"""The built-in job table: every job kind and the handler that runs it, by direct
reference, and the worker built from it. Part of the composition root (beside
`instance/app.py`): it imports handlers from every layer. The one place that loads
modules by name is `[jobs] plugins`."""

from __future__ import annotations

import importlib
from collections.abc import Iterable

from inbox.backfill import handler as backfill_actor
from inbox.process import process as process_inbox_item
from instance.actions.archive import build_job as build_archive
from instance.actions.archive import expire_job as expire_archives
from instance.actions.importing.run import import_job
from instance.actions.polls import close_job as close_poll
from instance.actions.polls import update_job as update_poll
from instance.actions.profile_images import apply_profile_image
from instance.actions.profile_links import verify_links_job
from instance.actions.publishing import publish_job
from instance.actions.scheduled import publish_job as publish_scheduled
from instance.actors.email_links import send_link_job
from instance.attachments.processing import process_job as process_media
from instance.attachments.remote import fetch_job as fetch_remote_media
from instance.jobboard.listings import expire_job as expire_listings
from instance.jobs import Worker, kinds
from instance.jobs.maintenance import prune_counters, prune_jobs
from instance.jobs.registry import Handler, JobRegistry, plugin_handlers
from instance.jobs.schedule import ensure_periodic_jobs
from instance.moderation.instances import refresh_nodeinfo
from instance.moderation.reports import rejection_mail_job
from instance.moderation.subscriptions import refresh_all, refresh_blocklist
from instance.moderation.suspension import purge_domain_job
from instance.push.delivery import notify_job as push_notify_job
from instance.services import Services
from outbox.batch import deliver_batch
from outbox.delivery import deliver

BUILTIN_HANDLERS: dict[str, Handler] = {
    kinds.PROCESS_INBOX_ITEM: process_inbox_item,
    kinds.DELIVER: deliver,
    kinds.DELIVER_BATCH: deliver_batch,
    kinds.PROCESS_MEDIA: process_media,
    kinds.FETCH_REMOTE_MEDIA: fetch_remote_media,
    kinds.BACKFILL_ACTOR: backfill_actor,
    kinds.PUBLISH_WORK: publish_job,
    kinds.APPLY_PROFILE_IMAGE: apply_profile_image,
    kinds.PURGE_DOMAIN: purge_domain_job,
    kinds.REFRESH_BLOCKLIST: refresh_blocklist,
    kinds.REFRESH_ALL_BLOCKLISTS: refresh_all,
    kinds.REFRESH_NODEINFO: refresh_nodeinfo,
    kinds.PRUNE_JOBS: prune_jobs,
    kinds.PRUNE_COUNTERS: prune_counters,
    kinds.SEND_ACCOUNT_MAIL: send_link_job,
    kinds.SEND_REJECTION_MAIL: rejection_mail_job,
    kinds.VERIFY_PROFILE_LINKS: verify_links_job,
    kinds.EXPIRE_LISTINGS: expire_listings,
    kinds.IMPORT_FOLLOWING: import_job,
    kinds.PUSH_NOTIFICATION: push_notify_job,
    kinds.CLOSE_POLL: close_poll,
    kinds.UPDATE_POLL: update_poll,
    kinds.PUBLISH_SCHEDULED: publish_scheduled,
    kinds.BUILD_ARCHIVE: build_archive,
    kinds.EXPIRE_ARCHIVES: expire_archives,
}


def load_handlers(plugins: Iterable[str] = ()) -> JobRegistry:
    """The built-in handlers plus those the configured plugin modules register."""
    for name in plugins:
        importlib.import_module(name)
    handlers = JobRegistry(BUILTIN_HANDLERS)
    for kind, plugin in plugin_handlers.items():
        handlers.add(kind, plugin)
    return handlers


def build_worker(services: Services) -> Worker:
    """The job worker for these services: every built-in job kind plus the configured
    plugins, the configured concurrency, and the periodic jobs queued on each tick."""
    config = services.config
    return Worker(
        services.jobs,
        load_handlers(config.jobs.plugins),
        services,
        concurrency=config.jobs.concurrency,
        poll_seconds=config.jobs.poll_seconds,
        on_tick=lambda: ensure_periodic_jobs(services),
    )
