"""The names pages show for stored values (states, roles, report categories, severities)
in the reader's language. The values themselves stay English keys in the database, the
forms and the API: translate only here, at display (`{{ a.state | label("application") }}`).
English shows the value as it is; the context (`listing`, `report`…) lets French agree."""

from __future__ import annotations

import dataclasses
from typing import Any

from federation import licences
from instance.translation import lazy_gettext, lazy_pgettext

# Literal calls, so that extraction finds every msgid with its context.
LABELS: dict[str, dict[str, Any]] = {
    "listing": {
        "draft": lazy_pgettext("listing", "draft"), "open": lazy_pgettext("listing", "open"),
        "closed": lazy_pgettext("listing", "closed"), "filled": lazy_pgettext("listing", "filled"),
        "expired": lazy_pgettext("listing", "expired"),
        "removed": lazy_pgettext("listing", "removed"),
    },
    "application": {
        "new": lazy_pgettext("application", "new"),
        "shortlisted": lazy_pgettext("application", "shortlisted"),
        "declined": lazy_pgettext("application", "declined"),
    },
    "work": {
        "draft": lazy_pgettext("work", "draft"), "processing": lazy_pgettext("work", "processing"),
        "ready": lazy_pgettext("work", "ready"), "held": lazy_pgettext("work", "held"),
        "rejected": lazy_pgettext("work", "rejected"), "deleted": lazy_pgettext("work", "deleted"),
    },
    "media": {
        "processing": lazy_pgettext("media", "processing"), "ready": lazy_pgettext("media", "ready"),
        "held": lazy_pgettext("media", "held"), "rejected": lazy_pgettext("media", "rejected"),
        "failed": lazy_pgettext("media", "failed"),
    },
    "report": {
        "open": lazy_pgettext("report", "open"), "resolved": lazy_pgettext("report", "resolved"),
    },
    "role": {
        "artist": lazy_pgettext("role", "artist"), "moderator": lazy_pgettext("role", "moderator"),
        "admin": lazy_pgettext("role", "admin"),
    },
    "category": {
        "spam": lazy_pgettext("category", "spam"),
        "ai-content": lazy_pgettext("category", "ai-content"),
        "copyright": lazy_pgettext("category", "copyright"),
        "harassment": lazy_pgettext("category", "harassment"),
        "legal": lazy_pgettext("category", "legal"), "other": lazy_pgettext("category", "other"),
    },
    "decision": {  # a moderator's decision on an image (attachments.review.DECISIONS)
        "approve": lazy_pgettext("decision", "approve"), "label": lazy_pgettext("decision", "label"),
        "reject": lazy_pgettext("decision", "reject"),
    },
    "cloak": {
        "off": lazy_pgettext("cloak", "off"), "low": lazy_pgettext("cloak", "low"),
        "medium": lazy_pgettext("cloak", "medium"), "high": lazy_pgettext("cloak", "high"),
    },
    "declaration": {  # a work's AI declaration, as the upload and edit forms name it
        "none": lazy_pgettext("declaration", "No AI used"),
        "assisted": lazy_pgettext("declaration", "AI-assisted"),
        "generated": lazy_pgettext("declaration", "AI-generated"),
    },
    "licence": {"": lazy_pgettext("licence", "All rights reserved")},  # the others are names
    # Admin pages: audit actions, background job kinds (instance/jobs/kinds.py) and the
    # state of a host we deliver to (moderation.dashboard.host_state).
    "audit": {
        "account.create": lazy_pgettext("audit", "account.create"),
        "account.delete": lazy_pgettext("audit", "account.delete"),
        "account.password": lazy_pgettext("audit", "account.password"),
        "account.reset_link": lazy_pgettext("audit", "account.reset_link"),
        "account.role": lazy_pgettext("audit", "account.role"),
        "account.suspend": lazy_pgettext("audit", "account.suspend"),
        "domain.allow": lazy_pgettext("audit", "domain.allow"),
        "domain.block": lazy_pgettext("audit", "domain.block"),
        "domain.drafts_dismissed": lazy_pgettext("audit", "domain.drafts_dismissed"),
        "domain.subscribe": lazy_pgettext("audit", "domain.subscribe"),
        "domain.unblock": lazy_pgettext("audit", "domain.unblock"),
        "emoji.add": lazy_pgettext("audit", "emoji.add"),
        "emoji.disable": lazy_pgettext("audit", "emoji.disable"),
        "emoji.enable": lazy_pgettext("audit", "emoji.enable"),
        "emoji.remove": lazy_pgettext("audit", "emoji.remove"),
        "federation.reset": lazy_pgettext("audit", "federation.reset"),
        "invite.create": lazy_pgettext("audit", "invite.create"),
        "invite.revoke": lazy_pgettext("audit", "invite.revoke"),
        "jobboard.follow_board": lazy_pgettext("audit", "jobboard.follow_board"),
        "jobboard.poster": lazy_pgettext("audit", "jobboard.poster"),
        "listing.reject": lazy_pgettext("audit", "listing.reject"),
        "listing.release": lazy_pgettext("audit", "listing.release"),
        "listing.remove": lazy_pgettext("audit", "listing.remove"),
        "media.approve": lazy_pgettext("audit", "media.approve"),
        "media.label": lazy_pgettext("audit", "media.label"),
        "media.reject": lazy_pgettext("audit", "media.reject"),
        "report.note": lazy_pgettext("audit", "report.note"),
        "report.resolve": lazy_pgettext("audit", "report.resolve"),
        "settings.change": lazy_pgettext("audit", "settings.change"),
        "signup.approve": lazy_pgettext("audit", "signup.approve"),
        "signup.confirm_email": lazy_pgettext("audit", "signup.confirm_email"),
        "signup.reject": lazy_pgettext("audit", "signup.reject"),
        "work.hide": lazy_pgettext("audit", "work.hide"),
        "work.unhide": lazy_pgettext("audit", "work.unhide"),
    },
    "job": {
        "inbox.process": lazy_pgettext("job", "inbox.process"),
        "outbox.deliver": lazy_pgettext("job", "outbox.deliver"),
        "outbox.deliver_batch": lazy_pgettext("job", "outbox.deliver_batch"),
        "media.process": lazy_pgettext("job", "media.process"),
        "media.fetch_remote": lazy_pgettext("job", "media.fetch_remote"),
        "actors.backfill": lazy_pgettext("job", "actors.backfill"),
        "works.publish": lazy_pgettext("job", "works.publish"),
        "accounts.apply_profile_image": lazy_pgettext("job", "accounts.apply_profile_image"),
        "moderation.purge_domain": lazy_pgettext("job", "moderation.purge_domain"),
        "moderation.refresh_blocklist": lazy_pgettext("job", "moderation.refresh_blocklist"),
        "moderation.refresh_all_blocklists": lazy_pgettext("job", "moderation.refresh_all_blocklists"),
        "instances.refresh_nodeinfo": lazy_pgettext("job", "instances.refresh_nodeinfo"),
        "maintenance.prune_jobs": lazy_pgettext("job", "maintenance.prune_jobs"),
        "maintenance.prune_counters": lazy_pgettext("job", "maintenance.prune_counters"),
        "mail.account_link": lazy_pgettext("job", "mail.account_link"),
        "mail.signup_rejected": lazy_pgettext("job", "mail.signup_rejected"),
        "accounts.verify_links": lazy_pgettext("job", "accounts.verify_links"),
        "jobboard.expire": lazy_pgettext("job", "jobboard.expire"),
        "portability.import_following": lazy_pgettext("job", "portability.import_following"),
        "push.notify": lazy_pgettext("job", "push.notify"),
        "polls.close": lazy_pgettext("job", "polls.close"),
        "polls.update": lazy_pgettext("job", "polls.update"),
        "statuses.publish_scheduled": lazy_pgettext("job", "statuses.publish_scheduled"),
        "portability.build_archive": lazy_pgettext("job", "portability.build_archive"),
        "portability.expire_archives": lazy_pgettext("job", "portability.expire_archives"),
    },
    "host": {
        "ok": lazy_pgettext("host", "ok"),
        "failing": lazy_pgettext("host", "failing"),
        "unavailable": lazy_pgettext("host", "unavailable"),
    },
    "severity": {
        "suspend": lazy_pgettext("severity", "suspend"),
        "silence": lazy_pgettext("severity", "silence"),
        "noop": lazy_pgettext("severity", "noop"),
    },
}


# Licence names: Creative Commons' own names ("CC BY 4.0") are not translated, as CC does
# not; the rest is (the deed links stay the same).
LICENCE_NAMES: dict[str, Any] = {
    "": lazy_gettext("All rights reserved"),
    "CC0-1.0": lazy_gettext("CC0 1.0 (public domain dedication)"),
}


def licence_name(licence: licences.Licence) -> Any:
    """A known licence's name in the reader's language (lazy: the form's choices are a
    module-level constant)."""
    return LICENCE_NAMES.get(licence.code, licence.name)


def licence(value: str | None) -> licences.Licence | None:
    """What a page shows for a work's stored licence (`licences.describe`), named in the
    reader's language."""
    found = licences.describe(value)
    if found is None or found.code not in LICENCE_NAMES:
        return found
    return dataclasses.replace(found, name=str(LICENCE_NAMES[found.code]))


def label(value: object, kind: str) -> str:
    """The reader's name for a stored `value` of `kind`; the value itself when unnamed."""
    key = str(getattr(value, "value", value) if value is not None else "")
    found = LABELS.get(kind, {}).get(key)
    return str(found) if found is not None else key
