"""What the public /about page and `/api/v1/instance/domain_blocks` say: the moderated
servers with their public reasons (obfuscated domains as Mastodon shows them), the staff,
and the AI policy in plain words, read from the settings in force."""

from __future__ import annotations

import hashlib
from typing import Any

from instance.config import Config
from instance.storage.models import Account, DomainPolicy, User

PUBLIC_SEVERITIES = ("silence", "suspend")


def public_domain(domain: str, obfuscate: bool) -> str:
    """Mastodon's obfuscation: the middle letters become `*`, dots and both ends stay."""
    if not obfuscate:
        return domain
    length = len(domain)
    visible = length // 4
    return "".join("*" if visible < i < length - visible and ch != "." else ch
                   for i, ch in enumerate(domain))


async def moderated_servers() -> list[dict[str, Any]]:
    """The servers limited or suspended here, in Mastodon's `DomainBlock` shape."""
    policies = await DomainPolicy.filter(allow=False, severity__in=PUBLIC_SEVERITIES).order_by("domain")
    return [{
        "domain": public_domain(policy.domain, policy.obfuscate),
        "digest": hashlib.sha256(policy.domain.encode()).hexdigest(),
        "severity": policy.severity,
        "comment": policy.public_comment or None,
    } for policy in policies]


async def staff() -> list[tuple[Account, str]]:
    """The local admins and moderators with their roles, admins first."""
    found = await User.filter(role__in=("admin", "moderator"), disabled=False,
                              account__suspended=False).prefetch_related("account")
    return sorted(((user.account, user.role) for user in found),
                  key=lambda pair: (pair[1] != "admin", pair[0].username))


_DECLARED = {
    "prohibited": "AI-generated images are not welcome here.",
    "labelled": "AI-generated images are allowed here only with a label saying so.",
    "allowed": "AI-generated images are allowed here.",
}
_LOCAL = {
    "reject": "An upload whose file declares that it was made by AI is refused.",
    "hold": "An upload whose file declares that it was made by AI waits for a moderator.",
    "label": "An upload whose file declares that it was made by AI is published with an AI label.",
}
_REMOTE = {
    "drop": "Works from other servers that declare AI-made images are not kept here.",
    "hide": "Works from other servers that declare AI-made images are kept out of timelines.",
    "label": "Works from other servers that declare AI-made images are shown with a label.",
}


def ai_policy_in_words(config: Config) -> list[str]:
    """The AI policy in force, one plain sentence per rule."""
    ai = config.ai
    words = [_DECLARED[ai.declared_policy], _LOCAL[ai.local_ai_verdict], _REMOTE[ai.remote_ai_verdict]]
    if ai.defederate_declared_ai != "off":
        verb = "limited" if ai.defederate_declared_ai == "silence" else "suspended"
        words.append(f"Servers that declare AI-generated content allowed are {verb} automatically.")
    if config.cloak.enabled:
        words.append("Images served from here are cloaked against style mimicry (defence in depth, "
                     "not a guarantee).")
    if config.optout.xmp or config.optout.robots or config.optout.tdmrep:
        words.append("Images and pages are marked as not for AI training (robots.txt, TDMRep, "
                     "image metadata).")
    return words
