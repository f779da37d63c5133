"""Every built-in job kind, named once: the code that enqueues a job and the table that
maps it to its handler (`instance/job_handlers.py`) both use these constants, so a kind
is never typed out twice. Plugins name their own kinds."""

from __future__ import annotations

PROCESS_INBOX_ITEM = "inbox.process"
DELIVER = "outbox.deliver"
DELIVER_BATCH = "outbox.deliver_batch"  # one activity to many inboxes (outbox.batch)
PROCESS_MEDIA = "media.process"
FETCH_REMOTE_MEDIA = "media.fetch_remote"
BACKFILL_ACTOR = "actors.backfill"
PUBLISH_WORK = "works.publish"
APPLY_PROFILE_IMAGE = "accounts.apply_profile_image"
PURGE_DOMAIN = "moderation.purge_domain"
REFRESH_BLOCKLIST = "moderation.refresh_blocklist"
REFRESH_ALL_BLOCKLISTS = "moderation.refresh_all_blocklists"
REFRESH_NODEINFO = "instances.refresh_nodeinfo"
PRUNE_JOBS = "maintenance.prune_jobs"
PRUNE_COUNTERS = "maintenance.prune_counters"
SEND_ACCOUNT_MAIL = "mail.account_link"
SEND_REJECTION_MAIL = "mail.signup_rejected"
VERIFY_PROFILE_LINKS = "accounts.verify_links"
EXPIRE_LISTINGS = "jobboard.expire"  # the job board's deadlines (not this queue's jobs)
IMPORT_FOLLOWING = "portability.import_following"
PUSH_NOTIFICATION = "push.notify"  # one Web Push message to one subscription
CLOSE_POLL = "polls.close"  # at a poll's end: closed, voters told, the final Question sent
UPDATE_POLL = "polls.update"  # a local poll's new tallies, federated as an Update
PUBLISH_SCHEDULED = "statuses.publish_scheduled"  # a scheduled status, at its time
BUILD_ARCHIVE = "portability.build_archive"  # one person's full archive, as a zip
EXPIRE_ARCHIVES = "portability.expire_archives"  # archives past their time are deleted
