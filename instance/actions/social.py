"""Follows, likes, boosts, blocks, mutes, bookmarks and profile updates by local accounts.
Each changes storage and sends the matching activity; local-to-local needs no HTTP."""

from __future__ import annotations

import uuid
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from federation import documents
from federation.vocab import PUBLIC
from instance.actions.profile_links import keep_verified, queue_verification, wants_verifying
from instance.errors import Refused
from instance.jobs import kinds
from instance.services import Services
from instance.storage.models import (
    Account,
    Block,
    Bookmark,
    Boost,
    Follow,
    FollowState,
    Like,
    Mute,
    Notification,
    Work,
)
from instance.translation import gettext as _
from outbox.fanout import follower_inboxes, inboxes_of, previous_recipients, send


class SocialError(Refused):
    """An interaction that cannot be done; the message says why."""


def _undo_id(services: Services, record: Follow | Like | Boost | Block) -> str:
    """The id of the Undo of `record`'s activity. Rows made by these actions always carry
    an ap_id; a row stored without one (made directly, as fixtures do) keeps the Undo id it
    has always had, "None/undo"."""
    return services.urls.undo_activity(str(record.ap_id))


def _own_inbox(account: Account) -> list[str]:
    """The account's personal inbox (Follow/Block go there, as Mastodon sends them)."""
    if account.domain is None:
        return []
    inbox = account.inbox_url or account.shared_inbox_url
    return [inbox] if inbox else []


async def _notify(recipient: Account, kind: str, source: Account, work: Work | None,
                  connection: BaseDBAsyncClient | None) -> None:
    if recipient.domain is None and recipient.id != source.id:
        muted = await Mute.filter(account_id=recipient.id, target_id=source.id).using_db(
            connection).exists()
        if not muted:
            await Notification.create(recipient_id=recipient.id, kind=kind,
                                      from_account_id=source.id,
                                      work_id=work.id if work else None, using_db=connection)


def follow_document(follow: Follow, follower: Account, target: Account) -> dict[str, Any]:
    return {"id": follow.ap_id, "type": "Follow", "actor": follower.ap_id, "object": target.ap_id}


async def _count_follow(follow: Follow, connection: BaseDBAsyncClient, step: int) -> None:
    await Account.filter(id=follow.follower_id).using_db(connection).update(
        following_count=F("following_count") + step)
    await Account.filter(id=follow.target_id).using_db(connection).update(
        followers_count=F("followers_count") + step)


async def follow(services: Services, account: Account, target: Account) -> Follow:
    """Follow `target`; locked or remote targets leave the follow pending until accepted."""
    if account.id == target.id:
        raise SocialError(_("you cannot follow yourself"))
    if await Block.filter(account_id=target.id, target_id=account.id).exists():
        raise SocialError(_("this account has blocked you"))
    existing = await Follow.get_or_none(follower_id=account.id, target_id=target.id)
    if existing is not None:
        return existing
    if target.moved_to_id is not None:
        moved_to = await Account.get_or_none(id=target.moved_to_id)
        raise SocialError(
            _("this account has moved to %(where)s; follow the new account instead",
              where=moved_to.ap_id) if moved_to is not None
            else _("this account has moved; follow the new account instead"))
    local = target.domain is None
    state = FollowState.PENDING if (target.locked or not local) else FollowState.ACCEPTED
    async with in_transaction() as connection:
        record = await Follow.create(
            ap_id=services.urls.follow_activity(account.ap_id, uuid.uuid4().hex), follower_id=account.id,
            target_id=target.id, state=state, using_db=connection,
        )
        if state == FollowState.ACCEPTED:
            await _count_follow(record, connection, +1)
        if local:
            kind = "follow" if state == FollowState.ACCEPTED else "follow_request"
            await _notify(target, kind, account, None, connection)
        else:
            doc = documents.with_context(follow_document(record, account, target))
            await send(services, account, doc, _own_inbox(target), object_ap_id=target.ap_id,
                       using_db=connection)
            if not await Follow.filter(target_id=target.id).exclude(id=record.id).using_db(
                    connection).exists():  # the first follower here: fetch their works
                await services.jobs.enqueue(kinds.BACKFILL_ACTOR, {"account_id": target.id},
                                            using_db=connection)
    return record


async def unfollow(services: Services, account: Account, target: Account) -> None:
    """Stop following (or withdraw a request): Undo{Follow} to a remote target; the
    target leaves one's lists, as in Mastodon."""
    from instance.storage.models import ListMember

    record = await Follow.get_or_none(follower_id=account.id, target_id=target.id)
    if record is None:
        return
    async with in_transaction() as connection:
        await Follow.filter(id=record.id).using_db(connection).delete()
        await ListMember.filter(account_list__owner_id=account.id, account_id=target.id) \
            .using_db(connection).delete()
        if record.state == FollowState.ACCEPTED:
            await _count_follow(record, connection, -1)
        if target.domain is not None:
            doc = documents.activity("Undo", _undo_id(services, record), account.ap_id,
                                     follow_document(record, account, target))
            await send(services, account, doc, _own_inbox(target), using_db=connection)


async def _answer(services: Services, account: Account, follower: Account, accept: bool) -> None:
    record = await Follow.get_or_none(follower_id=follower.id, target_id=account.id)
    if record is None:
        raise SocialError(_("no follow request from this account"), status=404)
    async with in_transaction() as connection:
        if accept:
            if record.state != FollowState.ACCEPTED:
                await Follow.filter(id=record.id).using_db(connection).update(
                    state=FollowState.ACCEPTED)
                await _count_follow(record, connection, +1)
        else:
            await Follow.filter(id=record.id).using_db(connection).delete()
            if record.state == FollowState.ACCEPTED:
                await _count_follow(record, connection, -1)
        if follower.domain is not None:
            kind = "Accept" if accept else "Reject"
            follow_id = record.ap_id or f"{follower.ap_id}#follows/{record.id}"
            inner = {"id": follow_id, "type": "Follow", "actor": follower.ap_id,
                     "object": account.ap_id}
            doc = documents.activity(
                kind, services.urls.answer_activity(account.ap_id, kind, uuid.uuid4().hex),
                account.ap_id, inner)
            await send(services, account, doc, _own_inbox(follower), using_db=connection)
        elif accept:
            await _notify(follower, "follow", account, None, connection)


async def accept_follow(services: Services, account: Account, follower: Account) -> None:
    await _answer(services, account, follower, True)


async def reject_follow(services: Services, account: Account, follower: Account) -> None:
    await _answer(services, account, follower, False)


async def remove_follower(services: Services, account: Account, follower: Account) -> None:
    """Drop someone from one's followers (Reject{Follow} tells a remote one)."""
    await _answer(services, account, follower, False)


async def like(services: Services, account: Account, work: Work) -> Like:
    existing = await Like.get_or_none(account_id=account.id, work_id=work.id)
    if existing is not None:
        return existing
    author = await Account.get(id=work.account_id)
    async with in_transaction() as connection:
        record = await Like.create(account_id=account.id, work_id=work.id, using_db=connection)
        record.ap_id = services.urls.like_activity(account.ap_id, record.id)
        await record.save(update_fields=["ap_id"], using_db=connection)
        await Work.filter(id=work.id).using_db(connection).update(likes_count=F("likes_count") + 1)
        await _notify(author, "favourite", account, work, connection)
        if author.domain is not None:
            doc = documents.activity("Like", record.ap_id, account.ap_id, work.ap_id)
            await send(services, account, doc, inboxes_of([author]), object_ap_id=work.ap_id,
                       using_db=connection)
    return record


async def unlike(services: Services, account: Account, work: Work) -> None:
    record = await Like.get_or_none(account_id=account.id, work_id=work.id)
    if record is None:
        return
    author = await Account.get(id=work.account_id)
    async with in_transaction() as connection:
        await Like.filter(id=record.id).using_db(connection).delete()
        await Work.filter(id=work.id, likes_count__gt=0).using_db(connection).update(
            likes_count=F("likes_count") - 1)
        if author.domain is not None:
            inner = {"id": record.ap_id, "type": "Like", "actor": account.ap_id,
                     "object": work.ap_id}
            doc = documents.activity("Undo", _undo_id(services, record), account.ap_id,
                                     inner)
            await send(services, account, doc, inboxes_of([author]), using_db=connection)


def _boost_audience(services: Services, account: Account, author: Account) -> tuple[list, list]:
    return [PUBLIC], [author.ap_id, account.followers_url or services.urls.followers_of(account.ap_id)]


async def boost(services: Services, account: Account, work: Work) -> Boost:
    if work.visibility not in ("public", "unlisted"):
        raise SocialError(_("only public and unlisted works can be boosted"))
    existing = await Boost.get_or_none(account_id=account.id, work_id=work.id)
    if existing is not None:
        return existing
    author = await Account.get(id=work.account_id)
    async with in_transaction() as connection:
        record = await Boost.create(account_id=account.id, work_id=work.id, using_db=connection)
        record.ap_id = services.urls.announce_activity(account.ap_id, record.id)
        await record.save(update_fields=["ap_id"], using_db=connection)
        await Work.filter(id=work.id).using_db(connection).update(
            boosts_count=F("boosts_count") + 1)
        await _notify(author, "reblog", account, work, connection)
        to, cc = _boost_audience(services, account, author)
        doc = documents.activity("Announce", record.ap_id, account.ap_id, work.ap_id, to=to,
                                 cc=cc, published=record.created_at)
        inboxes = await follower_inboxes(account, connection) + inboxes_of([author])
        await send(services, account, doc, inboxes, object_ap_id=record.ap_id,
                   using_db=connection)
    return record


async def unboost(services: Services, account: Account, work: Work) -> None:
    record = await Boost.get_or_none(account_id=account.id, work_id=work.id)
    if record is None:
        return
    author = await Account.get(id=work.account_id)
    async with in_transaction() as connection:
        await Boost.filter(id=record.id).using_db(connection).delete()
        await Work.filter(id=work.id, boosts_count__gt=0).using_db(connection).update(
            boosts_count=F("boosts_count") - 1)
        to, cc = _boost_audience(services, account, author)
        inner = {"id": record.ap_id, "type": "Announce", "actor": account.ap_id,
                 "object": work.ap_id}
        doc = documents.activity("Undo", _undo_id(services, record), account.ap_id,
                                 inner, to=to, cc=cc)
        inboxes = await previous_recipients(record.ap_id, connection)
        inboxes += await follower_inboxes(account, connection)
        await send(services, account, doc, inboxes, using_db=connection)


async def block(services: Services, account: Account, target: Account) -> Block:
    """Block: follows both ways end; a remote target is told with Block."""
    if account.id == target.id:
        raise SocialError(_("you cannot block yourself"))
    existing = await Block.get_or_none(account_id=account.id, target_id=target.id)
    if existing is not None:
        return existing
    async with in_transaction() as connection:
        record = await Block.create(account_id=account.id, target_id=target.id,
                                    using_db=connection)
        record.ap_id = services.urls.block_activity(account.ap_id, record.id)
        await record.save(update_fields=["ap_id"], using_db=connection)
        for follower, followed in ((account, target), (target, account)):
            gone = await Follow.get_or_none(follower_id=follower.id, target_id=followed.id,
                                            using_db=connection)
            if gone is not None:
                await Follow.filter(id=gone.id).using_db(connection).delete()
                if gone.state == FollowState.ACCEPTED:
                    await _count_follow(gone, connection, -1)
        if target.domain is not None:
            doc = documents.activity("Block", record.ap_id, account.ap_id, target.ap_id)
            await send(services, account, doc, _own_inbox(target), using_db=connection)
    return record


async def unblock(services: Services, account: Account, target: Account) -> None:
    record = await Block.get_or_none(account_id=account.id, target_id=target.id)
    if record is None:
        return
    async with in_transaction() as connection:
        await Block.filter(id=record.id).using_db(connection).delete()
        if target.domain is not None:
            inner = {"id": record.ap_id, "type": "Block", "actor": account.ap_id,
                     "object": target.ap_id}
            doc = documents.activity("Undo", _undo_id(services, record), account.ap_id,
                                     inner)
            await send(services, account, doc, _own_inbox(target), using_db=connection)


async def mute(services: Services, account: Account, target: Account, *,
               notifications: bool = True) -> Mute:
    """Mute is private: nothing is sent."""
    if account.id == target.id:
        raise SocialError(_("you cannot mute yourself"))
    record, made = await Mute.get_or_create(account_id=account.id, target_id=target.id,
                                            defaults={"notifications": notifications})
    if not made and record.notifications != notifications:  # muting again changes it, as Mastodon
        record.notifications = notifications
        await record.save(update_fields=["notifications"])
    return record


async def unmute(services: Services, account: Account, target: Account) -> None:
    await Mute.filter(account_id=account.id, target_id=target.id).delete()


async def bookmark(account: Account, work: Work) -> None:
    """Bookmarks are private: nothing is sent."""
    await Bookmark.get_or_create(account_id=account.id, work_id=work.id)


async def unbookmark(account: Account, work: Work) -> None:
    await Bookmark.filter(account_id=account.id, work_id=work.id).delete()


PROFILE_FIELDS = ("display_name", "note", "avatar_url", "header_url", "fields_json", "locked",
                  "discoverable", "indexable", "bot", "also_known_as")


async def update_profile(services: Services, account: Account, **changes: Any) -> Account:
    """Change profile fields (note is plain text, rendered) and send Update{Person}."""
    from instance.text import render, sanitise

    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise SocialError(_("unknown profile fields: %(choices)s", choices=', '.join(sorted(unknown))))
    if "note" in changes:
        changes["note"] = render(changes["note"] or "", services.config.base_url).html
    if "fields_json" in changes:
        changes["fields_json"] = keep_verified(account.fields_json or [], [
            {"name": str(f.get("name", ""))[:255], "value": sanitise(str(f.get("value", "")))}
            for f in changes["fields_json"]
        ][:16])
    async with in_transaction() as connection:
        await Account.filter(id=account.id).using_db(connection).update(**changes)
        if wants_verifying(changes.get("fields_json", [])):
            await queue_verification(services, account, using_db=connection)
        await account.refresh_from_db(using_db=connection)
        await send_profile_update(services, account, connection)
    return account


async def send_profile_update(services: Services, account: Account,
                              connection: BaseDBAsyncClient) -> None:
    """Update{Person} to the account's followers, in the caller's transaction (after a
    profile change, or a change of what the server adds to it, like availability)."""
    from outbox.documents import moved_to_of, person_for, profile_emoji, server_fields

    extra = await server_fields(account, connection)
    doc = documents.with_context(person_for(
        services, account, extra_fields=extra,
        emoji=await profile_emoji(services, account, connection),
        moved_to=await moved_to_of(account, connection)))
    update = documents.activity(
        "Update", services.urls.profile_update_activity(account.ap_id, uuid.uuid4().hex),
        account.ap_id, doc,
        to=[PUBLIC], cc=[account.followers_url],
    )
    update["object"].pop("@context", None)
    inboxes = await follower_inboxes(account, connection)
    await send(services, account, update, inboxes, using_db=connection)
