"""The AI-content policy for works that arrive from other servers: text labels
(#aiart, "made with AI"…) and declared provenance of their images count; the instance's
`[ai] remote_ai_verdict` drops them, keeps them out of timelines, or labels them; and
per domain we count works seen and works with AI signals."""

from __future__ import annotations

import re
from typing import cast

from instance.moderation.instances import record_work_seen
from instance.services import Services
from instance.storage.models import Account, MediaAttachment, ProvenanceVerdict, Work

AI_TAGS = frozenset(
    {
        "aiart",
        "aiartwork",
        "aiartcommunity",
        "aiartist",
        "aigenerated",
        "aigeneratedart",
        "aiimage",
        "generativeai",
        "genai",
        "midjourney",
        "midjourneyart",
        "stablediffusion",
        "stablediffusionart",
        "sdxl",
        "dalle",
        "dalle2",
        "dalle3",
        "novelai",
        "nijijourney",
        "firefly",
        "adobefirefly",
        "aiphotography",
    }
)
AI_PHRASES = re.compile(
    r"\b(?:made|created|generated|done|drawn|painted)\s+(?:with|by|using|in)\s+"
    r"(?:an?\s+)?(?:ai|a\.i\.|midjourney|stable\s*diffusion|dall[\s·-]?e|firefly|novelai)\b"
    r"|\bai[\s-]generated\b|\bgenerated\s+by\s+ai\b",
    re.IGNORECASE,
)


def text_labels(tags: list[str], text: str) -> list[str]:
    """Which AI labels a remote work carries in its hashtags and text."""
    found = [f"#{tag}" for tag in tags if tag.lower() in AI_TAGS]
    found += [match.group(0) for match in AI_PHRASES.finditer(text or "")]
    return found


async def mark_ai(services: Services, work: Work, reason: str) -> None:
    """First AI signal for this work: count it and apply the remote policy."""
    policy = services.config.ai.remote_ai_verdict
    account = await Account.get(id=work.account_id)
    await record_work_seen(services.config, account.domain or "", ai=True, counted=True)
    if policy == "drop":
        await MediaAttachment.filter(work_id=work.id).delete()
        await work.delete()
        return
    work.ai_label = True
    work.state_reason = reason
    update = ["ai_label", "state_reason"]
    if policy == "hide":
        work.hidden = True
        update.append("hidden")
    await work.save(update_fields=update)


async def on_remote_work_stored(services: Services, work: Work, *, new: bool) -> None:
    """Call after the inbox stores (or updates) a remote work."""
    account = await Account.get(id=work.account_id)
    if new:
        await record_work_seen(services.config, account.domain or "", ai=False)
    if work.ai_label:
        return
    if await MediaAttachment.filter(work_id=work.id, ai_label=True).exists():
        await mark_ai(services, work, "its server declares an image AI-generated")
        return
    tags = cast(list[str], await work.tags.all().values_list("name", flat=True))
    labels = text_labels(list(tags), f"{work.title} {work.summary} {work.content}")
    if labels:
        await mark_ai(services, work, "AI label: " + ", ".join(labels[:3]))


async def on_remote_media_checked(services: Services, media: MediaAttachment) -> None:
    """Call after a remote image's provenance is known."""
    if media.provenance_verdict != ProvenanceVerdict.AI or media.work_id is None:
        return
    work = await Work.get_or_none(id=media.work_id)
    if work is None or work.ai_label:
        return
    signals = ", ".join(s.get("signal", "") for s in (media.provenance_evidence or [])[:3])
    await mark_ai(services, work, f"declared AI provenance ({signals})")
