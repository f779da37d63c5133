"""The poster's answer to an application a local artist sent to a listing on another
server: a reply to the application's Note, from the listing's poster, shown to the
artist beside the application (its `reply`)."""

from __future__ import annotations

import html
from datetime import UTC, datetime

import nh3

from federation.vocab import id_of
from inbox.common import sender, vouched_object
from inbox.errors import Drop
from instance.jobboard.applications import MAX_REPLY
from instance.services import Services
from instance.storage.models import JobApplication


async def handle(services: Services, activity: dict) -> None:
    poster = await sender(services, activity)
    obj = await vouched_object(services, activity, poster)
    application = await JobApplication.get_or_none(
        ap_id=id_of(obj.get("inReplyTo")) or "").prefetch_related("listing")
    if application is None or application.listing.poster_id != poster.id:
        raise Drop("only the listing's poster answers an application")
    content = obj.get("content")
    if not isinstance(content, str) or not content.strip():
        raise Drop("the answer is empty")
    paragraphs = nh3.clean(content.replace("</p>", "</p>\n\n"), tags=set())
    text = html.unescape(paragraphs).strip()[:MAX_REPLY]
    application.reply, application.replied_at = text, datetime.now(UTC)
    await application.save(update_fields=["reply", "replied_at", "updated_at"])
