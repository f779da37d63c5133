"""The documents of local things, loaded from storage: the one module that reads the rows
the pure builders of `federation.documents` and `federation.joblisting` need (a work's
account, media, tags and mentions; an account's public URLs; a listing's poster)."""

from __future__ import annotations

from typing import cast

from tortoise.backends.base.client import BaseDBAsyncClient

from federation import documents
from federation.joblisting import AVAILABILITY_LABELS, ListingDoc, listing_to_note
from federation.polls import as_question
from instance.emoji.store import known_in
from instance.services import Services
from instance.storage.models import (
    Account,
    ArtistAvailability,
    CustomEmoji,
    JobListing,
    MediaAttachment,
    MediaState,
    Poll,
    Work,
)


def _mention_name(account: Account, local_domain: str) -> str:
    return f"@{account.username}@{account.domain or local_domain}"


async def note_for(services: Services, work: Work, using_db: BaseDBAsyncClient | None = None) -> dict:
    """The Note document of a local work (without @context)."""
    account = await Account.get(id=work.account_id, using_db=using_db)
    # Only shown media: an image added by an edit is sent once ready (never a held one).
    media = await MediaAttachment.filter(work_id=work.id, state=MediaState.READY).using_db(
        using_db).order_by("position", "id")
    tags = cast(list[str], await work.tags.all().using_db(using_db).values_list("name", flat=True))
    mentioned = await Account.filter(ap_id__in=list(work.mentions or [])).using_db(using_db)
    domain = services.config.instance.domain
    cloaked = services.config.cloak.enabled and any(
        m.cloak_level not in (None, "", "off") for m in media
    )
    note = documents.work_to_note(
        work,
        actor_id=account.ap_id,
        followers_url=account.followers_url or services.urls.followers_of(account.ap_id),
        base_url=services.config.base_url,
        media=list(media),
        tags=sorted(tags),
        mentions=[(m.ap_id, _mention_name(m, domain)) for m in mentioned],
        in_reply_to=work.in_reply_to_ap_id,
        cloaked=cloaked,
        emoji=emoji_tags(services, await known_in(
            None, work.content, work.summary, work.title, using_db=using_db)),
    )
    poll = await Poll.get_or_none(work_id=work.id, using_db=using_db)
    if poll is None:
        return note
    return as_question(note, poll.options, poll.tallies, multiple=poll.multiple,
                       voters_count=poll.voters_count, end_time=poll.expires_at,
                       closed_at=poll.closed_at)


def emoji_tags(services: Services, rows: list[CustomEmoji]) -> list[dict]:
    """Emoji tags of local custom emoji rows (their id is the emoji's page here)."""
    base = services.config.base_url
    return [documents.emoji_tag(f"{base}/emojis/{row.id}", row.shortcode, row.image_type,
                                f"{base}{row.image_path}", row.updated_at)
            for row in rows if row.image_path]


async def profile_emoji(services: Services, account: Account,
                        using_db: BaseDBAsyncClient | None = None) -> list[dict]:
    """Emoji tags for the custom emoji in a local account's display name and bio."""
    return emoji_tags(services, await known_in(None, account.display_name, account.note,
                                               using_db=using_db))


def person_for(
    services: Services, account: Account, collection_ids: list[str] | None = None,
    extra_fields: list[tuple[str, str]] | None = None, emoji: list[dict] | None = None,
    moved_to: str | None = None,
) -> dict:
    """The actor document of a local account (without @context); `extra_fields` from
    `server_fields`, `emoji` from `profile_emoji`, `moved_to` from `moved_to_of`."""
    return documents.account_to_person(
        account, base_url=services.config.base_url, shared_inbox=services.urls.shared_inbox,
        collection_ids=collection_ids, extra_fields=extra_fields, emoji=emoji, moved_to=moved_to)


async def moved_to_of(account: Account, using_db: BaseDBAsyncClient | None = None
                      ) -> str | None:
    """The id of the account this one moved to (its actor's movedTo), if it moved."""
    if account.moved_to_id is None:
        return None
    found = await Account.get_or_none(id=account.moved_to_id, using_db=using_db)
    return found.ap_id if found is not None else None


async def server_fields(account: Account, using_db: BaseDBAsyncClient | None = None
                        ) -> list[tuple[str, str]]:
    """Profile fields the server adds to an artist's actor: their availability for work
    ("Availability": "Open for commissions · illustration, commission · 200–800 EUR"),
    which Mastodon shows among the profile's fields."""
    row = await ArtistAvailability.get_or_none(account_id=account.id, using_db=using_db)
    if row is None or not row.status:
        return []
    parts = [AVAILABILITY_LABELS.get(row.status, row.status)]
    if row.kinds:
        parts.append(", ".join(row.kinds))
    if row.price_min or row.price_max:
        low, high = row.price_min or row.price_max, row.price_max or row.price_min
        figures = f"{low:,}" if low == high else f"{low:,}–{high:,}"
        parts.append(f"{figures} {row.currency}")
    return [("Availability", " · ".join(parts))]


def listing_doc(listing: JobListing, poster: Account) -> ListingDoc:
    """The federated fields of a listing row (local or remote)."""
    return ListingDoc.from_row(listing, ap_id=listing.ap_id or "", attributed_to=poster.ap_id,
                               url=listing.url or "", published=listing.published_at,
                               updated=max((t for t in (listing.edited_at, listing.closed_at) if t),
                                           default=None))


async def listing_note(services: Services, listing: JobListing,
                       using_db: BaseDBAsyncClient | None = None) -> dict:
    """The Note document of a local listing (without @context)."""
    poster = await Account.get(id=listing.poster_id, using_db=using_db)
    return listing_to_note(
        listing_doc(listing, poster),
        followers_url=poster.followers_url or services.urls.followers_of(poster.ap_id),
        tag_url=f"{services.urls.job_board}?tag=")
