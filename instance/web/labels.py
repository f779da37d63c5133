"""The names pages show for stored values (states, roles, report categories, severities)
in the reader's language. The values themselves stay English keys in the database, the
forms and the API: translate only here, at display (`{{ a.state | label("application") }}`).
English shows the value as it is; the context (`listing`, `report`…) lets French agree."""

from __future__ import annotations

from typing import Any

from instance.translation import lazy_pgettext

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
    "severity": {
        "suspend": lazy_pgettext("severity", "suspend"),
        "silence": lazy_pgettext("severity", "silence"),
        "noop": lazy_pgettext("severity", "noop"),
    },
}


def label(value: object, kind: str) -> str:
    """The reader's name for a stored `value` of `kind`; the value itself when unnamed."""
    key = str(getattr(value, "value", value) if value is not None else "")
    found = LABELS.get(kind, {}).get(key)
    return str(found) if found is not None else key
