"""Creating and deleting works (editing is `instance.actions.editing`). When a new work
goes out, and what goes with it, is `instance.actions.publishing`'s rule; this module
asks it."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from federation import documents
from instance.actions.polls import PollSpec, create_poll
from instance.actions.publishing import media_ready, now, publish_if_ready, published
from instance.actors.remote import resolve_acct
from instance.attachments.processing import delete_media
from instance.errors import Refused
from instance.services import Services
from instance.storage.models import Account, MediaAttachment, Tag, Work, WorkState
from instance.storage.models.works import AI_DECLARATIONS, VISIBILITIES
from instance.text import render
from instance.translation import gettext as _
from instance.translation import lazy_gettext
from outbox.fanout import follower_inboxes, inboxes_of, previous_recipients, send

MAX_IMAGES = 10  # per work: the upload form, the edit and the client API's limit


class WorkError(Refused):
    """A work request that cannot be done; the message says why."""

    title = lazy_gettext("Not sent")


class NoSuchWork(WorkError):
    """Not a work of the asker's (or deleted): the same answer either way."""

    status = 404
    title = lazy_gettext("Not found")


async def mentions_in(services: Services, source: str, reply_to: Work | None) -> list[Account]:
    from instance.text import find_mentions

    found: dict[str, Account] = {}
    for user, domain in find_mentions(source):
        account = await resolve_acct(services, user, domain)
        if account is not None:
            found[account.ap_id] = account
    if reply_to is not None:
        author = await Account.get(id=reply_to.account_id)
        found.setdefault(author.ap_id, author)
    return list(found.values())


def mention_urls(accounts: list[Account], local_domain: str) -> dict:
    urls: dict[tuple[str, str | None], str] = {}
    for a in accounts:
        urls[(a.username.lower(), a.domain)] = a.url or a.ap_id
        if a.domain is None:
            urls[(a.username.lower(), local_domain.lower())] = a.url or a.ap_id
    return urls


async def set_tags(work: Work, names: Iterable[str], connection: BaseDBAsyncClient) -> None:
    await work.tags.clear(using_db=connection)
    for name in dict.fromkeys(n.lower().lstrip("#") for n in names if n.strip("# ")):
        tag = await Tag.get_or_none(name=name[:255], using_db=connection)
        if tag is None:
            tag = await Tag.create(name=name[:255], using_db=connection)
        await work.tags.add(tag, using_db=connection)


async def create_work(
    services: Services,
    account: Account,
    *,
    title: str,
    content_source: str,
    summary: str = "",
    sensitive: bool = False,
    visibility: str = "public",
    licence: str = "",
    medium: str = "",
    tools: Iterable[str] = (),
    tags: Iterable[str] = (),
    ai_declaration: str = "none",
    in_reply_to_id: int | None = None,
    media_ids: Iterable[int] = (),
    language: str | None = None,
    cloak_level: str | None = None,
    poll: PollSpec | None = None,
) -> Work:
    """Create a work (or reply); it is published at once unless media are processing.
    A poll (checked by instance.actions.polls.check_spec) is made with it."""
    if account.domain is not None:
        raise WorkError(_("only local accounts publish works"))
    if visibility not in VISIBILITIES:
        raise WorkError(_("visibility must be one of %(choices)s", choices=', '.join(VISIBILITIES)))
    if ai_declaration not in AI_DECLARATIONS:
        raise WorkError(_("ai_declaration must be one of %(choices)s", choices=', '.join(AI_DECLARATIONS)))
    reply_to = None
    if in_reply_to_id is not None:
        reply_to = await Work.get_or_none(id=in_reply_to_id, deleted_at=None)
        if reply_to is None:
            raise WorkError(_("the work replied to does not exist"))
    media_ids = list(media_ids)
    if len(media_ids) > MAX_IMAGES:
        raise WorkError(_("a work has at most %(max_images)s images", max_images=MAX_IMAGES))
    media = await MediaAttachment.filter(id__in=media_ids, account_id=account.id)
    if len(media) != len(set(media_ids)) or any(m.work_id for m in media):
        raise WorkError(_("media must be your own uploads, not attached to another work"))
    mentioned = await mentions_in(services, content_source, reply_to)
    rendered = render(content_source, services.config.base_url,
                      mention_urls(mentioned, services.config.instance.domain))
    ready = not media  # with media: decided once they are attached (below)
    async with in_transaction() as connection:
        work = await Work.create(
            ap_id=services.urls.work_placeholder(account.ap_id, uuid.uuid4().hex),
            account_id=account.id, local=True, title=title[:500], content=rendered.html,
            content_source=content_source, summary=summary[:1000], sensitive=sensitive,
            visibility=visibility, language=language, licence=licence[:255],
            medium=medium[:255], tools=[str(t) for t in tools], ai_declaration=ai_declaration,
            cloak_level=cloak_level, state=WorkState.READY if ready else WorkState.PROCESSING,
            in_reply_to_id=reply_to.id if reply_to else None,
            in_reply_to_ap_id=reply_to.ap_id if reply_to else None,
            conversation=(reply_to.conversation or reply_to.ap_id) if reply_to else None,
            mentions=[a.ap_id for a in mentioned],
            published_at=now() if ready else None,
            using_db=connection,
        )
        work.ap_id = services.urls.work(account.ap_id, work.id)
        work.url = services.urls.work_page(account.username, work.id)
        await work.save(update_fields=["ap_id", "url"], using_db=connection)
        await set_tags(work, [*rendered.tags, *tags], connection)
        if poll is not None:
            await create_poll(services, work, poll, connection)
        for position, media_id in enumerate(media_ids):
            await MediaAttachment.filter(id=media_id).using_db(connection).update(
                work_id=work.id, position=position
            )
        if media and await media_ready(services, work, connection):
            work.state, work.published_at = WorkState.READY, now()
            await work.save(update_fields=["state", "published_at"], using_db=connection)
            ready = True
        if ready:
            await published(services, work, connection)
    if not ready:
        # A media job that finished while this transaction was open could not see the
        # work yet; look once more now that it is committed (publishing is idempotent).
        if await publish_if_ready(services, work.id):
            await work.refresh_from_db()
    return work


async def own_work(account: Account, work_id: int) -> Work:
    """The asker's own, undeleted work; someone else's is "no such work" (404)."""
    work = await Work.get_or_none(id=work_id, account_id=account.id, deleted_at=None)
    if work is None:
        raise NoSuchWork(_("no such work of yours"))
    return work


async def delete_work(services: Services, account: Account, work_id: int) -> None:
    """Delete a work: a Tombstone for everyone who got it (and current followers); then
    its images, records and files (after the commit: a crash between leaves files
    without a record, never a shown work without its files)."""
    work = await own_work(account, work_id)
    await _mark_deleted(services, account, work)
    for media in await MediaAttachment.filter(work_id=work.id):
        await delete_media(services, media)


async def _mark_deleted(services: Services, account: Account, work: Work) -> None:
    was_published = work.state == WorkState.READY
    async with in_transaction() as connection:
        await Work.filter(id=work.id).using_db(connection).update(
            state=WorkState.DELETED, deleted_at=now(), content="", title="", summary=""
        )
        if not was_published:
            return
        await Account.filter(id=account.id, works_count__gt=0).using_db(connection).update(
            works_count=F("works_count") - 1
        )
        if work.in_reply_to_id:
            await Work.filter(id=work.in_reply_to_id, replies_count__gt=0).using_db(
                connection
            ).update(replies_count=F("replies_count") - 1)
        inboxes = await previous_recipients(work.ap_id, connection)
        inboxes += await follower_inboxes(account, connection)
        mentioned = await Account.filter(ap_id__in=list(work.mentions or [])).using_db(connection)
        inboxes += inboxes_of(mentioned)
        followers = account.followers_url or services.urls.followers_of(account.ap_id)
        activity = documents.activity(
            "Delete", services.urls.delete_activity(work.ap_id), account.ap_id,
            documents.tombstone(work.ap_id),
            to=[documents.PUBLIC], cc=[followers],
        )
        await send(services, account, activity, inboxes, object_ap_id=work.ap_id,
                   using_db=connection)
