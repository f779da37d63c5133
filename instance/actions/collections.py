"""Portfolio collections: ordered sets of an artist's works, served as OrderedCollections
at /users/NAME/collections/ID and listed in the actor's `streams` (peers re-read them
from the actor, so changes need no activity of their own)."""

from __future__ import annotations

import uuid
from typing import cast

from tortoise.transactions import in_transaction

from instance.errors import Refused
from instance.services import Services
from instance.storage.models import Account, Collection, CollectionItem, Work
from instance.translation import gettext as _


class CollectionError(Refused):
    """A collection request that cannot be done; the message says why."""


async def create_collection(services: Services, account: Account, *, title: str,
                            description: str = "", featured: bool = False) -> Collection:
    if account.domain is not None:
        raise CollectionError(_("only local accounts have portfolio collections"))
    if not title.strip():
        raise CollectionError(_("a collection needs a title"))
    position = await Collection.filter(account_id=account.id).count()
    async with in_transaction() as connection:
        collection = await Collection.create(
            ap_id=services.urls.collection_placeholder(account.ap_id, uuid.uuid4().hex),
            account_id=account.id, title=title.strip()[:255], description=description,
            featured=featured, position=position, using_db=connection,
        )
        collection.ap_id = services.urls.collection(account.ap_id, collection.id)
        await collection.save(update_fields=["ap_id"], using_db=connection)
    return collection


async def _own(account: Account, collection_id: int) -> Collection:
    collection = await Collection.get_or_none(id=collection_id, account_id=account.id)
    if collection is None:
        raise CollectionError(_("no such collection"))
    return collection


async def add_work(services: Services, account: Account, collection_id: int, work_id: int) -> None:
    collection = await _own(account, collection_id)
    if not await Work.filter(id=work_id, account_id=account.id, deleted_at=None).exists():
        raise CollectionError(_("only your own works go in your collections"))
    last = await CollectionItem.filter(collection_id=collection.id).order_by("-position").first()
    position = last.position + 1 if last else 0
    await CollectionItem.get_or_create(collection_id=collection.id, work_id=work_id,
                                       defaults={"position": position})


async def remove_work(services: Services, account: Account, collection_id: int, work_id: int) -> None:
    collection = await _own(account, collection_id)
    await CollectionItem.filter(collection_id=collection.id, work_id=work_id).delete()


async def delete_collection(services: Services, account: Account, collection_id: int) -> None:
    collection = await _own(account, collection_id)
    await Collection.filter(id=collection.id).delete()


async def update_collection(services: Services, account: Account, collection_id: int, *,
                            title: str, description: str, featured: bool) -> Collection:
    """Rename, describe, feature on the profile or not."""
    collection = await _own(account, collection_id)
    if not title.strip():
        raise CollectionError(_("a collection needs a title"))
    collection.title, collection.description = title.strip()[:255], description.strip()[:5000]
    collection.featured = featured
    await collection.save(update_fields=["title", "description", "featured"])
    return collection


async def set_cover(services: Services, account: Account, collection_id: int,
                    work_id: int | None) -> Collection:
    """Choose the collection's cover among its works, or none (then its first work is it)."""
    collection = await _own(account, collection_id)
    if work_id is not None and not await CollectionItem.filter(
            collection_id=collection.id, work_id=work_id, work__deleted_at=None).exists():
        raise CollectionError(_("the cover must be one of the works in this collection"), status=400)
    collection.cover_id = work_id
    await collection.save(update_fields=["cover_id"])
    return collection


def cover_of(collection: Collection, works: list[Work]) -> Work | None:
    """The cover among `works` (the collection's, in order, those the reader may see): the
    chosen one while it is there, else the first."""
    chosen = [work for work in works if work.id == collection.cover_id]
    return chosen[0] if chosen else (works[0] if works else None)


async def order_works(services: Services, account: Account, collection_id: int,
                      work_ids: list[int]) -> None:
    """Put the collection's works in the order given; every work in it must be named once
    (a form from before someone else's change is refused, not half-applied)."""
    collection = await _own(account, collection_id)
    held = set(cast(list[int], await CollectionItem.filter(collection_id=collection.id)
                    .values_list("work_id", flat=True)))
    if len(work_ids) != len(set(work_ids)) or set(work_ids) != held:
        raise CollectionError(_("the collection changed meanwhile: reload the page and order it again"))
    async with in_transaction() as connection:
        for position, work_id in enumerate(work_ids):
            await CollectionItem.filter(collection_id=collection.id, work_id=work_id).using_db(
                connection).update(position=position)


async def works_in(collection: Collection) -> list[Work]:
    """The collection's works that still exist, in the artist's order."""
    items = await CollectionItem.filter(collection_id=collection.id, work__deleted_at=None).order_by(
        "position", "id").prefetch_related("work")
    return [item.work for item in items]
